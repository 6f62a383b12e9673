import { assertMinor } from '../../domain/money.ts';
import type { ProviderId } from '../../domain/provider-id.ts';
import { ROW_STATUSES, type RowStatus } from '../../domain/row-status.ts';
import { LedgerError } from '../ledger-error.ts';
import { HISTORY_ROWS_MAX } from '../ledger-store.ts';
import type { BatchEnvironment, HistoryEntry, LedgerRow, ReportScope, RowsByStatusOptions, StatusCount } from '../ledger-store.ts';
import { ensureOpen, inStatement, type SqliteContext } from './context.ts';
import { iso, toHistory, toRow, type HistoryRecord, type RowRecord } from './records.ts';

/** Reads: rows by status or for a report (keyset pages), lookups by payout id, counts, a row's history. */

const ROW_PAGE = 1000;

export function* rowsByStatus(ctx: SqliteContext, batchId: string | null, statuses: readonly RowStatus[], options: RowsByStatusOptions = {}): IterableIterator<LedgerRow> {
  ensureOpen(ctx);
  for (const status of statuses) {
    if (!(ROW_STATUSES as readonly string[]).includes(status)) {
      throw new LedgerError('INVALID_INPUT', `unknown row status ${JSON.stringify(status)}`, { status });
    }
  }
  if (statuses.length === 0) return;
  const pageSize = options.pageSize ?? ROW_PAGE;
  const stmt = inStatement(ctx, 
    `byStatus:${batchId === null ? 'all' : 'batch'}:${options.provider === undefined ? 'any' : 'provider'}`,
    statuses.length,
    // A batch's rows in some statuses come from (batch_id, status, id), whatever the planner guesses without
    // statistics: walking the batch in id order (payout_rows_batch_id) would read all of a million-row batch to find
    // its few rows left unknown.
    (list) => `SELECT * FROM payout_rows ${batchId === null ? '' : 'INDEXED BY payout_rows_batch_status'} WHERE status IN (${list})
      ${batchId === null ? '' : 'AND batch_id = @batchId'} ${options.provider === undefined ? '' : 'AND provider = @provider'}
      AND id > @after ORDER BY id LIMIT @limit`,
  );
  const base: Record<string, unknown> = { limit: pageSize };
  if (batchId !== null) base.batchId = batchId;
  if (options.provider !== undefined) base.provider = options.provider;
  yield* paged(ctx, (after) => stmt.all(...statuses, { ...base, after }) as RowRecord[], pageSize);
}

export function* rowsForReport(ctx: SqliteContext, scope: ReportScope): IterableIterator<LedgerRow> {
  ensureOpen(ctx);
  if ('batchId' in scope) {
    yield* paged(ctx, (after) => ctx.s.reportByBatch.all({ batchId: scope.batchId, after, limit: ROW_PAGE }) as RowRecord[], ROW_PAGE);
  } else {
    const from = iso(scope.from);
    const to = iso(scope.to);
    yield* paged(ctx, (after) => ctx.s.reportByTime.all({ from, to, after, limit: ROW_PAGE }) as RowRecord[], ROW_PAGE);
  }
}

export function* paidRowsSince(ctx: SqliteContext, batchId: string, since: Date): IterableIterator<LedgerRow> {
  ensureOpen(ctx);
  const at = iso(since);
  yield* paged(ctx, (after) => ctx.s.paidSinceByBatch.all({ batchId, since: at, after, limit: ROW_PAGE }) as RowRecord[], ROW_PAGE);
}

export function* rowsToRecheck(ctx: SqliteContext, batchId: string, since: Date): IterableIterator<LedgerRow> {
  ensureOpen(ctx);
  const at = iso(since);
  yield* paged(ctx, (after) => ctx.s.recheckPaidByBatch.all({ batchId, since: at, after, limit: ROW_PAGE }) as RowRecord[], ROW_PAGE);
  yield* paged(ctx, (after) => ctx.s.recheckFailedByBatch.all({ batchId, since: at, after, limit: ROW_PAGE }) as RowRecord[], ROW_PAGE);
}

/** The latest row with this payout id; with `environment`, the latest of that environment only. */
export function findRowByProviderPayoutId(ctx: SqliteContext, provider: ProviderId, payoutId: string, environment?: BatchEnvironment): LedgerRow | undefined {
  const s = ensureOpen(ctx).s;
  const record = (environment === undefined ? s.rowByPayoutId.get(provider, payoutId) : s.rowByPayoutIdIn.get(provider, payoutId, environment)) as RowRecord | undefined;
  return record ? toRow(record) : undefined;
}

export function countsByStatus(ctx: SqliteContext, batchId: string): Record<RowStatus, StatusCount> {
  const counts = Object.fromEntries(ROW_STATUSES.map((s) => [s, { count: 0, amountMinor: 0 }])) as Record<RowStatus, StatusCount>;
  for (const r of ensureOpen(ctx).s.countsByStatus.all(batchId) as { status: RowStatus; n: number; amount: number }[]) {
    assertMinor(r.amount, `total of ${r.status} rows`);
    counts[r.status] = { count: r.n, amountMinor: r.amount };
  }
  return counts;
}

export function history(ctx: SqliteContext, rowId: number): HistoryEntry[] {
  return (ensureOpen(ctx).s.history.all(rowId) as HistoryRecord[]).map(toHistory);
}

export function historyOfRows(ctx: SqliteContext, rowIds: readonly number[]): Map<number, HistoryEntry[]> {
  checkHistoryIds(rowIds);
  const out = new Map<number, HistoryEntry[]>();
  const ids = [...new Set(rowIds)];
  if (ids.length === 0) return out;
  ensureOpen(ctx);
  const stmt = inStatement(ctx, 'historyOfRows', ids.length, (list) => `SELECT * FROM row_history WHERE row_id IN (${list}) ORDER BY row_id, id`);
  for (const record of stmt.all(...ids) as HistoryRecord[]) {
    const entry = toHistory(record);
    const list = out.get(entry.rowId);
    if (list) list.push(entry);
    else out.set(entry.rowId, [entry]);
  }
  return out;
}

export function rowsOfIds(ctx: SqliteContext, rowIds: readonly number[]): Map<number, LedgerRow> {
  checkHistoryIds(rowIds, 'rowsOfIds');
  const out = new Map<number, LedgerRow>();
  const ids = [...new Set(rowIds)];
  if (ids.length === 0) return out;
  ensureOpen(ctx);
  const stmt = inStatement(ctx, 'rowsOfIds', ids.length, (list) => `SELECT * FROM payout_rows WHERE id IN (${list})`);
  for (const record of stmt.all(...ids) as RowRecord[]) out.set(record.id, toRow(record));
  return out;
}

/** Ids must be row ids, at most HISTORY_ROWS_MAX of them (one statement's parameters). */
export function checkHistoryIds(rowIds: readonly number[], method = 'historyOfRows'): void {
  if (rowIds.length > HISTORY_ROWS_MAX) throw new LedgerError('INVALID_INPUT', `${method} takes at most ${HISTORY_ROWS_MAX} row ids, got ${rowIds.length}`, { count: rowIds.length });
  for (const id of rowIds) if (!Number.isSafeInteger(id) || id < 1) throw new LedgerError('INVALID_INPUT', `not a row id: ${String(id)}`, { rowId: id });
}

/** Keyset pages by id: each page is read completely before rows are yielded, so the caller may write meanwhile. */
export function* paged(ctx: SqliteContext, fetch: (after: number) => RowRecord[], pageSize: number): IterableIterator<LedgerRow> {
  let after = 0;
  for (;;) {
    const page = fetch(after);
    for (const r of page) yield toRow(r);
    const last = page[page.length - 1];
    if (page.length < pageSize || last === undefined) return;
    after = last.id;
  }
}
