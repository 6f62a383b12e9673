import type { ProviderId } from '../domain/provider-id.ts';
import type { ProviderCredentials } from '../providers/payout-provider.ts';

/**
 * Keys the simulator accepts by default, shaped like the real ones (openpay-api.txt: merchant id `m…` of 20
 * characters and private key `sk_` + 32 hex; Conekta and FEMSA private keys `key_…`). Openpay, Conekta and FEMSA
 * accept any key of the right shape (each key or merchant id gets its own state and balance); Zenrise logs in only
 * with this clientId/secretId pair.
 */
export const SIMULATOR_CREDENTIALS: Required<ProviderCredentials> = {
  openpay: { merchantId: 'msimpayoutbatch00001', privateKey: 'sk_5e1f0a7c3d2b4e6f8a9b0c1d2e3f4a5b' },
  conekta: { privateKey: 'key_SimPayoutBatchConekta01' },
  digitalfemsa: { privateKey: 'key_SimPayoutBatchFemsa0001' },
  zenrise: { clientId: 'sim-payout-batch', secretId: 'sim-secret-7f3c9a1e5b2d4f60' },
};

/**
 * The user and password the simulator's Openpay webhook is registered with (it sends them as HTTP Basic); the
 * receiver verifies them for the simulator target with no configuration. Conekta and Digital FEMSA sign with a key
 * made by POST /webhook_keys instead; Zenrise has no proof.
 */
export const SIMULATOR_WEBHOOK_CREDENTIALS: { openpay: { user: string; password: string } } & Partial<Record<ProviderId, { user: string; password: string }>> = {
  openpay: { user: 'sim-webhook', password: 'sim-webhook-3b8e1d6f0a2c' },
};
