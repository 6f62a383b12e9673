/**
 * The payout providers the tool can pay through. What each one is (currency, key name, rules …) is in its module,
 * providers/<p>/<p>.module.ts, read through providers/registry.ts; registry.test.ts keeps the two lists equal.
 */
export const PROVIDER_IDS = ['openpay', 'conekta', 'digitalfemsa', 'zenrise'] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];

export type Currency = 'MXN' | 'ARS';

export function isProviderId(value: string): value is ProviderId {
  return (PROVIDER_IDS as readonly string[]).includes(value);
}
