import type { ProviderId } from '../domain/provider-id.ts';
import { providerModules } from '../providers/registry.ts';

/**
 * Spellings people use for each provider, compared after lower-casing and dropping spaces, `_` and `-`
 * ("Digital FEMSA", "digital_femsa", "Open-Pay"): each provider's id and the spellings its module lists.
 */
const SPELLINGS: ReadonlyMap<string, ProviderId> = new Map(
  providerModules().flatMap((descriptor) => [descriptor.id, ...descriptor.spellings].map((spelling) => [spelling, descriptor.id] as const)),
);

/** The provider a `provider` cell names, or undefined when it names none of ours. */
export function parseProviderName(raw: string): ProviderId | undefined {
  const compact = raw.trim().toLowerCase().replace(/[\s_-]/g, '');
  return SPELLINGS.get(compact);
}
