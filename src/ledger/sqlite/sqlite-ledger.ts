import { closeSync, constants, existsSync, openSync } from 'node:fs';
import type { ProviderId } from '../../domain/provider-id.ts';
import type { RowStatus } from '../../domain/row-status.ts';
import type {
  BatchBalance,
  BatchLock,
  BatchStatus,
  BatchEnvironment,
  Environment,
  LedgerScope,
  RecipientSave,
  LedgerRow,
  LedgerRowInput,
  LedgerStore,
  MarkSendingItem,
  OpenBatchInput,
  OutcomeInput,
  PaidRowFlag,
  PaidRowFlagClear,
  ProviderStateEvent,
  ReportScope,
  ReturnReversal,
  RowsByStatusOptions,
  UnaccountedPayoutInput,
} from '../ledger-store.ts';
import { LedgerError } from '../ledger-error.ts';
import type { TransitionCause } from '../transitions.ts';
import type { FileIdentity } from '../ledger-file-identity.ts';
import * as batches from './batches.ts';
import { writeStamp } from './integrity-stamp.ts';
import { ensureOpen, type SqliteContext } from './context.ts';
import { sortedTotals, toRow, type RowRecord, type TotalRecord } from './records.ts';
import * as locks from './locks.ts';
import * as outcomes from './outcomes.ts';
import * as queries from './queries.ts';
import * as recipients from './recipients.ts';
import * as payoutRows from './rows.ts';
import * as unaccounted from './unaccounted.ts';

export interface IntegrityAtOpen {
  readonly check: 'full' | 'skipped';
  /** When the last full check of the file passed. */
  readonly checkedAt: Date;
}

/**
 * The SQLite ledger as the async LedgerStore: each method performs one synchronous, committed better-sqlite3
 * transaction; rows are read page by page, so a caller may write between pages.
 */
export class SqliteLedger implements LedgerStore {
  /**
   * How the file was checked at open: `full` (PRAGMA quick_check ran) or `skipped` (a clean close's stamp vouched
   * for the untouched file; see integrity-stamp.ts); undefined for an in-memory ledger.
   */
  readonly integrity: IntegrityAtOpen | undefined;

  constructor(
    private readonly ctx: SqliteContext,
    private readonly file?: { path: string; opened: FileIdentity } & IntegrityAtOpen,
  ) {
    this.integrity = file ? { check: file.check, checkedAt: file.checkedAt } : undefined;
  }

  async openBatch(input: OpenBatchInput) {
    return batches.openBatch(this.ctx, input);
  }
  async getBatch(batchId: string) {
    return batches.getBatch(this.ctx, batchId);
  }
  async listBatches() {
    return batches.listBatches(this.ctx);
  }
  async setBatchStatus(batchId: string, status: BatchStatus) {
    batches.setBatchStatus(this.ctx, batchId, status);
  }
  async markBatchPlanned(batchId: string) {
    batches.markBatchPlanned(this.ctx, batchId);
  }
  async saveOpeningBalance(batchId: string, balance: BatchBalance) {
    batches.saveOpeningBalance(this.ctx, batchId, balance);
  }
  async acquireBatchLock(batchId: string): Promise<BatchLock> {
    const lock = locks.acquireBatchLock(this.ctx, batchId);
    return { batchId: lock.batchId, owner: lock.owner, tookOverFrom: lock.tookOverFrom, release: async () => lock.release() };
  }
  async batchLockOwner(batchId: string) {
    return locks.batchLockOwner(this.ctx, batchId);
  }
  async breakBatchLock(batchId: string) {
    return locks.breakBatchLock(this.ctx, batchId);
  }
  async insertRows(batchId: string, rows: readonly LedgerRowInput[]) {
    return payoutRows.insertRows(this.ctx, batchId, rows);
  }
  async getRow(rowId: number) {
    return payoutRows.getRow(this.ctx, rowId);
  }
  async getRowByNumber(batchId: string, rowNumber: number) {
    return payoutRows.getRowByNumber(this.ctx, batchId, rowNumber);
  }
  async findKeyOwners(environment: Environment, orderKeys: readonly string[]) {
    return payoutRows.findKeyOwners(this.ctx, environment, orderKeys);
  }
  async *rowsByStatus(batchId: string | null, statuses: readonly RowStatus[], options?: RowsByStatusOptions): AsyncIterableIterator<LedgerRow> {
    yield* queries.rowsByStatus(this.ctx, batchId, statuses, options);
  }
  async *paidRowsSince(batchId: string, since: Date): AsyncIterableIterator<LedgerRow> {
    yield* queries.paidRowsSince(this.ctx, batchId, since);
  }

  async *rowsToRecheck(batchId: string, since: Date): AsyncIterableIterator<LedgerRow> {
    yield* queries.rowsToRecheck(this.ctx, batchId, since);
  }
  async *rowsForReport(scope: ReportScope): AsyncIterableIterator<LedgerRow> {
    yield* queries.rowsForReport(this.ctx, scope);
  }
  async findRowByProviderPayoutId(provider: ProviderId, payoutId: string, environment?: BatchEnvironment) {
    return queries.findRowByProviderPayoutId(this.ctx, provider, payoutId, environment);
  }
  async countsByStatus(batchId: string) {
    return queries.countsByStatus(this.ctx, batchId);
  }
  async markSending(items: readonly MarkSendingItem[]) {
    return outcomes.markSending(this.ctx, items);
  }
  async recordOutcomes(items: readonly OutcomeInput[]) {
    return outcomes.recordOutcomes(this.ctx, items);
  }
  async applyProviderState(rowId: number, state: 'pending' | 'paid' | 'failed', event: ProviderStateEvent) {
    return outcomes.applyProviderState(this.ctx, rowId, state, event);
  }
  async flagPaidRow(rowId: number, flag: PaidRowFlag) {
    return outcomes.flagPaidRow(this.ctx, rowId, flag);
  }

  async clearPaidRowFlag(rowId: number, clear: PaidRowFlagClear) {
    return outcomes.clearPaidRowFlag(this.ctx, rowId, clear);
  }

  async reverseReturn(rowId: number, reversal: ReturnReversal) {
    return outcomes.reverseReturn(this.ctx, rowId, reversal);
  }

  async returnStandsAgain(rowId: number, again: { providerStatus: string; errorMessage: string; cause: TransitionCause }) {
    return outcomes.returnStandsAgain(this.ctx, rowId, again);
  }
  async releaseQueued(batchId: string, cause: 'interrupted' | 'aborted' | 'insufficient_funds') {
    return outcomes.releaseQueued(this.ctx, batchId, cause);
  }
  async requeueNotSent(batchId: string) {
    return outcomes.requeueNotSent(this.ctx, batchId);
  }
  async totalsByStatus(batchId: string) {
    return sortedTotals(ensureOpen(this.ctx).s.totalsByStatus.all(batchId) as TotalRecord[]);
  }
  async batchProviders(batchId: string) {
    return (ensureOpen(this.ctx).s.batchProviders.all(batchId) as Array<{ provider: string }>).map((r) => r.provider as ProviderId);
  }
  async rowsByOrderKey(orderKey: string) {
    return (ensureOpen(this.ctx).s.rowsByOrderKey.all(orderKey) as RowRecord[]).map(toRow);
  }
  async history(rowId: number) {
    return queries.history(this.ctx, rowId);
  }

  async historyOfRows(rowIds: readonly number[]) {
    return queries.historyOfRows(this.ctx, rowIds);
  }
  async rowsOfIds(rowIds: readonly number[]) {
    return queries.rowsOfIds(this.ctx, rowIds);
  }
  async recordUnaccountedPayout(payout: UnaccountedPayoutInput) {
    return unaccounted.recordUnaccountedPayout(this.ctx, payout);
  }

  async unaccountedPayouts(environment: Environment) {
    return unaccounted.unaccountedPayouts(this.ctx, environment);
  }

  async getRecipient(scope: LedgerScope, provider: ProviderId, recipientKey: string) {
    return recipients.getRecipient(this.ctx, scope, provider, recipientKey);
  }
  async saveRecipients(items: readonly RecipientSave[]) {
    recipients.saveRecipients(this.ctx, items);
  }
  async saveRecipient(scope: LedgerScope, provider: ProviderId, recipientKey: string, recipientId: string) {
    recipients.saveRecipient(this.ctx, scope, provider, recipientKey, recipientId);
  }
  /** None: one process pays a SQLite batch (the batch lock), so its limiter keeps the budget in memory. */
  rateBudget(): undefined {
    return undefined;
  }
  async saveCopy(path: string) {
    ensureOpen(this.ctx);
    if (existsSync(path)) throw new LedgerError('INVALID_INPUT', `${path} exists: a copy never overwrites a file`, { path });
    // Created empty first, 0600 and never through a symlink: the copy holds what the ledger holds.
    closeSync(openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600));
    await this.ctx.db.backup(path);
  }
  async close() {
    if (!this.ctx.db.open) return;
    locks.releaseHeldLocks(this.ctx);
    this.ctx.db.close();
    // The last connection folded the WAL back into the file: stamp it for the next open (none when others have it open).
    // Only for the file this store opened: a ledger replaced at its path while open is not vouched for.
    if (this.file) writeStamp(this.file.path, this.file.checkedAt, this.file.opened);
  }
}
