import type { ProviderId } from '../domain/provider-id.ts';
import type { RowStatus } from '../domain/row-status.ts';
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

/** Whether a row is one scopeRows(ledger, scope, environment, provider) gives, told from the row alone. */
export function rowInScope(scope: ReportScopeOption, environment?: Environment, provider?: ProviderId): (row: LedgerRow) => boolean {
  return (row) =>
    (environment === undefined || row.environment === environment) &&
    (provider === undefined || row.provider === provider) &&
    ('batchId' in scope ? row.batchId === scope.batchId : 'from' in scope ? row.updatedAt.getTime() >= scope.from.getTime() && row.updatedAt.getTime() < scope.to.getTime() : true);
}

/**
 * The scope's rows in some statuses, in the order scopeRows gives them (a batch by row id; --all batch after batch).
 * A batch's rows come from the ledger's batch + status index, one status at a time, merged by row id: a detail
 * sheet of a million-row batch reads its own rows only, not the whole batch once per sheet, and one status per
 * query keeps each page an index range (several statuses in one query sort every remaining row on every page).
 * A date range has no such index and reads the range, keeping the rows in these statuses.
 */
export async function* scopeRowsIn(
  ledger: LedgerStore,
  scope: ReportScopeOption,
  statuses: readonly RowStatus[],
  environment?: Environment,
  provider?: ProviderId,
): AsyncIterableIterator<LedgerRow> {
  const wanted = new Set<RowStatus>(statuses);
  if (wanted.size === 0) return;
  const keep = (row: LedgerRow) => (environment === undefined || row.environment === environment) && (provider === undefined || row.provider === provider);
  if ('from' in scope) {
    for await (const row of ledger.rowsForReport({ from: scope.from, to: scope.to })) if (wanted.has(row.status) && keep(row)) yield row;
    return;
  }
  const batchIds = 'batchId' in scope ? [scope.batchId] : (await ledger.listBatches()).reverse().filter((b) => environment === undefined || b.environment === environment).map((b) => b.id);
  for (const batchId of batchIds) {
    const streams = [...wanted].map((status) => ledger.rowsByStatus(batchId, [status], provider === undefined ? {} : { provider }));
    for await (const row of mergeById(streams)) if (keep(row)) yield row;
  }
}

/** Merges row streams that are each in row-id order into one in row-id order. */
export async function* mergeById(streams: ReadonlyArray<AsyncIterator<LedgerRow>>): AsyncIterableIterator<LedgerRow> {
  const heads = await Promise.all(streams.map((s) => s.next()));
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i]!;
      if (!head.done && (best < 0 || head.value.id < (heads[best]!.value as LedgerRow).id)) best = i;
    }
    if (best < 0) return;
    yield heads[best]!.value as LedgerRow;
    heads[best] = await streams[best]!.next();
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
