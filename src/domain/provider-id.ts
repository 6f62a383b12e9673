/** The payout providers the tool can pay through. */
export const PROVIDER_IDS = ['openpay', 'conekta', 'digitalfemsa', 'zenrise'] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];

export type Currency = 'MXN' | 'ARS';

/** The one currency each provider pays out in (provider-docs: Openpay/Conekta/FEMSA MXN, Zenrise ARS). */
export const PROVIDER_CURRENCY: Record<ProviderId, Currency> = {
  openpay: 'MXN',
  conekta: 'MXN',
  digitalfemsa: 'MXN',
  zenrise: 'ARS',
};

/** The field that carries the row's idempotency key at the provider, as the provider names it. */
export const PROVIDER_KEY_NAME: Record<ProviderId, string> = {
  openpay: 'order_id',
  conekta: 'order_id',
  digitalfemsa: 'order_id',
  zenrise: 'externalReference',
};

export function isProviderId(value: string): value is ProviderId {
  return (PROVIDER_IDS as readonly string[]).includes(value);
}
