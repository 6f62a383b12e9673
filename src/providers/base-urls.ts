import type { ProviderId } from '../domain/provider-id.ts';

export type ProviderTarget = 'simulator' | 'sandbox' | 'live';

/**
 * The real endpoints. Openpay paths continue with /v1/{merchant_id}/…; Zenrise's base already carries /v1
 * (zenrise-payouts.txt: /wallet/cbu-alias, v1/transfer-requests/add).
 */
const REAL_BASE_URLS: Record<ProviderId, { sandbox: string; live: string }> = {
  // openpay-api.txt: "Sandbox https://sandbox-api.openpay.mx … Producción https://api.openpay.mx"
  openpay: { sandbox: 'https://sandbox-api.openpay.mx', live: 'https://api.openpay.mx' },
  // conekta-dispersion.txt: one host; sandbox vs live is decided by the key (key_… of the test or live mode)
  conekta: { sandbox: 'https://api.conekta.io', live: 'https://api.conekta.io' },
  // digitalfemsa-cashout.txt: likewise one host for both modes
  digitalfemsa: { sandbox: 'https://api.digitalfemsa.io', live: 'https://api.digitalfemsa.io' },
  zenrise: { sandbox: 'https://dev.api.zenrise.io/v1', live: 'https://api.zenrise.io/v1' },
};

/** Where the simulator mounts each provider, under its root URL. */
const SIMULATOR_PATHS: Record<ProviderId, string> = {
  openpay: '/openpay',
  conekta: '/conekta',
  digitalfemsa: '/digitalfemsa',
  zenrise: '/zenrise/v1',
};

/** The base URL adapters append their paths to. `simulatorUrl` (the simulator's root) is required for 'simulator'. */
export function providerBaseUrl(id: ProviderId, target: ProviderTarget, simulatorUrl?: string): string {
  if (target === 'simulator') {
    if (!simulatorUrl) throw new TypeError(`providerBaseUrl(${id}, 'simulator') needs the simulator's URL`);
    return `${simulatorUrl.replace(/\/+$/, '')}${SIMULATOR_PATHS[id]}`;
  }
  return REAL_BASE_URLS[id][target];
}
