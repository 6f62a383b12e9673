import type { ProviderId } from '../domain/provider-id.ts';

/**
 * Spellings people use for each provider, compared after lower-casing and dropping spaces, `_` and `-`
 * ("Digital FEMSA", "digital_femsa", "Open-Pay"). "oxxo" is deliberately absent: OXXO is a cash network that
 * both Digital FEMSA (cash-out) and Conekta (OXXO Pay) use, so it does not name one provider.
 */
const SPELLINGS: Readonly<Record<string, ProviderId>> = {
  openpay: 'openpay',
  conekta: 'conekta',
  digitalfemsa: 'digitalfemsa',
  femsa: 'digitalfemsa',
  zenrise: 'zenrise',
};

/** The provider a `provider` cell names, or undefined when it names none of ours. */
export function parseProviderName(raw: string): ProviderId | undefined {
  const compact = raw.trim().toLowerCase().replace(/[\s_-]/g, '');
  return Object.hasOwn(SPELLINGS, compact) ? SPELLINGS[compact] : undefined;
}
