/**
 * A SQLite ledger holding one large Openpay batch shaped like a finished run, for the report benchmark: the
 * product's schema (migrated as `payout-batch` does), rows in the mix a real batch ends with — mostly paid, some
 * pending, failed, unknown, not sent, invalid and duplicates — each with the history its status implies. Written
 * with direct inserts in one transaction (journal off while building), so a million rows take seconds, not the
 * minutes the store's key-checking insert would.
 */
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { migrate } from '../src/ledger/sqlite/migrate.ts';

export interface ReportLedger {
  batchId: string;
  /** Rows per status, as written. */
  counts: Record<string, number>;
}

/** The status of the i-th row (0-based): the mix a finished batch ends with. */
export function statusOf(i: number): string {
  const p = i % 100;
  if (p < 85) return 'paid';
  if (p < 91) return 'pending';
  if (p < 94) return 'failed';
  if (p < 96) return 'unknown';
  if (p < 97) return 'not_sent';
  if (p < 98) return 'invalid';
  if (p < 99) return 'duplicate';
  return 'sending';
}

/** The history each status implies: planned → sending → (pending →) final. */
const HISTORY: Record<string, Array<[from: string | null, to: string, cause: string]>> = {
  paid: [[null, 'queued', 'planned'], ['queued', 'sending', 'sent'], ['sending', 'pending', 'provider_accepted'], ['pending', 'paid', 'sync']],
  pending: [[null, 'queued', 'planned'], ['queued', 'sending', 'sent'], ['sending', 'pending', 'provider_accepted']],
  failed: [[null, 'queued', 'planned'], ['queued', 'sending', 'sent'], ['sending', 'pending', 'provider_accepted'], ['pending', 'failed', 'sync']],
  unknown: [[null, 'queued', 'planned'], ['queued', 'sending', 'sent'], ['sending', 'unknown', 'timeout']],
  sending: [[null, 'queued', 'planned'], ['queued', 'sending', 'sent']],
  not_sent: [[null, 'queued', 'planned'], ['queued', 'not_sent', 'interrupted']],
  invalid: [[null, 'invalid', 'planned']],
  duplicate: [[null, 'duplicate', 'key_owned']],
};

export function buildReportLedger(path: string, rows: number): ReportLedger {
  const setup = new Database(path);
  setup.pragma('journal_mode = WAL');
  migrate(setup);
  setup.close();

  const db = new Database(path);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  const batchId = `bench-${rows}`;
  const t0 = Date.parse('2026-03-02T15:00:00.000Z');
  const at = (ms: number) => new Date(t0 + ms).toISOString();
  const insertBatch = db.prepare(
    `INSERT INTO batches (id, provider, environment, account, file_name, file_hash, row_count, status, created_at, updated_at, planned_at)
     VALUES (?, 'openpay', 'simulator', 'merchant:bench', 'bench.csv', ?, ?, 'finished', ?, ?, ?)`,
  );
  const insertBalance = db.prepare(`INSERT INTO batch_balances (batch_id, provider, currency, amount_minor, captured_at) VALUES (?, 'openpay', 'MXN', ?, ?)`);
  const insertRow = db.prepare(
    `INSERT INTO payout_rows (id, batch_id, row_number, provider, environment, order_key, fingerprint, amount_minor, currency, account,
       account_kind, account_bank_code, account_bank_name, account_masked, name, input, status, request_key, attempts,
       provider_payout_id, provider_status, error_code, error_message, sent_at, created_at, updated_at)
     VALUES (@id, @batch_id, @row_number, 'openpay', 'simulator', @order_key, @fingerprint, @amount_minor, @currency, @account,
       @account_kind, @bank, @bank_name, @masked, @name, @input, @status, @request_key, @attempts,
       @payout_id, @provider_status, @error_code, @error_message, @sent_at, @created_at, @updated_at)`,
  );
  const insertHistory = db.prepare(
    `INSERT INTO row_history (row_id, batch_id, at, from_status, to_status, cause, attempt, provider_status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const counts: Record<string, number> = {};
  db.transaction(() => {
    insertBatch.run(batchId, createHash('sha256').update(batchId).digest('hex'), rows, at(0), at(0), at(0));
    insertBalance.run(batchId, 500_000_000_000, at(0));
    for (let i = 0; i < rows; i++) {
      const id = i + 1;
      const n = i + 2;
      const status = statusOf(i);
      counts[status] = (counts[status] ?? 0) + 1;
      const clabe = `0021800${String(n).padStart(10, '0')}`;
      const payable = status !== 'invalid';
      const sent = status !== 'invalid' && status !== 'duplicate' && status !== 'not_sent';
      const accepted = status === 'paid' || status === 'pending' || status === 'failed';
      const sentAt = at(1000 + i * 10);
      const providerStatus = status === 'paid' ? 'completed' : status === 'failed' ? 'failed' : status === 'pending' ? 'in_progress' : null;
      insertRow.run({
        id,
        batch_id: batchId,
        row_number: n,
        order_key: payable ? `B-${n}` : null,
        fingerprint: payable ? `fp-${n}` : null,
        amount_minor: payable ? 10_000 + (i % 9000) : null,
        currency: payable ? 'MXN' : null,
        account: payable ? `${clabe}${checkDigit(clabe)}` : null,
        account_kind: payable ? 'clabe' : null,
        bank: payable ? '002' : null,
        bank_name: payable ? 'BANAMEX' : null,
        masked: payable ? `002 ****${String(n).padStart(4, '0').slice(-4)}` : null,
        name: `Beneficiario ${n}`,
        input: status === 'invalid' ? JSON.stringify({ orderId: `B-${n}`, amount: '12,34.5', currency: 'MXN', account: '12345', name: `Beneficiario ${n}` }) : null,
        status,
        request_key: sent ? `${batchId}:${n}:1` : null,
        attempts: sent ? 1 : 0,
        payout_id: accepted ? `tr${String(id).padStart(12, '0')}` : null,
        provider_status: providerStatus,
        error_code: status === 'failed' ? 'PROVIDER_REJECTED' : status === 'invalid' ? 'AMOUNT_FORMAT' : status === 'duplicate' ? 'DUPLICATE_ORDER_ID' : null,
        error_message: status === 'failed' ? 'La cuenta destino no existe' : null,
        sent_at: sent ? sentAt : null,
        created_at: at(0),
        updated_at: at(2000 + i * 10),
      });
      const steps = HISTORY[status]!;
      steps.forEach(([from, to, cause], k) => insertHistory.run(id, batchId, at(k === 0 ? 0 : 1000 + i * 10 + k), from, to, cause, k < 1 ? 0 : 1, to === 'paid' ? 'completed' : to === 'failed' ? 'failed' : null));
    }
  })();
  db.close();
  return { batchId, counts };
}

/** CLABE check digit: weights 3, 7, 1 over the 17 digits, each product mod 10, summed; (10 − sum mod 10) mod 10. */
function checkDigit(first17: string): number {
  let sum = 0;
  for (let k = 0; k < 17; k++) sum += (Number(first17[k]) * [3, 7, 1][k % 3]!) % 10;
  return (10 - (sum % 10)) % 10;
}
