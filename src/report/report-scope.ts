import type { ProviderId } from '../domain/provider-id.ts';
import type { Batch, Environment, LedgerRow, LedgerStore } from '../ledger/ledger-store.ts';
import { providerOfRow } from '../domain/row-provider.ts';

/**
 * What a report covers: one batch, the rows last changed in [from, to), or the whole ledger. A range typed as days
 * keeps them (`days`) with the zone they were read in, for titles.
 */
export type ReportScopeOption = { batchId: string } | { from: Date; to: Date; days?: { from: string; to: string; zone: string } } | { all: true };

export class ReportScopeError extends Error {
  override readonly name = 'ReportScopeError';
  constructor(
    readonly code: 'BATCH_NOT_FOUND' | 'RANGE_INVALID' | 'BATCH_OF_OTHER_ENVIRONMENT',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Throws on a scope that cannot be read: an unknown batch, a batch of another environment than `environment`, a range
 * that ends before it starts.
 */
export async function checkScope(ledger: LedgerStore, scope: ReportScopeOption, environment?: Environment): Promise<void> {
  if ('batchId' in scope) {
    const batch = await ledger.getBatch(scope.batchId);
    if (!batch) throw new ReportScopeError('BATCH_NOT_FOUND', `no batch ${scope.batchId} in the ledger`);
    if (environment !== undefined && batch.environment !== environment) {
      const where = batch.environment === 'unknown' ? 'an unknown target (recorded before the ledger kept environments)' : batch.environment;
      throw new ReportScopeError('BATCH_OF_OTHER_ENVIRONMENT', `batch ${scope.batchId} was paid on ${where}, not ${environment}`);
    }
  } else if ('from' in scope) {
    if (!(scope.from.getTime() < scope.to.getTime())) {
      throw new ReportScopeError('RANGE_INVALID', `the range ends (${scope.to.toISOString()}) before it starts (${scope.from.toISOString()})`);
    }
  }
}

/**
 * The scope's rows, page by page from the ledger: a batch by row id; --all batch after batch, oldest first. With
 * `environment`, only rows of batches of that environment (a live report never counts a rehearsal's rows); with
 * `provider`, only that provider's rows (a mixed batch holds several).
 */
export async function* scopeRows(ledger: LedgerStore, scope: ReportScopeOption, environment?: Environment, provider?: ProviderId): AsyncIterableIterator<LedgerRow> {
  const keep = (row: LedgerRow) => (environment === undefined || row.environment === environment) && (provider === undefined || providerOfRow(row) === provider);
  if ('all' in scope) {
    for (const batch of (await ledger.listBatches()).reverse()) {
      if (environment !== undefined && batch.environment !== environment) continue;
      for await (const row of ledger.rowsForReport({ batchId: batch.id })) if (keep(row)) yield row;
    }
  } else {
    const query = 'batchId' in scope ? { batchId: scope.batchId } : { from: scope.from, to: scope.to };
    for await (const row of ledger.rowsForReport(query)) if (keep(row)) yield row;
  }
}

/** How many batches of the ledger belong to environments other than `environment`, per environment. */
export async function otherEnvironmentBatches(ledger: LedgerStore, environment: Environment): Promise<Map<string, number>> {
  const others = new Map<string, number>();
  for (const b of await ledger.listBatches()) if (b.environment !== environment) others.set(b.environment, (others.get(b.environment) ?? 0) + 1);
  return others;
}

/** For a summary line: "2 simulator, 1 legacy (target unknown) batch(es)". */
export function describeOtherEnvironments(others: ReadonlyMap<string, number>): string {
  return [...others].map(([env, n]) => `${n} ${env === 'unknown' ? 'legacy (target unknown)' : env}`).join(', ') + ' batch(es) of other environments';
}

/** For titles and the JSON summary; `provider` when the report keeps to one. */
export function describeScope(scope: ReportScopeOption, provider?: ProviderId): string {
  const only = provider === undefined ? '' : `, ${provider} only`;
  if ('batchId' in scope) return `batch ${scope.batchId}${only}`;
  if ('all' in scope) return `every batch in the ledger${only}`;
  if (scope.days) return `rows changed from ${scope.days.from} to ${scope.days.to} (days in ${scope.days.zone}, both included)${only}`;
  return `rows changed from ${scope.from.toISOString()} to ${scope.to.toISOString()} (end excluded)${only}`;
}

/** Batches oldest first (by creation, then id), for the statement's opening balance and the Summary. */
export function batchesOldestFirst(batches: Iterable<Batch>): Batch[] {
  return [...batches].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
}

/**
 * The period over which the providers' own listings are read. A date range is taken as given. A batch (or the
 * whole ledger) runs from its first batch's creation until now; both ends get a margin because the provider's
 * clock is not ours, and a payout we made must not fall outside the window and be reported as missing.
 */
export function listingPeriod(scope: ReportScopeOption, batches: readonly Batch[], now: Date): { from: Date; to: Date } {
  if ('from' in scope) return { from: scope.from, to: scope.to };
  const first = batches.reduce<number>((min, b) => Math.min(min, b.createdAt.getTime()), now.getTime());
  return { from: new Date(first - LISTING_MARGIN_MS), to: new Date(now.getTime() + LISTING_MARGIN_MS) };
}

const LISTING_MARGIN_MS = 10 * 60_000;
