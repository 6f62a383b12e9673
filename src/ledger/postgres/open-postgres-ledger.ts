import { hostname } from 'node:os';
import pg from 'pg';
import { LedgerError } from '../ledger-error.ts';
import { maskSecret, maskUrlPassword } from '../ledger-location.ts';
import { PG_MIGRATIONS } from './migrations.ts';
import { LOCK_CLASS, MIGRATION_LOCK, PG_TYPES, type PgContext } from './pg-context.ts';
import { PostgresLedger } from './postgres-ledger.ts';

export interface PostgresLedgerOptions {
  now?: () => Date;
  isProcessAlive?: (pid: number) => boolean;
  /** Create the schema when the database has none (default true); false: no schema is LEDGER_MISSING. */
  create?: boolean;
  /** PostgreSQL's statement_timeout on every connection (default 30 s): a stuck statement fails instead of hanging. */
  statementTimeoutMs?: number;
  /**
   * PostgreSQL's idle_in_transaction_session_timeout on every connection (default 5 s, at most a third of the statement timeout,
   * so that a writer waiting for the writers' lock outlasts it): a process that stops inside a transaction (paused,
   * frozen, cut off) has its session ended by the server, which frees the lock for every other worker, instead of
   * stalling them all until it comes back.
   */
  idleInTransactionTimeoutMs?: number;
  /** Connections in the pool (default 4: writers are serialised, reads page by page). */
  poolSize?: number;
  /** A batch lock whose heartbeat is older than this is free to take (default 120 s). */
  lockExpiryMs?: number;
  /** How often a held lock's heartbeat is renewed (default 10 s). */
  heartbeatMs?: number;
  /**
   * How long a claimed row's lease lasts without renewal (default 60 s; PAYOUT_BATCH_ROW_LEASE_MS, internal, for
   * tests). A worker that stops renewing (killed, partitioned, paused) loses its rows after this.
   */
  rowLeaseMs?: number;
  /** Errors of idle connections and heartbeats; default one line on stderr (never the URL's password). */
  onError?: (error: Error, where: string) => void;
}

/**
 * Connects to the database at `url`, and brings it to this version's schema under an advisory lock, so that two
 * processes starting at once migrate once (the second waits, then finds nothing to do). A database with no ledger
 * schema is LEDGER_MISSING when `create` is false, and is left untouched.
 */
export async function openPostgresLedger(url: string, options: PostgresLedgerOptions = {}): Promise<PostgresLedger> {
  const password = safePassword(url);
  const onError =
    options.onError ??
    ((error: Error, where: string) => process.stderr.write(`ledger (PostgreSQL, ${where}): ${maskSecret(error.message, password)}\n`));
  const statementTimeoutMs = options.statementTimeoutMs ?? 30_000;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 4,
    statement_timeout: statementTimeoutMs,
    idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? Math.min(5_000, Math.max(1_000, Math.floor(statementTimeoutMs / 3))),
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    application_name: 'payout-batch',
    types: PG_TYPES,
  });
  // An idle connection that the server or the network drops emits 'error' on the pool; unhandled, it would end the
  // process. The next query gets a fresh connection.
  pool.on('error', (error) => onError(error, 'idle connection'));
  try {
    await migrate(pool, options.create ?? true, url);
  } catch (error) {
    await pool.end().catch(() => undefined);
    if (error instanceof LedgerError) throw error;
    const message = maskSecret((error as Error).message, password);
    throw new LedgerError('LEDGER_UNAVAILABLE', `cannot open the PostgreSQL ledger at ${maskUrlPassword(url)}: ${message}`, { code: (error as { code?: string }).code });
  }
  const ctx: PgContext = {
    pool,
    now: options.now ?? (() => new Date()),
    isProcessAlive: options.isProcessAlive ?? processIsAlive,
    host: hostname(),
    heldLocks: new Map(),
    lockExpiryMs: options.lockExpiryMs ?? 120_000,
    heartbeatMs: options.heartbeatMs ?? 10_000,
    leases: new Map(),
    rowLeaseMs: options.rowLeaseMs ?? rowLeaseFromEnv() ?? 60_000,
    onError,
    closed: false,
  };
  return new PostgresLedger(ctx);
}

/** Applies the missing migrations, each in its own transaction with its schema_version row, under the migration lock. */
async function migrate(pool: pg.Pool, create: boolean, url: string): Promise<void> {
  const client = await pool.connect();
  let locked = false;
  try {
    const found = await client.query<{ t: string | null }>("SELECT to_regclass('schema_version')::text AS t");
    if (found.rows[0]?.t === null && !create) {
      throw new LedgerError('LEDGER_MISSING', `no ledger in the database ${maskUrlPassword(url)}`, { url: maskUrlPassword(url) });
    }
    await client.query('SELECT pg_advisory_lock($1, $2)', [LOCK_CLASS, MIGRATION_LOCK]);
    locked = true;
    await client.query('CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const current = (await client.query<{ v: number }>('SELECT coalesce(max(version), 0) AS v FROM schema_version')).rows[0]!.v;
    const target = PG_MIGRATIONS.length;
    if (current > target) {
      throw new LedgerError('LEDGER_TOO_NEW', `the ledger has schema version ${current}; this version of payout-batch knows up to ${target}`, { version: current, known: target });
    }
    for (let version = current; version < target; version += 1) {
      await client.query('BEGIN');
      try {
        await client.query(PG_MIGRATIONS[version] as string);
        await client.query('INSERT INTO schema_version (version) VALUES ($1)', [version + 1]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    }
  } finally {
    if (locked) await client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_CLASS, MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
}

function rowLeaseFromEnv(): number | undefined {
  const raw = process.env.PAYOUT_BATCH_ROW_LEASE_MS;
  if (raw === undefined || raw === '') return undefined;
  const ms = Number(raw);
  if (!Number.isSafeInteger(ms) || ms < 100) throw new LedgerError('INVALID_INPUT', `PAYOUT_BATCH_ROW_LEASE_MS must be an integer >= 100, got ${JSON.stringify(raw)}`, { value: raw });
  return ms;
}

function safePassword(url: string): string | undefined {
  try {
    const password = new URL(url).password;
    return password === '' ? undefined : decodeURIComponent(password);
  } catch {
    return undefined;
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
