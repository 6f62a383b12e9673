import type { ProviderId } from '../domain/provider-id.ts';
import type { LedgerStore } from '../ledger/ledger-store.ts';
import { createRateLimiter, type RateLimiter } from './rate-limiter.ts';

/**
 * The widest jitter margin a limiter on a shared budget may take (rate-limiter.ts; 50 ms in one process). A grant
 * made by the database reaches the provider after the database's answer has travelled to its worker, on that worker's
 * host: how long that takes differs from worker to worker, and from one moment to the next on a loaded host (100 ms
 * measured with three workers on two busy cores; under a full test suite on two cores, requests held up past a
 * 150 ms margin reached the provider 22 in one second against a limit of 20). The margin is still twice the jitter
 * the limiter measures, its database round trips included, so a quiet database keeps it at its floor and the pace
 * near the rate; only a host that measures itself slow pays the wider margin, in pace rather than in 429s.
 */
export const SHARED_BUDGET_MAX_MARGIN_MS = 300;

/**
 * The requests-per-second limiter of one provider for a command on this ledger, over all the provider's endpoints.
 * Its budget is the ledger's when the ledger keeps one (PostgreSQL: shared by every worker, `run`, `serve`, `sync`
 * and `webhooks` alike, so `--rate N` holds for all of them together), else this process's own (SQLite).
 */
export function providerLimiter(ledger: Pick<LedgerStore, 'rateBudget'>, provider: ProviderId, ratePerSecond: number): RateLimiter {
  const budget = ledger.rateBudget(provider);
  return createRateLimiter({ ratePerSecond, ...(budget ? { budget, maxMarginMs: SHARED_BUDGET_MAX_MARGIN_MS } : {}) });
}
