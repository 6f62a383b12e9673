import { assertMinor } from '../../domain/money.ts';
import { storedMessage } from '../../messages/stored-message.ts';
import { maskAccount, accountValue } from '../../domain/mask-account.ts';
import type { RowStatus } from '../../domain/row-status.ts';
import { rowFingerprint } from '../batch-identity.ts';
import { LedgerError } from '../ledger-error.ts';
import { ENVIRONMENTS, type BatchEnvironment, type Environment, type InsertRowsResult, type KeyOwner, type LedgerRow, type LedgerRowInput } from '../ledger-store.ts';
import { assertInitialStatus, type TransitionCause } from '../transitions.ts';
import { ensureOpen, IN_CHUNK, inStatement, write, type SqliteContext } from './context.ts';
import { requireBatch } from './batches.ts';
import { KEY_OWNING_SQL } from './migrations.ts';
import { historyParams, iso, toKeyOwner, toRow, type OwnerRecord, type RowRecord } from './records.ts';

/**
 * Rows of a batch: written once each (a re-run finds them), with the order key's owner decided at insert — a key
 * another row owns makes the new row a duplicate or a conflict, never a second payout.
 */
export function insertRows(ctx: SqliteContext, batchId: string, rows: readonly LedgerRowInput[]): InsertRowsResult {
  const seen = new Set<number>();
  for (const row of rows) {
    if (!Number.isSafeInteger(row.rowNumber) || row.rowNumber < 1) {
      throw new LedgerError('INVALID_INPUT', 'rowNumber must be a positive integer', { rowNumber: row.rowNumber });
    }
    if (seen.has(row.rowNumber)) throw new LedgerError('INVALID_INPUT', `row ${row.rowNumber} given twice`, { rowNumber: row.rowNumber });
    seen.add(row.rowNumber);
  }
  return write(ctx, () => {
    const batch = requireBatch(ctx, batchId);
    const at = iso(ctx.now());
    const result: InsertRowsResult = { inserted: 0, existing: 0, demoted: [] };
    for (const row of rows) {
      if (ctx.s.rowIdByNumber.get(batchId, row.rowNumber) !== undefined) {
        result.existing += 1;
        continue;
      }
      assertInitialStatus(0, row.status);
      const payable = payableFields(row);
      let status: RowStatus = row.status;
      let cause: TransitionCause = 'planned';
      let ownerRowId = row.ownerRowId ?? null;
      let errorCode = row.errorCode ?? null;
      let errorMessage = row.errorMessage ?? null;
      let owner: KeyOwner | undefined;
      if (status === 'queued') {
        if (!payable) {
          throw new LedgerError('INVALID_INPUT', `row ${row.rowNumber}: a queued row needs orderKey, amountMinor, currency and account`, {
            rowNumber: row.rowNumber,
          });
        }
        owner = currentOwner(ctx, batch.environment, payable.orderKey);
        if (owner) {
          status = owner.fingerprint === payable.fingerprint ? 'duplicate' : 'conflict';
          cause = 'key_owned';
          ownerRowId = owner.rowId;
          errorCode = status === 'duplicate' ? 'DUPLICATE_ORDER_ID' : 'CONFLICTING_ORDER_ID';
          errorMessage = ownedMessage(owner);
        }
      }
      const info = ctx.s.insertRow.run({
        batch_id: batchId,
        row_number: row.rowNumber,
        provider: row.provider ?? batch.provider,
        environment: batch.environment,
        order_key: row.orderKey ?? null,
        fingerprint: payable?.fingerprint ?? null,
        amount_minor: row.amountMinor ?? null,
        currency: row.currency ?? null,
        account: row.account ? accountValue(row.account) : null,
        account_kind: row.account?.kind ?? null,
        account_bank_code: row.account?.kind === 'clabe' ? row.account.bankCode : null,
        account_bank_name: row.account?.kind === 'clabe' ? (row.account.bankName ?? null) : null,
        account_masked: row.account ? maskAccount(row.account) : null,
        name: row.name ?? null,
        email: row.email ?? null,
        phone: row.phone ?? null,
        description: row.description ?? null,
        input: row.input ? JSON.stringify(row.input) : null,
        status,
        owner_row_id: ownerRowId,
        error_code: errorCode,
        error_message: errorMessage,
        warning: row.warning ?? null,
        note: row.note ?? null,
        at,
      });
      const rowId = Number(info.lastInsertRowid);
      ctx.s.insertHistory.run(historyParams(rowId, batchId, at, null, status, cause, 0, { errorCode: errorCode ?? undefined }));
      result.inserted += 1;
      if (owner && (status === 'duplicate' || status === 'conflict')) {
        result.demoted.push({ rowId, rowNumber: row.rowNumber, status, owner });
      }
    }
    return result;
  });
}

export function getRow(ctx: SqliteContext, rowId: number): LedgerRow | undefined {
  const record = ensureOpen(ctx).s.getRow.get(rowId) as RowRecord | undefined;
  return record ? toRow(record) : undefined;
}

export function getRowByNumber(ctx: SqliteContext, batchId: string, rowNumber: number): LedgerRow | undefined {
  const record = ensureOpen(ctx).s.getRowByNumber.get(batchId, rowNumber) as RowRecord | undefined;
  return record ? toRow(record) : undefined;
}

export function findKeyOwners(ctx: SqliteContext, environment: Environment, orderKeys: readonly string[]): Map<string, KeyOwner> {
  if (!(ENVIRONMENTS as readonly string[]).includes(environment)) {
    throw new LedgerError('INVALID_INPUT', `unknown environment ${JSON.stringify(environment)}`, { environment });
  }
  ensureOpen(ctx);
  const found = new Map<string, KeyOwner>();
  const keys = [...new Set(orderKeys)];
  for (let i = 0; i < keys.length; i += IN_CHUNK) {
    const chunk = keys.slice(i, i + IN_CHUNK);
    const stmt = inStatement(ctx, 
      'owners',
      chunk.length,
      // This environment's rows, and legacy rows (environment 'unknown'), which own their keys in every environment.
      // `+status`: the status filter must not be used as the index. With a long IN list of keys and no statistics,
      // SQLite otherwise walks payout_rows_status — every paid row ever — for each chunk, a cost growing with the ledger.
      (list) => `SELECT id, batch_id, row_number, provider, environment, status, fingerprint, provider_payout_id, order_key FROM payout_rows
        WHERE order_key IN (${list}) AND +status IN (${KEY_OWNING_SQL}, 'failed', 'not_sent')
          AND environment IN (@environment, 'unknown') ORDER BY id`,
    );
    for (const r of stmt.all(...chunk, { environment }) as (OwnerRecord & { order_key: string })[]) {
      const current = found.get(r.order_key);
      // The owner wins; among rows that released the key, the latest.
      if (current === undefined || !current.ownsKey) found.set(r.order_key, toKeyOwner(r));
    }
  }
  return found;
}

export function requireRow(ctx: SqliteContext, rowId: number): RowRecord {
  const record = ctx.s.getRow.get(rowId) as RowRecord | undefined;
  if (!record) throw new LedgerError('ROW_NOT_FOUND', `no row ${rowId}`, { rowId });
  return record;
}

/**
 * The row that owns an order key, under any provider, for a row of `environment`: one of the same environment, or a
 * legacy row (environment 'unknown', which owns its key everywhere); for a legacy row, an owner in any environment.
 */
export function currentOwner(ctx: SqliteContext, environment: BatchEnvironment, orderKey: string): KeyOwner | undefined {
  const r = ctx.s.keyOwner.get({ order_key: orderKey, environment }) as OwnerRecord | undefined;
  return r ? toKeyOwner(r) : undefined;
}

function payableFields(row: LedgerRowInput): { orderKey: string; fingerprint: string } | undefined {
  if (row.orderKey === undefined || row.amountMinor === undefined || row.currency === undefined || row.account === undefined) {
    return undefined;
  }
  assertMinor(row.amountMinor, `row ${row.rowNumber} amount`);
  return { orderKey: row.orderKey, fingerprint: rowFingerprint(row.amountMinor, row.account, row.currency) };
}

export function ownedMessage(owner: KeyOwner): string {
  return storedMessage({ code: 'KEY_TAKEN', params: { batch: owner.batchId, row: owner.rowNumber, ownerProvider: owner.provider, status: owner.status, environment: owner.environment } });
}

