import type { ProviderId } from '../domain/provider-id.ts';
import type { RateBudget } from './rate-budget.ts';

/** A ledger that keeps request budgets every worker on it shares (the PostgreSQL ledger). */
export interface RateBudgetSource {
  rateBudget(provider: ProviderId): RateBudget;
}

/**
 * The budget shared through the ledger, when the ledger keeps one (PostgreSQL: several workers, one `--rate`); else
 * undefined, and the limiter keeps its budget in this process (SQLite: one process pays a batch).
 */
export function sharedRateBudget(ledger: object, provider: ProviderId): RateBudget | undefined {
  const source = ledger as Partial<RateBudgetSource>;
  return typeof source.rateBudget === 'function' ? source.rateBudget(provider) : undefined;
}
