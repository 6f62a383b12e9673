import type { ProviderId } from '../domain/provider-id.ts';
import type { PayoutProvider } from './payout-provider.ts';
import { conektaProvider } from './conekta/conekta-api.ts';
import { digitalfemsaProvider } from './digitalfemsa/digitalfemsa-api.ts';
import { openpayProvider } from './openpay/openpay-api.ts';
import { zenriseProvider } from './zenrise/zenrise-api.ts';

const PROVIDERS: Record<ProviderId, PayoutProvider> = {
  openpay: openpayProvider,
  conekta: conektaProvider,
  digitalfemsa: digitalfemsaProvider,
  zenrise: zenriseProvider,
};

/** The adapter of a provider. Adapters are stateless: the same object serves every session. */
export function getProvider(id: ProviderId): PayoutProvider {
  const provider = PROVIDERS[id];
  if (!provider) throw new TypeError(`unknown provider ${JSON.stringify(id)}`);
  return provider;
}
