import { assertMinor } from '../../domain/money.ts';
import { batchIdFor } from '../batch-identity.ts';
import { LedgerError } from '../ledger-error.ts';
import { BATCH_STATUSES, type Batch, type BatchBalance, type BatchStatus, type OpenBatchInput } from '../ledger-store.ts';
import { ensureOpen, write, type SqliteContext } from './context.ts';
import { iso, toBatch as recordToBatch, type BalanceRecord, type BatchRecord } from './records.ts';

/** Batches: one per file, provider, environment and account, with the opening balances captured before the first payout. */
export function openBatch(ctx: SqliteContext, input: OpenBatchInput): { batch: Batch; created: boolean } {
  if (!Number.isSafeInteger(input.rowCount) || input.rowCount < 0) {
    throw new LedgerError('INVALID_INPUT', 'rowCount must be an integer >= 0', { rowCount: input.rowCount });
  }
  // Validates environment and account too.
  const id = batchIdFor(input.fileHash, input.provider, { environment: input.environment, account: input.account });
  return write(ctx, () => {
    const existing = ctx.s.getBatch.get(id) as BatchRecord | undefined;
    if (existing) return { batch: toBatch(ctx, existing), created: false };
    const at = iso(ctx.now());
    ctx.s.insertBatch.run({
      id,
      provider: input.provider,
      environment: input.environment,
      account: input.account,
      file_name: input.fileName,
      file_hash: input.fileHash,
      row_count: input.rowCount,
      status: 'planned',
      operator: input.operator ?? null,
      at,
    });
    return { batch: toBatch(ctx, ctx.s.getBatch.get(id) as BatchRecord), created: true };
  });
}

export function getBatch(ctx: SqliteContext, batchId: string): Batch | undefined {
  const record = ensureOpen(ctx).s.getBatch.get(batchId) as BatchRecord | undefined;
  return record ? toBatch(ctx, record) : undefined;
}

export function listBatches(ctx: SqliteContext): Batch[] {
  return (ensureOpen(ctx).s.listBatches.all() as BatchRecord[]).map((r) => toBatch(ctx, r));
}

export function setBatchStatus(ctx: SqliteContext, batchId: string, status: BatchStatus): void {
  if (!(BATCH_STATUSES as readonly string[]).includes(status)) {
    throw new LedgerError('INVALID_INPUT', `unknown batch status ${JSON.stringify(status)}`, { status });
  }
  const info = ensureOpen(ctx).s.setBatchStatus.run({ id: batchId, status, at: iso(ctx.now()) });
  if (info.changes === 0) throw new LedgerError('BATCH_NOT_FOUND', `no batch ${batchId}`, { batchId });
}

/** Every row of the batch's file is written: from now on the batch may be dispatched. Idempotent (keeps the first time). */
export function markBatchPlanned(ctx: SqliteContext, batchId: string): void {
  const info = ensureOpen(ctx).s.markBatchPlanned.run({ id: batchId, at: iso(ctx.now()) });
  if (info.changes === 0) throw new LedgerError('BATCH_NOT_FOUND', `no batch ${batchId}`, { batchId });
}

export function saveOpeningBalance(ctx: SqliteContext, batchId: string, balance: BatchBalance): void {
  assertMinor(balance.amountMinor, 'opening balance');
  write(ctx, () => {
    requireBatch(ctx, batchId);
    ctx.s.insertBalance.run({
      batch_id: batchId,
      provider: balance.provider,
      currency: balance.currency,
      amount_minor: balance.amountMinor,
      captured_at: iso(balance.capturedAt),
    });
  });
}

export function requireBatch(ctx: SqliteContext, batchId: string): Batch {
  const record = ctx.s.getBatch.get(batchId) as BatchRecord | undefined;
  if (!record) throw new LedgerError('BATCH_NOT_FOUND', `no batch ${batchId}`, { batchId });
  return toBatch(ctx, record);
}

export function toBatch(ctx: SqliteContext, r: BatchRecord): Batch {
  return recordToBatch(r, ctx.s.balances.all(r.id) as BalanceRecord[]);
}
