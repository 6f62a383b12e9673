/**
 * A SQLite ledger of many earlier, finished batches, for the ledger benchmark: the product's schema (migrated as
 * `payout-batch` does) holding what years of runs leave behind, generated inside SQLite so ten million rows take
 * minutes, not the hour a row-at-a-time insert would.
 *
 * What is in it, like real batches:
 *  - batches of `batchRows` rows on the simulator environment, a few days apart, each one provider (Openpay, Conekta,
 *    Digital FEMSA, Zenrise) or all four in one file; batch ids as `batchIdFor` makes them;
 *  - order ids in three styles a merchant uses: a series per file (`NOM-2601-0007-000123`), a global counter
 *    (`OP3000012345`), random UUIDs (spread over the whole key index);
 *  - statuses a finished batch ends with: mostly paid, some failed (a later batch of the same provider pays most of
 *    those keys again), not sent, duplicates and conflicts of an earlier batch's paid row (owner_row_id set), invalid;
 *  - destinations drawn from a pool with real check digits (CLABE, CBU) or cash-out e-mails, masked as the tool
 *    masks them; recipients remembered per destination (Conekta payees, Digital FEMSA customers, Zenrise accounts);
 *  - fingerprints and request keys computed by the product's own functions, provider payout ids, statuses and
 *    references in each provider's shape, the history each status implies (`history: false` leaves it out).
 *
 * Built fast: journal and fsync off, the row and history indexes dropped during the load and created again from the
 * schema's own SQL afterwards (so the file is what `migrate` makes), one `INSERT … SELECT` over a recursive counter
 * per batch. The unique index on key owners is created last: a generator bug that let two rows own one key fails the
 * build there.
 */
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { maskAccount } from '../src/domain/mask-account.ts';
import type { Account } from '../src/domain/payout-row.ts';
import { requestKey } from '../src/domain/request-key.ts';
import type { ProviderId } from '../src/domain/provider-id.ts';
import { batchIdFor, rowFingerprint } from '../src/ledger/batch-identity.ts';
import { migrate } from '../src/ledger/sqlite/migrate.ts';
import type { Minor } from '../src/domain/money.ts';
import { cbuBlock1CheckDigit, cbuBlock2CheckDigit } from '../src/validate/cbu-cvu.ts';
import { clabeBankName, clabeCheckDigit } from '../src/validate/clabe.ts';

export interface EarlierBatchesOptions {
  rows: number;
  batchRows: number;
  /** Write each row's history (default true); false leaves row_history empty (a smaller, faster file). */
  history?: boolean;
  /** Distinct destinations per account kind (default 50,000). */
  destinations?: number;
  /** Progress lines (stderr in the benchmark). */
  log?: (line: string) => void;
}

export interface EarlierBatchesLedger {
  batches: number;
  rows: number;
  historyRows: number;
  /** Rows per status, as written. */
  counts: Record<string, number>;
}

/** Mode of each batch, by batch index: Openpay twice as often as the others, one in six files of all four. */
const BATCH_PROVIDERS = ['openpay', 'conekta', 'openpay', 'mixed', 'zenrise', 'digitalfemsa'] as const;
/** Order id style of each batch, by batch index. */
const KEY_STYLES = ['series', 'counter', 'uuid', 'series', 'counter'] as const;
/** A retried failure is paid again by the batch this many batches later (the next one of the same provider mode). */
const RETRY_DISTANCE = BATCH_PROVIDERS.length;
const ACCOUNTS: Record<string, string> = {
  openpay: 'merchant:msimpayoutbatch00001',
  conekta: 'key:ce9633194a17',
  digitalfemsa: 'key:5b0e2a71c4d8',
  zenrise: 'client:zenrise-sim-01',
  mixed: 'merchant:msimpayoutbatch00001',
};
const CLABE_BANKS = ['002', '012', '014', '021', '030', '036', '044', '058', '072', '127', '137', '646'];
const T0 = Date.parse('2025-12-01T15:00:00.000Z');

/**
 * The status of a row by its bucket (0–999, a hash of its global index): 95.8 % paid, 1.5 % failed, 0.5 % not sent,
 * 1 % duplicates and 0.2 % conflicts of an earlier paid row (paid themselves when there is none), 1 % invalid.
 */
const STATUS_SQL = `CASE WHEN bucket < 958 THEN 'paid' WHEN bucket < 973 THEN 'failed' WHEN bucket < 978 THEN 'not_sent'
  WHEN bucket < 988 THEN CASE WHEN e_id IS NULL THEN 'paid' ELSE 'duplicate' END
  WHEN bucket < 990 THEN CASE WHEN e_id IS NULL THEN 'paid' ELSE 'conflict' END ELSE 'invalid' END`;

/** The history each final status implies; `k` orders the steps, `final` marks the one carrying the provider's answer. */
const HISTORY_STEPS: Array<[status: string, k: number, from: string | null, to: string, cause: string, attempt: number, final: number]> = [
  ['paid', 0, null, 'queued', 'planned', 0, 0],
  ['paid', 1, 'queued', 'sending', 'sent', 1, 0],
  ['paid', 2, 'sending', 'pending', 'provider_accepted', 1, 0],
  ['paid', 3, 'pending', 'paid', 'sync', 1, 1],
  ['failed', 0, null, 'queued', 'planned', 0, 0],
  ['failed', 1, 'queued', 'sending', 'sent', 1, 0],
  ['failed', 2, 'sending', 'pending', 'provider_accepted', 1, 0],
  ['failed', 3, 'pending', 'failed', 'sync', 1, 1],
  ['not_sent', 0, null, 'queued', 'planned', 0, 0],
  ['not_sent', 1, 'queued', 'not_sent', 'interrupted', 0, 1],
  ['duplicate', 0, null, 'duplicate', 'planned', 0, 1],
  ['conflict', 0, null, 'conflict', 'planned', 0, 1],
  ['invalid', 0, null, 'invalid', 'planned', 0, 1],
];

export function buildEarlierBatchesLedger(path: string, options: EarlierBatchesOptions): EarlierBatchesLedger {
  const { rows, batchRows } = options;
  const log = options.log ?? (() => {});
  const setup = new Database(path);
  migrate(setup);
  setup.close();

  const db = new Database(path);
  try {
    // better-sqlite3 opens in SQLite's defensive mode, which refuses `journal_mode = OFF` by answering with the mode
    // it kept: the load would go through a journal (or the WAL, every page written twice) for nothing.
    db.unsafeMode(true);
    if (db.pragma('journal_mode = OFF', { simple: true }) !== 'off') throw new Error(`${path}: could not turn the journal off (${String(db.pragma('journal_mode', { simple: true }))})`);
    db.pragma('synchronous = OFF');
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('cache_size = -524288');
    // Rows are checked by the schema's CHECKs and the unique index made at the end; the foreign keys hold by
    // construction (every batch is written before its rows, every owner before the rows naming it).
    db.pragma('foreign_keys = OFF');
    // An INSERT … SELECT reading its own table (a repeat joins an earlier row) stages its rows in a temp table first:
    // in memory while loading; the index sorts below spill to files.
    db.pragma('temp_store = MEMORY');
    db.pragma('threads = 2');
    // Each row's own derived values, computed by the product's functions.
    db.function('request_key', { deterministic: true }, (provider: unknown, orderKey: unknown) => requestKey(provider as ProviderId, orderKey as string));

    // The indexes of the growing tables, as the schema has them, dropped for the load and made again afterwards.
    const indexes = db
      .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('payout_rows', 'row_history') AND sql IS NOT NULL ORDER BY rowid`)
      .all() as Array<{ name: string; sql: string }>;
    for (const { name } of indexes) db.exec(`DROP INDEX ${name}`);

    const destinations = options.destinations ?? 50_000;
    fillDestinations(db, destinations);

    const insertBatch = db.prepare(
      `INSERT INTO batches (id, provider, environment, account, file_name, file_hash, row_count, status, operator, created_at, updated_at, planned_at)
       VALUES (@id, @provider, 'simulator', @account, @file_name, @file_hash, @row_count, 'finished', 'tesoreria', @created_at, @updated_at, @created_at)`,
    );
    // The rows a later batch repeats (failures it pays again, paid rows it duplicates), kept aside: the row INSERT reads
    // them from here, not from payout_rows, which it could only read through a staged copy of every row it writes.
    db.exec(`CREATE TEMP TABLE earlier (id INTEGER PRIMARY KEY, status TEXT, provider TEXT, order_key TEXT, amount_minor INTEGER,
      account TEXT, account_kind TEXT, account_bank_code TEXT, account_bank_name TEXT, account_masked TEXT, name TEXT, email TEXT,
      recipient_id TEXT)`);
    const insertRows = db.prepare(rowsSql());
    const keepEarlier = db.prepare(`INSERT INTO temp.earlier
      SELECT id, status, provider, order_key, amount_minor, account, account_kind, account_bank_code, account_bank_name, account_masked,
        name, email, recipient_id
      FROM payout_rows WHERE id BETWEEN @lo AND @hi
        AND (status = 'failed' OR (status = 'paid' AND (((id - 1 + CAST(@offset AS INTEGER)) * 2654435761) % 4294967296) % 1000 BETWEEN 978 AND 989))`);
    const forgetEarlier = db.prepare('DELETE FROM temp.earlier WHERE id <= @below');
    db.exec('CREATE TEMP TABLE steps (status TEXT, k INTEGER, from_status TEXT, to_status TEXT, cause TEXT, attempt INTEGER, final INTEGER)');
    const step = db.prepare('INSERT INTO steps VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (const s of HISTORY_STEPS) step.run(...s);
    const insertHistory = db.prepare(historySql());

    const batchCount = Math.ceil(rows / batchRows);
    // Batches a few days apart, the last one a week before the benchmark's date.
    const spacingMs = Math.min(3 * 86_400_000, Math.floor((365 * 86_400_000) / batchCount));
    let historyRows = 0;
    const started = performance.now();
    for (let b = 0, first = 0; first < rows; b++) {
      const n = Math.min(batchRows, rows - first);
      const mode = BATCH_PROVIDERS[b % BATCH_PROVIDERS.length]!;
      const createdMs = T0 + b * spacingMs;
      const day = new Date(createdMs).toISOString().slice(2, 10).replaceAll('-', '');
      const fileName = `dispersion-${day}-${String(b + 1).padStart(4, '0')}.csv`;
      const fileHash = createHash('sha256').update(`earlier batch ${b}`).digest('hex');
      const provider = mode === 'mixed' ? 'openpay' : mode;
      const batchId = batchIdFor(fileHash, provider, { environment: 'simulator', account: ACCOUNTS[mode]! });
      db.transaction(() => {
        insertBatch.run({
          id: batchId,
          provider,
          account: ACCOUNTS[mode],
          file_name: fileName,
          file_hash: fileHash,
          row_count: n,
          created_at: iso(createdMs),
          updated_at: iso(createdMs + 3_600_000),
        });
        insertRows.run({
          batch_id: batchId,
          first,
          n,
          mode,
          style: KEY_STYLES[b % KEY_STYLES.length],
          prefix: `NOM-${day.slice(0, 4)}-${String(b + 1).padStart(4, '0')}`,
          offset: RETRY_DISTANCE * batchRows,
          t0: createdMs / 1000,
          dests: destinations,
        });
        if (options.history ?? true) historyRows += insertHistory.run({ lo: first + 1, hi: first + n }).changes;
        keepEarlier.run({ lo: first + 1, hi: first + n, offset: RETRY_DISTANCE * batchRows });
        forgetEarlier.run({ below: first + n - RETRY_DISTANCE * batchRows });
      })();
      first += n;
      if ((b + 1) % 10 === 0 || first === rows) log(`  ${first.toLocaleString('en')} rows in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    }
    // Recipients remembered per destination, as the runs that paid them left them.
    db.exec(`INSERT INTO recipients (environment, account, provider, recipient_key, recipient_id, created_at, updated_at)
      SELECT 'simulator', CASE kind WHEN 0 THEN '${ACCOUNTS.conekta}' WHEN 1 THEN '${ACCOUNTS.digitalfemsa}' ELSE '${ACCOUNTS.zenrise}' END,
        CASE kind WHEN 0 THEN 'conekta' WHEN 1 THEN 'digitalfemsa' ELSE 'zenrise' END, account, recipient, '${iso(T0)}', '${iso(T0)}'
      FROM dest`);
    // Left as the tool leaves a ledger: in WAL mode.
    if (db.pragma('journal_mode = WAL', { simple: true }) !== 'wal') throw new Error(`${path}: could not switch to WAL`);
    const counts = Object.fromEntries(
      (db.prepare('SELECT status, count(*) AS n FROM payout_rows GROUP BY status').all() as Array<{ status: string; n: number }>).map((r) => [r.status, r.n]),
    );
    db.exec('DROP TABLE temp.dest');
    db.exec('DROP TABLE temp.steps');
    db.exec('DROP TABLE temp.earlier');
    db.pragma('temp_store = FILE');
    for (const { name, sql } of indexes) {
      const at = performance.now();
      db.exec(sql);
      log(`  index ${name} in ${((performance.now() - at) / 1000).toFixed(0)} s`);
    }
    return { batches: batchCount, rows, historyRows, counts };
  } finally {
    db.close();
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * The destination pool: `count` of each kind (0 CLABE for Openpay and Conekta, 1 cash-out e-mail for Digital FEMSA,
 * 2 CBU for Zenrise), with the values the tool stores for them.
 */
function fillDestinations(db: Database.Database, count: number): void {
  db.exec(`CREATE TEMP TABLE dest (kind INTEGER, n INTEGER, account TEXT, account_kind TEXT, bank_code TEXT, bank_name TEXT,
    masked TEXT, name TEXT, email TEXT, recipient TEXT, PRIMARY KEY (kind, n)) WITHOUT ROWID`);
  const insert = db.prepare('INSERT INTO dest VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  let s = 0x2545f491;
  const random = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x1_0000_0000;
  };
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 10)).join('');
  const token = (n: number) => Array.from({ length: n }, () => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(random() * 62)]).join('');
  const uuid = () => {
    const h = createHash('sha256').update(String(random())).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  };
  db.transaction(() => {
    for (let n = 0; n < count; n++) {
      const person = `Beneficiario ${n}`;
      const email = `persona${n}@example.com`;
      const bank = CLABE_BANKS[Math.floor(random() * CLABE_BANKS.length)]!;
      const first17 = bank + digits(14);
      const clabe: Account = { kind: 'clabe', number: first17 + clabeCheckDigit(first17), bankCode: bank, bankName: clabeBankName(bank) };
      insert.run(0, n, clabe.number, 'clabe', bank, clabe.bankName ?? null, maskAccount(clabe), person, email, `payee_${token(17)}`);
      const cash: Account = { kind: 'cash_out', email };
      insert.run(1, n, email, 'cash_out', null, null, maskAccount(cash), person, email, `cus_${token(17)}`);
      const b1 = `0${digits(6)}`;
      const b2 = digits(13);
      const cbu: Account = { kind: 'cbu', number: b1 + cbuBlock1CheckDigit(b1) + b2 + cbuBlock2CheckDigit(b2) };
      insert.run(2, n, cbu.number, 'cbu', null, null, maskAccount(cbu), person, email, uuid());
    }
  })();
  // The fingerprint format the SQL below writes ("amount|destination|currency") is the product's.
  const sample = rowFingerprint(12345 as Minor, { kind: 'cash_out', email: 'a@example.com' }, 'MXN');
  if (sample !== '12345|a@example.com|MXN') throw new Error(`the ledger's fingerprint format changed (${sample}): update earlier-batches-ledger.ts`);
}

/**
 * One batch's rows. `g` is the row's index in the whole ledger (its id is g + 1), `h` a bijective 32-bit hash of it
 * (multiplicative, odd factor) from which the status bucket, destination and amount are drawn. A row that repeats an
 * earlier one — a retried failure, a duplicate or conflict — joins that earlier row (`e`, RETRY_DISTANCE batches
 * back, same provider) and takes its key and payout.
 */
function rowsSql(): string {
  const hash = (k: number, salt: number) => `(((g + ${salt}) * ${k}) % 4294967296)`;
  const uuidOf = (salt: number) =>
    `printf('%08x-%04x-4%03x-%04x-%08x%04x', ${hash(2654435761, salt)}, ${hash(2246822519, salt)} % 65536, ${hash(3266489917, salt)} % 4096, 32768 + ${hash(668265263, salt)} % 16384, ${hash(374761393, salt)}, ${hash(2654435761, salt + 7)} % 65536)`;
  return `
  INSERT INTO payout_rows (id, batch_id, row_number, provider, environment, order_key, fingerprint, amount_minor, currency, account,
    account_kind, account_bank_code, account_bank_name, account_masked, name, email, description, input, status, owner_row_id,
    request_key, attempts, recipient_id, provider_payout_id, provider_status, provider_reference, error_code, error_message,
    sent_at, provider_updated_at, created_at, updated_at)
  WITH RECURSIVE seq(p) AS (SELECT 0 UNION ALL SELECT p + 1 FROM seq WHERE p + 1 < CAST(@n AS INTEGER)),
  -- parameters arrive as doubles: integers here, or amounts would print as 100.0
  base AS (
    SELECT p, CAST(@first AS INTEGER) + p AS g, ((CAST(@first AS INTEGER) + p) * 2654435761) % 4294967296 AS h,
      CASE WHEN @mode <> 'mixed' THEN @mode
        ELSE CASE (CAST(@first AS INTEGER) + p) % 4 WHEN 0 THEN 'openpay' WHEN 1 THEN 'conekta' WHEN 2 THEN 'digitalfemsa' ELSE 'zenrise' END END AS provider
    FROM seq
  ),
  bucketed AS (
    SELECT base.*, h % 1000 AS bucket, CASE provider WHEN 'zenrise' THEN 2 WHEN 'digitalfemsa' THEN 1 ELSE 0 END AS kind,
      -- the row RETRY_DISTANCE batches back failed, and this one is paid: this one is its retry
      CASE WHEN g >= CAST(@offset AS INTEGER) AND h % 1000 < 958 AND (((g - CAST(@offset AS INTEGER)) * 2654435761) % 4294967296) % 1000 BETWEEN 958 AND 972 THEN 'failed'
        WHEN g >= CAST(@offset AS INTEGER) AND h % 1000 BETWEEN 978 AND 989 THEN 'paid' END AS earlier_status
    FROM base
  ),
  joined AS (
    SELECT b.*, e.id AS e_id, e.order_key AS e_key, e.amount_minor AS e_amount,
      -- a repeat pays the earlier row's destination
      coalesce(e.account, d.account) AS account, coalesce(e.account_kind, d.account_kind) AS account_kind,
      coalesce(e.account_bank_code, d.bank_code) AS bank_code, coalesce(e.account_bank_name, d.bank_name) AS bank_name,
      coalesce(e.account_masked, d.masked) AS masked, coalesce(e.name, d.name) AS name, coalesce(e.email, d.email) AS email,
      coalesce(e.recipient_id, d.recipient) AS recipient,
      CASE b.provider WHEN 'zenrise' THEN 'ARS' ELSE 'MXN' END AS currency,
      CASE WHEN b.provider = 'digitalfemsa' THEN (1 + (g * 40503) % 9999) * 100 ELSE 100 + (g * 40503) % 999900 END AS own_amount
    FROM bucketed b
    JOIN dest d ON d.kind = b.kind AND d.n = (b.h / 1024) % CAST(@dests AS INTEGER)
    LEFT JOIN temp.earlier e ON e.id = b.g + 1 - CAST(@offset AS INTEGER) AND e.status = b.earlier_status AND e.provider = b.provider
  ),
  -- computed once per row: the SELECT below reads status, order_key and amount many times, and a flattened
  -- subquery would evaluate their expressions again at each reference
  decided AS MATERIALIZED (
    SELECT j.*, ${STATUS_SQL} AS status,
      coalesce(e_key, CASE @style WHEN 'series' THEN printf('%s-%06d', @prefix, p + 1) WHEN 'counter' THEN printf('OP%010d', 3000000000 + g)
        ELSE ${uuidOf(0)} END) AS order_key,
      CASE WHEN e_id IS NOT NULL AND bucket BETWEEN 988 AND 989 THEN e_amount + 100 ELSE coalesce(e_amount, own_amount) END AS amount
    FROM joined j
  )
  SELECT g + 1, @batch_id, p + 2, provider, 'simulator', order_key,
    CASE WHEN status <> 'invalid' THEN amount || '|' || account || '|' || currency END,
    CASE WHEN status <> 'invalid' THEN amount END,
    currency,
    CASE WHEN status <> 'invalid' THEN account END,
    CASE WHEN status <> 'invalid' THEN account_kind END,
    CASE WHEN status <> 'invalid' THEN bank_code END,
    CASE WHEN status <> 'invalid' THEN bank_name END,
    masked, name, email, 'Pago ' || (p + 1),
    json_object('orderId', order_key,
      'amount', CASE WHEN status = 'invalid' THEN '12,34.5' WHEN currency = 'ARS' THEN printf('%d,%02d', amount / 100, amount % 100) ELSE printf('%d.%02d', amount / 100, amount % 100) END,
      'currency', currency, 'account', CASE WHEN provider <> 'digitalfemsa' THEN masked END, 'name', name),
    status,
    CASE WHEN status IN ('duplicate', 'conflict') THEN e_id END,
    CASE WHEN status IN ('paid', 'failed') THEN request_key(provider, order_key) END,
    CASE WHEN status IN ('paid', 'failed') THEN 1 ELSE 0 END,
    CASE WHEN status IN ('paid', 'failed') AND provider <> 'openpay' THEN recipient END,
    CASE WHEN status NOT IN ('paid', 'failed') THEN NULL
      WHEN provider = 'openpay' THEN printf('tr%08x%010x', h, ${hash(2246822519, 11)} * 256 + ${hash(3266489917, 13)} % 256)
      WHEN provider = 'conekta' THEN printf('%08x%08x%08x', h, ${hash(2246822519, 17)}, ${hash(3266489917, 19)})
      ELSE ${uuidOf(23)} END,
    CASE WHEN status = 'paid' THEN CASE provider WHEN 'openpay' THEN 'completed' WHEN 'conekta' THEN 'paid_out' WHEN 'digitalfemsa' THEN 'paid' ELSE 'Accredited' END
      WHEN status = 'failed' THEN CASE provider WHEN 'zenrise' THEN 'Rejected' ELSE 'failed' END END,
    CASE WHEN status NOT IN ('paid', 'failed') THEN NULL
      WHEN provider = 'openpay' THEN upper(printf('tr%08x%010x', h, ${hash(2246822519, 11)} * 256 + ${hash(3266489917, 13)} % 256))
      WHEN provider = 'conekta' THEN printf('%07d', ${hash(668265263, 29)} % 10000000)
      WHEN provider = 'digitalfemsa' THEN printf('%016d', ${hash(374761393, 31)} * 1000000 + g % 1000000) END,
    CASE status WHEN 'failed' THEN CASE provider WHEN 'openpay' THEN '3001' WHEN 'zenrise' THEN 'CBU inexistente' ELSE 'processing_error' END
      WHEN 'duplicate' THEN 'DUPLICATE_ORDER_ID' WHEN 'conflict' THEN 'CONFLICTING_ORDER_ID' WHEN 'invalid' THEN 'AMOUNT_FORMAT' END,
    CASE status WHEN 'failed' THEN 'La cuenta destino fue rechazada por el banco'
      WHEN 'duplicate' THEN 'order_id ' || order_key || ' is already paid in an earlier batch; it is not sent again'
      WHEN 'conflict' THEN 'order_id ' || order_key || ' was used in an earlier batch with a different amount, account or currency; not sent'
      WHEN 'invalid' THEN 'amount "12,34.5" is not an amount' END,
    CASE WHEN status IN ('paid', 'failed') THEN strftime('%Y-%m-%dT%H:%M:%fZ', @t0 + 60 + p * 0.02, 'unixepoch') END,
    CASE WHEN status IN ('paid', 'failed') THEN strftime('%Y-%m-%dT%H:%M:%fZ', @t0 + 900 + p * 0.02, 'unixepoch') END,
    strftime('%Y-%m-%dT%H:%M:%fZ', @t0 + 30, 'unixepoch'),
    strftime('%Y-%m-%dT%H:%M:%fZ', @t0 + CASE WHEN status IN ('paid', 'failed') THEN 905 + p * 0.02 WHEN status = 'not_sent' THEN 3000 ELSE 30 END, 'unixepoch')
  FROM decided`;
}

/** The history of one batch's rows (ids lo..hi), each step of its status, in the order a run writes them. */
function historySql(): string {
  return `
  INSERT INTO row_history (row_id, batch_id, at, from_status, to_status, cause, attempt, provider_status, error_code)
  SELECT r.id, r.batch_id, CASE WHEN s.k = 0 THEN r.created_at WHEN s.final = 1 THEN r.updated_at ELSE r.sent_at END,
    s.from_status, s.to_status, s.cause, s.attempt,
    CASE WHEN s.final = 1 THEN r.provider_status WHEN s.k = 2 THEN 'in_progress' END,
    CASE WHEN s.final = 1 THEN r.error_code END
  FROM payout_rows r JOIN temp.steps s ON s.status = r.status
  WHERE r.id BETWEEN @lo AND @hi
  ORDER BY r.id, s.k`;
}
