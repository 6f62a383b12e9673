import pg from 'pg';
import { LedgerError } from '../ledger-error.ts';
import { parseInt8 } from './pg-integer.ts';

/**
 * What every part of the PostgreSQL ledger works on: the pool, the clock, this host, the locks this store holds.
 * Each LedgerStore method is one transaction on one pooled connection (`write`) or one read (`read`).
 */
export interface PgContext {
  readonly pool: pg.Pool;
  readonly now: () => Date;
  readonly isProcessAlive: (pid: number) => boolean;
  readonly host: string;
  /** Batch ids whose lock this store holds, with the timer of their heartbeat. */
  readonly heldLocks: Map<string, ReturnType<typeof setInterval>>;
  /** A lock whose heartbeat is older than this (server clock) is free to take: its holder is gone or cut off. */
  readonly lockExpiryMs: number;
  readonly heartbeatMs: number;
  /** Rows this store claimed (row leases), by id: the epoch it claimed, and whether it lost them since. */
  readonly leases: Map<number, HeldLease>;
  /** How long a row lease lasts without renewal; renewed every quarter of it while rows are held. */
  readonly rowLeaseMs: number;
  leaseTimer?: ReturnType<typeof setInterval>;
  readonly onError: (error: Error, where: string) => void;
  closed: boolean;
}

export interface HeldLease {
  epoch: number;
  /** performance.now() until which the lease is known held (the last renewal's start + the lease). */
  until: number;
  /** The row was claimed by another worker (or the renewal found it gone): every write for it is refused. */
  lost: boolean;
}

export interface Query {
  one<T>(sql: string, params?: readonly unknown[]): Promise<T | undefined>;
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Rows changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

/** pg_advisory_*lock(class, key): the class names this application among others sharing the database. */
export const LOCK_CLASS = 0x70617962; // 'payb'
export const MIGRATION_LOCK = 1;
export const WRITE_LOCK = 2;

const TIMESTAMPTZ = 1184;
const TIMESTAMP = 1114;
const INT8 = 20;
const defaultTimestamp = pg.types.getTypeParser(TIMESTAMPTZ);

/**
 * Type parsers of this pool only (the process-wide pg.types stay as they are): bigint through parseInt8 (exact or
 * refused), times as ISO-8601 UTC strings — the shape the SQLite ledger's records have, so both map rows alike.
 */
export const PG_TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (format === 'binary') return pg.types.getTypeParser(oid, 'binary');
    if (oid === INT8) return parseInt8;
    if (oid === TIMESTAMPTZ || oid === TIMESTAMP) return (text: string) => (defaultTimestamp(text) as Date).toISOString();
    return pg.types.getTypeParser(oid, 'text');
  },
} as unknown as pg.CustomTypesConfig;

export function ensureOpen(ctx: PgContext): PgContext {
  if (ctx.closed) throw new LedgerError('LEDGER_CLOSED', 'the ledger is closed');
  return ctx;
}

function queryOn(client: pg.Pool | pg.PoolClient): Query {
  return {
    one: async <T>(sql: string, params: readonly unknown[] = []) => (await client.query(sql, params as unknown[])).rows[0] as T | undefined,
    all: async <T>(sql: string, params: readonly unknown[] = []) => (await client.query(sql, params as unknown[])).rows as T[],
    run: async (sql: string, params: readonly unknown[] = []) => (await client.query(sql, params as unknown[])).rowCount ?? 0,
  };
}

/** A read outside any transaction (one statement: consistent by itself). */
export function read(ctx: PgContext): Query {
  return queryOn(ensureOpen(ctx).pool);
}

/**
 * One write transaction. Writers are serialised by a transaction-scoped advisory lock, the way SQLite's IMMEDIATE
 * transactions serialise them: a transaction reads (is this key owned? is the lock ours?), decides through the
 * transition table, then writes, and no other writer can change what it read in between. Row-level locks alone would
 * let two inserts of the same key both find no owner and one fail on the unique index instead of becoming a duplicate.
 * Throughput comes from group commit (many rows per transaction), as on SQLite.
 *
 * A worker that stops inside a transaction (paused, frozen VM, cut off) would hold that lock, and every other
 * worker's write would wait for it; the server ends such a session after `idle_in_transaction_session_timeout` (see
 * open-postgres-ledger.ts), which rolls the transaction back and frees the lock. See `transaction` for what the
 * stopped worker then sees.
 */
export async function write<T>(ctx: PgContext, fn: (q: Query) => Promise<T>): Promise<T> {
  return transaction(ensureOpen(ctx).pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, WRITE_LOCK]);
    return fn(queryOn(client));
  });
}

/** SQLSTATE 25P03: the server ended the session after it sat idle inside a transaction. */
const IDLE_IN_TRANSACTION_TIMEOUT = '25P03';

/**
 * One transaction on one pooled connection, rolled back when `fn` throws. While the connection is checked out, an
 * error the server or the network raises on it between statements (the session ended for sitting idle in the
 * transaction, terminated, the socket reset) is caught here — unhandled, node-postgres emits it as an 'error' event
 * that ends the process — and the connection is dropped from the pool. A transaction the server ended for idling is
 * known rolled back (the server ends only a session that is idle inside a transaction, never one committing): it
 * fails as LEDGER_TRANSACTION_ENDED, nothing of it written.
 */
export async function transaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw new LedgerError('LEDGER_UNAVAILABLE', `the ledger database cannot be reached: ${(error as Error).message}`, { code: (error as { code?: string }).code }, { cause: error });
  }
  let lost: Error | undefined;
  const onLost = (error: Error) => {
    lost ??= error;
  };
  client.on('error', onLost);
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    if (lost === undefined) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        // The connection is unusable: drop it from the pool rather than hand it to the next caller.
        broken = rollbackError as Error;
      }
    } else {
      broken = lost;
    }
    const ended = [lost, error].find((e) => (e as { code?: unknown } | undefined)?.code === IDLE_IN_TRANSACTION_TIMEOUT);
    if (ended !== undefined) {
      throw new LedgerError(
        'LEDGER_TRANSACTION_ENDED',
        `the ledger database ended this process's transaction after it sat idle inside it (paused or cut off?); nothing of it was written`,
        { sqlstate: IDLE_IN_TRANSACTION_TIMEOUT },
        { cause: ended },
      );
    }
    if (lost !== undefined || isConnectionError(error)) {
      throw new LedgerError('LEDGER_UNAVAILABLE', `the ledger database connection was lost: ${(lost ?? (error as Error)).message}`, {}, { cause: lost ?? error });
    }
    throw error;
  } finally {
    client.off('error', onLost);
    client.release(broken ?? lost);
  }
}

/**
 * node-postgres' own errors for a connection that ended or never came (they carry no SQLSTATE): the server or the
 * network went away, not a statement the server refused.
 */
function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)$/.test(code)) return true;
  if (code !== undefined) return false;
  return /^(Connection terminated|Client was closed and is not queryable|Client has encountered a connection error|timeout exceeded when trying to connect)/.test(error.message);
}
