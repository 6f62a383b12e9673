import { claimingRowSource, type RowSource } from '../dispatch/claiming-row-source.ts';
import type { DispatchResult } from '../dispatch/dispatch-batch.ts';
import type { DispatchRow } from '../dispatch/dispatch-types.ts';
import { instructionFromRow } from '../dispatch/instruction-from-row.ts';
import type { Minor } from '../domain/money.ts';
import type { Currency, ProviderId } from '../domain/provider-id.ts';
import { isLedgerError } from '../ledger/ledger-error.ts';
import { supportsRowLeases, type BatchLock, type LedgerRow, type LedgerStore, type OpenBatchInput, type RowLeasing } from '../ledger/ledger-store.ts';
import type { RunPlan } from '../plan/plan-run.ts';
import { RunError } from '../run-error.ts';
import { storageFailureOf, type StorageFailure } from '../write/storage-failure.ts';
import { IN_FLIGHT } from './read-plan-snapshot.ts';

export interface ApplyRunOptions {
  ledger: LedgerStore;
  plan: RunPlan;
  batch: OpenBatchInput;
  /** Per `provider|currency`, the balances the plan checked, kept as the batch's opening balances. */
  balances: ReadonlyMap<string, Minor>;
  capturedAt: Date;
  /** `abort`: nothing is sent when any row is not payable. */
  onInvalid: 'skip' | 'abort';
  /**
   * Writes the file's rows to the ledger, chunk by chunk (each chunk one transaction; idempotent on the row number,
   * so a re-run after a crash writes only the rows still missing). Called while the batch lock is held, and only
   * for a batch whose planning is not complete.
   */
  writeRows: () => Promise<void>;
  /**
   * Pays the rows (dispatch/dispatch-batch.ts with the command's lanes). With `queuedPageRows`, `rows` holds only the
   * rows an earlier run left in flight, and `queued` pages through the queued ones from the ledger (`total`: both).
   * With `source` (a shared batch) the rows are claimed from it instead, and `rows` is empty.
   */
  dispatch: (rows: DispatchRow[], queued?: { pages: AsyncIterable<DispatchRow[]>; total: number }, source?: RowSource) => Promise<DispatchResult>;
  /** Queued rows are handed to `dispatch` in pages of this many, read from the ledger as the dispatch goes. */
  queuedPageRows?: number;
  /**
   * Share the batch with other workers on the same ledger (a store with row leases: PostgreSQL): the batch lock is
   * held only while the batch is planned, then every worker claims rows. Without it (or on SQLite) one process holds
   * the batch from planning to the end, and another is refused (BATCH_LOCKED).
   */
  shareBatch?: boolean;
  /** True when the run was interrupted (SIGINT / SIGTERM). */
  interrupted: () => boolean;
}

export type ApplyRunResult =
  | { kind: 'aborted'; notPayable: number }
  | {
      kind: 'dispatched';
      rows: number;
      dispatch: DispatchResult;
      released: number;
      interrupted: boolean;
      /**
       * The ledger refused the bookkeeping after the dispatch (disk full …): rows not sent may still read `queued`
       * and the batch `dispatching`; the next run of the same file requeues and settles them as after a crash.
       */
      storageFailure?: { failure: StorageFailure; error: unknown };
    };

/**
 * Performs a RunPlan, in order: open the batch → take its lock → write its rows in chunks (idempotent; the ledger
 * demotes a row whose key another row took meanwhile) → mark planning complete → requeue what an earlier run did not send → keep the opening balances →
 * dispatch (rows left in flight by an earlier run are settled first) → release what was not sent → unlock.
 * The lock is released on every path, including a throw.
 */
export async function applyRunPlan(options: ApplyRunOptions): Promise<ApplyRunResult> {
  const { ledger, plan } = options;
  if (options.shareBatch && supportsRowLeases(ledger)) return applySharedRunPlan(options, ledger);
  const batchId = plan.batchId;
  await ledger.openBatch(options.batch);
  const lock = await acquireLock(ledger, batchId);
  try {
    // A batch is dispatched only once every row of its file is written: a crash between two chunks leaves it
    // without the marker, and the next run writes the rest before anything is sent.
    if ((await ledger.getBatch(batchId))?.plannedAt === undefined) {
      await options.writeRows();
      await ledger.markBatchPlanned(batchId);
    }
    await ledger.requeueNotSent(batchId);
    for (const [id, balance] of options.balances) {
      const [provider, currency] = id.split('|') as [ProviderId, Currency];
      await ledger.saveOpeningBalance(batchId, { provider, currency, amountMinor: balance, capturedAt: options.capturedAt });
    }
    const counts = await ledger.countsByStatus(batchId);
    const notPayable = counts.invalid.count + counts.duplicate.count + counts.conflict.count;
    if (options.onInvalid === 'abort' && notPayable > 0) {
      await ledger.releaseQueued(batchId, 'aborted');
      return { kind: 'aborted', notPayable };
    }

    if ((await ledger.getBatch(batchId))?.plannedAt === undefined) throw new Error(`batch ${batchId} is not fully planned; refusing to dispatch`);
    await ledger.setBatchStatus(batchId, 'dispatching');
    const rows: DispatchRow[] = [];
    const pageRows = options.queuedPageRows;
    for await (const row of ledger.rowsByStatus(batchId, pageRows === undefined ? [...IN_FLIGHT, 'queued'] : IN_FLIGHT)) rows.push(dispatchRow(row));
    const queued = pageRows === undefined ? undefined : { pages: queuedPages(ledger, batchId, pageRows), total: rows.length + counts.queued.count };
    const dispatched = queued?.total ?? rows.length;
    const dispatch = await options.dispatch(rows, queued);

    // Rows this run did not send stay visible as not_sent; the next run of the same file requeues them.
    const interrupted = options.interrupted();
    const halt = [...dispatch.halted.values()][0];
    let released = 0;
    try {
      released = await ledger.releaseQueued(batchId, interrupted ? 'interrupted' : halt?.kind === 'insufficient_funds' ? 'insufficient_funds' : 'aborted');
      await ledger.setBatchStatus(batchId, interrupted ? 'interrupted' : 'finished');
    } catch (error) {
      // Money has moved: the run must still say what it did. Nothing here is needed by the next run.
      const failure = storageFailureOf(error);
      if (!failure) throw error;
      return { kind: 'dispatched', rows: dispatched, dispatch, released, interrupted, storageFailure: { failure, error } };
    }
    return { kind: 'dispatched', rows: dispatched, dispatch, released, interrupted };
  } finally {
    await releaseLock(lock);
  }
}

/**
 * A lock the storage cannot release (disk full) stays with this process's pid, and the next run on this host takes it
 * over once this process is gone: no reason to hide what the run did behind that failure.
 */
async function releaseLock(lock: BatchLock): Promise<void> {
  try {
    await lock.release();
  } catch (error) {
    if (!storageFailureOf(error)) throw error;
  }
}

/** How often a worker waiting for another to finish planning the batch looks again. */
const PLANNING_POLL_MS = 250;

/**
 * A batch several workers share. The plan is computed once: the first worker takes the batch lock and writes the rows
 * (the others wait for its planning-complete marker, or take the lock over if it dies meanwhile); then every worker
 * claims rows under leases until none is left. Rows are released as not_sent only when no other worker holds any.
 */
async function applySharedRunPlan(options: ApplyRunOptions, ledger: LedgerStore & RowLeasing): Promise<ApplyRunResult> {
  const { plan } = options;
  const batchId = plan.batchId;
  await ledger.openBatch(options.batch);
  for (;;) {
    if ((await ledger.getBatch(batchId))?.plannedAt !== undefined) break;
    let lock: BatchLock;
    try {
      lock = await ledger.acquireBatchLock(batchId);
    } catch (error) {
      if (!(isLedgerError(error) && error.code === 'BATCH_LOCKED')) throw error;
      if (options.interrupted()) throw new RunError('INTERRUPTED', 'interrupted while another worker was planning the batch; nothing was sent');
      await new Promise((resolve) => setTimeout(resolve, PLANNING_POLL_MS));
      continue;
    }
    try {
      if ((await ledger.getBatch(batchId))?.plannedAt === undefined) {
        await options.writeRows();
        await ledger.markBatchPlanned(batchId);
      }
    } finally {
      await lock.release();
    }
  }
  await ledger.requeueNotSent(batchId);
  for (const [id, balance] of options.balances) {
    const [provider, currency] = id.split('|') as [ProviderId, Currency];
    await ledger.saveOpeningBalance(batchId, { provider, currency, amountMinor: balance, capturedAt: options.capturedAt });
  }
  const counts = await ledger.countsByStatus(batchId);
  const notPayable = counts.invalid.count + counts.duplicate.count + counts.conflict.count;
  if (options.onInvalid === 'abort' && notPayable > 0) {
    await ledger.releaseQueued(batchId, 'aborted');
    return { kind: 'aborted', notPayable };
  }
  await ledger.setBatchStatus(batchId, 'dispatching');
  const dispatch = await options.dispatch([], undefined, claimingRowSource(ledger, batchId));

  const interrupted = options.interrupted();
  const halt = [...dispatch.halted.values()][0];
  // Another live worker still paying: the rows nobody holds are its to claim, and the batch is not over.
  const othersPaying = (await ledger.heldElsewhere(batchId)) > 0;
  const released = othersPaying ? 0 : await ledger.releaseQueued(batchId, interrupted ? 'interrupted' : halt?.kind === 'insufficient_funds' ? 'insufficient_funds' : 'aborted');
  if (!othersPaying) await ledger.setBatchStatus(batchId, interrupted ? 'interrupted' : 'finished');
  return { kind: 'dispatched', rows: dispatch.progress.total, dispatch, released, interrupted };
}

async function acquireLock(ledger: LedgerStore, batchId: string): Promise<BatchLock> {
  try {
    return await ledger.acquireBatchLock(batchId);
  } catch (error) {
    if (isLedgerError(error) && error.code === 'BATCH_LOCKED') {
      throw new RunError('BATCH_LOCKED', error.message, { hint: 'another run is paying this batch; wait for it to finish', cause: error });
    }
    throw error;
  }
}

/**
 * The batch's queued rows, a page at a time, by id. Read as the dispatch goes: a row of a later page is read after the
 * earlier pages were sent, with its status of then (the ledger's rowsByStatus allows writing while it is iterated).
 */
async function* queuedPages(ledger: LedgerStore, batchId: string, pageRows: number): AsyncGenerator<DispatchRow[]> {
  if (!Number.isSafeInteger(pageRows) || pageRows < 1) throw new RangeError(`queued page size must be an integer >= 1, got ${pageRows}`);
  let page: DispatchRow[] = [];
  for await (const row of ledger.rowsByStatus(batchId, ['queued'], { pageSize: pageRows })) {
    page.push(dispatchRow(row));
    if (page.length < pageRows) continue;
    yield page;
    page = [];
  }
  if (page.length > 0) yield page;
}

function dispatchRow(row: LedgerRow): DispatchRow {
  const instruction = instructionFromRow(row);
  if (!instruction) throw new Error(`ledger row ${row.id} is missing payout fields`);
  return {
    rowId: row.id,
    row: row.rowNumber,
    provider: row.provider,
    status: row.status as DispatchRow['status'],
    attempts: row.attempts,
    ...(row.sentAt ? { sentAt: row.sentAt } : {}),
    instruction,
  };
}
