import type Database from 'better-sqlite3';
import { KEY_OWNING_SQL } from './migrations.ts';
import { ROUTED_ROW_SQL } from '../../domain/row-provider.ts';
import { PAID_ROW_FLAGS, PAID_TWICE_CODE } from '../ledger-store.ts';

/** The paid-row flags as an SQL list (the codes are ours: letters and _ only). */
export const PAID_ROW_FLAGS_SQL = PAID_ROW_FLAGS.map((code) => `'${code}'`).join(',');

/** Every fixed statement of the SQLite ledger, prepared once per connection. */
export type Statements = ReturnType<typeof prepareStatements>;

export function prepareStatements(db: Database.Database) {
  return {
    getBatch: db.prepare('SELECT * FROM batches WHERE id = ?'),
    listBatches: db.prepare('SELECT * FROM batches ORDER BY created_at DESC, id'),
    insertBatch: db.prepare(
      `INSERT INTO batches (id, provider, environment, account, file_name, file_hash, row_count, status, operator, created_at, updated_at)
       VALUES (@id, @provider, @environment, @account, @file_name, @file_hash, @row_count, @status, @operator, @at, @at)`,
    ),
    totalsByStatus: db.prepare(
      'SELECT status, currency, count(*) AS n, coalesce(sum(amount_minor), 0) AS amount FROM payout_rows WHERE batch_id = ? GROUP BY status, currency',
    ),
    batchProviders: db.prepare(`SELECT DISTINCT provider FROM payout_rows WHERE batch_id = ? AND ${ROUTED_ROW_SQL} ORDER BY provider`),
    rowsByOrderKey: db.prepare('SELECT * FROM payout_rows WHERE order_key = ? ORDER BY id'),
    setBatchStatus: db.prepare('UPDATE batches SET status = @status, updated_at = @at WHERE id = @id'),
    markBatchPlanned: db.prepare('UPDATE batches SET planned_at = coalesce(planned_at, @at), updated_at = @at WHERE id = @id'),
    balances: db.prepare('SELECT * FROM batch_balances WHERE batch_id = ? ORDER BY provider, currency'),
    insertBalance: db.prepare(
      `INSERT INTO batch_balances (batch_id, provider, currency, amount_minor, captured_at)
       VALUES (@batch_id, @provider, @currency, @amount_minor, @captured_at) ON CONFLICT DO NOTHING`,
    ),
    getLock: db.prepare('SELECT * FROM batch_locks WHERE batch_id = ?'),
    insertLock: db.prepare(
      `INSERT INTO batch_locks (batch_id, owner_pid, owner_host, owner_token, started_at) VALUES (@batch_id, @pid, @host, @token, @at)`,
    ),
    deleteLock: db.prepare('DELETE FROM batch_locks WHERE batch_id = ?'),
    releaseLock: db.prepare('DELETE FROM batch_locks WHERE batch_id = ? AND owner_token = ?'),
    rowIdByNumber: db.prepare('SELECT id FROM payout_rows WHERE batch_id = ? AND row_number = ?').pluck(),
    getRow: db.prepare('SELECT * FROM payout_rows WHERE id = ?'),
    getRowByNumber: db.prepare('SELECT * FROM payout_rows WHERE batch_id = ? AND row_number = ?'),
    // The owner in this environment, or a legacy row (environment 'unknown'), which owns its key in every
    // environment; a legacy row asking (requeue of a legacy batch) sees owners of every environment.
    keyOwner: db.prepare(
      `SELECT id, batch_id, row_number, provider, environment, status, fingerprint, provider_payout_id FROM payout_rows
       WHERE order_key = @order_key AND status IN (${KEY_OWNING_SQL})
         AND (environment = @environment OR environment = 'unknown' OR @environment = 'unknown')
       ORDER BY id LIMIT 1`,
    ),
    insertRow: db.prepare(
      `INSERT INTO payout_rows (batch_id, row_number, provider, environment, order_key, fingerprint, amount_minor, currency, account,
         account_kind, account_bank_code, account_bank_name, account_masked, name, email, phone, description, input, status,
         owner_row_id, error_code, error_message, warning, note, created_at, updated_at)
       VALUES (@batch_id, @row_number, @provider, @environment, @order_key, @fingerprint, @amount_minor, @currency, @account,
         @account_kind, @account_bank_code, @account_bank_name, @account_masked, @name, @email, @phone, @description, @input, @status,
         @owner_row_id, @error_code, @error_message, @warning, @note, @at, @at)`,
    ),
    markSending: db.prepare(
      `UPDATE payout_rows SET status = 'sending', attempts = @attempt, request_key = @request_key,
         recipient_id = coalesce(@recipient_id, recipient_id), sent_at = @at, error_code = NULL, error_message = NULL,
         updated_at = @at
       WHERE id = @id`,
    ),
    adoptFoundRequest: db.prepare(
      `UPDATE payout_rows SET attempts = attempts + 1, request_key = @request_key, sent_at = @sent_at, updated_at = @at WHERE id = @id`,
    ),
    transitionRow: db.prepare(
      `UPDATE payout_rows SET status = @status,
         provider_payout_id = coalesce(@provider_payout_id, provider_payout_id),
         provider_status = coalesce(@provider_status, provider_status),
         provider_reference = coalesce(@provider_reference, provider_reference),
         provider_updated_at = CASE WHEN @provider_updated_at IS NOT NULL
           AND (provider_updated_at IS NULL OR @provider_updated_at > provider_updated_at)
           THEN @provider_updated_at ELSE provider_updated_at END,
         error_code = CASE WHEN @set_error = 1 THEN @error_code ELSE coalesce(@error_code, error_code) END,
         error_message = CASE WHEN @set_error = 1 THEN @error_message ELSE coalesce(@error_message, error_message) END,
         warning = coalesce(@warning, warning),
         note = coalesce(@note, note),
         updated_at = @at
       WHERE id = @id`,
    ),
    refreshRow: db.prepare(
      `UPDATE payout_rows SET
         provider_status = coalesce(@provider_status, provider_status),
         provider_payout_id = coalesce(provider_payout_id, @provider_payout_id),
         provider_reference = coalesce(@provider_reference, provider_reference),
         provider_updated_at = CASE WHEN @provider_updated_at IS NOT NULL
           AND (provider_updated_at IS NULL OR @provider_updated_at > provider_updated_at)
           THEN @provider_updated_at ELSE provider_updated_at END,
         updated_at = @at
       WHERE id = @id`,
    ),
    requeueRow: db.prepare(
      `UPDATE payout_rows SET status = 'queued', error_code = NULL, error_message = NULL, updated_at = @at WHERE id = @id`,
    ),
    demoteRow: db.prepare(
      `UPDATE payout_rows SET status = @status, owner_row_id = @owner_row_id, error_code = @error_code,
         error_message = @error_message, updated_at = @at WHERE id = @id`,
    ),
    historyForQueued: db.prepare(
      `INSERT INTO row_history (row_id, batch_id, at, from_status, to_status, cause, attempt)
       SELECT id, batch_id, @at, 'queued', 'not_sent', @cause, attempts FROM payout_rows
       WHERE batch_id = @batchId AND status = 'queued' ORDER BY id`,
    ),
    releaseQueued: db.prepare(`UPDATE payout_rows SET status = 'not_sent', updated_at = @at WHERE batch_id = @batchId AND status = 'queued'`),
    notSentOfBatch: db.prepare(`SELECT * FROM payout_rows WHERE batch_id = ? AND status = 'not_sent' ORDER BY id`),
    insertHistory: db.prepare(
      `INSERT INTO row_history (row_id, batch_id, at, from_status, to_status, cause, attempt, provider_status, provider_code,
         provider_message, error_code, provider_event_at, note)
       VALUES (@row_id, @batch_id, @at, @from_status, @to_status, @cause, @attempt, @provider_status, @provider_code,
         @provider_message, @error_code, @provider_event_at, @note)`,
    ),
    history: db.prepare('SELECT * FROM row_history WHERE row_id = ? ORDER BY id'),
    // The time a row became paid is the ledger's own entry of that move (from another status into paid): refreshes
    // (paid → paid) and the provider's clock do not move it.
    paidSinceByBatch: db.prepare(
      `SELECT r.* FROM payout_rows r WHERE r.status = 'paid' AND r.batch_id = @batchId AND r.id > @after
         AND (SELECT max(h.at) FROM row_history h WHERE h.row_id = r.id AND h.to_status = 'paid' AND h.from_status IS NOT 'paid') >= @since
       ORDER BY r.id LIMIT @limit`,
    ),
    // A sync's re-checks (LedgerStore.rowsToRecheck): paid rows inside the window or flagged whatever their age; failed
    // rows returned inside the window (the history's reversal entry) or flagged PAID_TWICE whatever their age.
    recheckPaidByBatch: db.prepare(
      `SELECT r.* FROM payout_rows r WHERE r.status = 'paid' AND r.batch_id = @batchId AND r.id > @after
         AND (r.error_code IN (${PAID_ROW_FLAGS_SQL})
           OR (SELECT max(h.at) FROM row_history h WHERE h.row_id = r.id AND h.to_status = 'paid' AND h.from_status IS NOT 'paid') >= @since)
       ORDER BY r.id LIMIT @limit`,
    ),
    recheckFailedByBatch: db.prepare(
      `SELECT r.* FROM payout_rows r WHERE r.status = 'failed' AND r.batch_id = @batchId AND r.id > @after
         AND (r.error_code = '${PAID_TWICE_CODE}'
           OR (SELECT max(h.at) FROM row_history h WHERE h.row_id = r.id AND h.to_status = 'failed' AND h.cause = 'reversal') >= @since)
       ORDER BY r.id LIMIT @limit`,
    ),
    hasReversal: db.prepare(`SELECT 1 FROM row_history WHERE row_id = ? AND to_status = 'failed' AND cause = 'reversal' LIMIT 1`),
    flagFailedRow: db.prepare(
      `UPDATE payout_rows SET error_code = @error_code, error_message = @error_message,
         provider_status = coalesce(@provider_status, provider_status), updated_at = @at
       WHERE id = @id AND status = 'failed'`,
    ),
    flagPaidRow: db.prepare(
      `UPDATE payout_rows SET error_code = @error_code, error_message = @error_message,
         provider_status = coalesce(@provider_status, provider_status), updated_at = @at
       WHERE id = @id AND status = 'paid'`,
    ),
    clearPaidRowFlag: db.prepare(
      `UPDATE payout_rows SET error_code = NULL, error_message = NULL,
         provider_status = coalesce(@provider_status, provider_status), updated_at = @at
       WHERE id = @id AND status = 'paid' AND error_code = @error_code`,
    ),
    getUnaccounted: db.prepare('SELECT 1 FROM unaccounted_payouts WHERE environment = @environment AND provider = @provider AND provider_payout_id = @provider_payout_id'),
    upsertUnaccounted: db.prepare(
      `INSERT INTO unaccounted_payouts (environment, provider, provider_payout_id, reference, row_id, batch_id, state, provider_status,
         amount_minor, currency, destination, source, first_seen_at, last_seen_at)
       VALUES (@environment, @provider, @provider_payout_id, @reference, @row_id, @batch_id, @state, @provider_status,
         @amount_minor, @currency, @destination, @source, @at, @at)
       ON CONFLICT (environment, provider, provider_payout_id) DO UPDATE SET reference = coalesce(excluded.reference, reference),
         row_id = excluded.row_id, batch_id = excluded.batch_id, state = excluded.state, provider_status = excluded.provider_status,
         amount_minor = excluded.amount_minor, currency = excluded.currency, destination = coalesce(excluded.destination, destination),
         last_seen_at = excluded.last_seen_at`,
    ),
    unaccountedOf: db.prepare('SELECT * FROM unaccounted_payouts WHERE environment = ? ORDER BY first_seen_at, provider, provider_payout_id'),
    // Pinned to (batch_id, id): with the statistics ANALYZE writes, a ledger whose batches are few and large leads the
    // planner to walk the whole table by id instead, reading every other batch's rows before this one's.
    reportByBatch: db.prepare('SELECT * FROM payout_rows INDEXED BY payout_rows_batch_id WHERE batch_id = @batchId AND id > @after ORDER BY id LIMIT @limit'),
    reportByTime: db.prepare(
      'SELECT * FROM payout_rows WHERE updated_at >= @from AND updated_at < @to AND id > @after ORDER BY id LIMIT @limit',
    ),
    rowByPayoutId: db.prepare('SELECT * FROM payout_rows WHERE provider = ? AND provider_payout_id = ? ORDER BY id DESC LIMIT 1'),
    rowByPayoutIdIn: db.prepare(
      'SELECT * FROM payout_rows WHERE provider = ? AND provider_payout_id = ? AND environment = ? ORDER BY id DESC LIMIT 1',
    ),
    countsByStatus: db.prepare(
      'SELECT status, count(*) AS n, coalesce(sum(amount_minor), 0) AS amount FROM payout_rows WHERE batch_id = ? GROUP BY status',
    ),
    getRecipient: db.prepare(
      'SELECT recipient_id FROM recipients WHERE environment = @environment AND account = @account AND provider = @provider AND recipient_key = @recipient_key',
    ),
    saveRecipient: db.prepare(
      `INSERT INTO recipients (environment, account, provider, recipient_key, recipient_id, created_at, updated_at)
       VALUES (@environment, @account, @provider, @recipient_key, @recipient_id, @at, @at)
       ON CONFLICT (environment, account, provider, recipient_key) DO UPDATE SET recipient_id = excluded.recipient_id, updated_at = excluded.updated_at`,
    ),
  };
}
