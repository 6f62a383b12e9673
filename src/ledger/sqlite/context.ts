import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { LedgerError } from '../ledger-error.ts';
import type { Statements } from './statements.ts';

/**
 * What every part of the SQLite ledger works on: one better-sqlite3 connection, its prepared statements, the clock,
 * and the locks this process holds. better-sqlite3 is synchronous: each exported function of the parts is one
 * committed transaction (or one read); SqliteLedger is the async LedgerStore over them.
 */
export interface SqliteContext {
  readonly db: Database.Database;
  readonly s: Statements;
  readonly now: () => Date;
  /** Liveness of a lock holder on this host. */
  readonly isProcessAlive: (pid: number) => boolean;
  readonly host: string;
  /** Batch ids whose lock this store took and has not released. */
  readonly heldLocks: Set<string>;
  /** Statements with an IN list, by name and list length. */
  readonly inCache: Map<string, Database.Statement>;
}

/**
 * Identifies this process as a lock holder beyond its pid: in a container every run may get the same pid, so a
 * lock with our pid but another token was left by an earlier, dead incarnation. Kept on globalThis so that a second
 * copy of this module in the same process (test runners re-import modules) still counts as the same holder.
 */
const TOKEN_SLOT = Symbol.for('payout-batch.ledger.process-token');
export const PROCESS_TOKEN: string = ((globalThis as Record<symbol, unknown>)[TOKEN_SLOT] ??= randomUUID()) as string;

/** Well under SQLite's bound-parameter limit. */
export const IN_CHUNK = 500;

/**
 * Write transactions are IMMEDIATE: the write lock is taken at BEGIN, so two processes never both read, decide
 * and then collide on the upgrade to a write lock (which SQLite resolves with SQLITE_BUSY, not by waiting).
 */
export function write<T>(ctx: SqliteContext, fn: () => T): T {
  return ensureOpen(ctx).db.transaction(fn).immediate();
}

/** The context, if the connection is still open. */
export function ensureOpen(ctx: SqliteContext): SqliteContext {
  if (!ctx.db.open) throw new LedgerError('LEDGER_CLOSED', 'the ledger is closed');
  return ctx;
}

export function inStatement(ctx: SqliteContext, name: string, count: number, sql: (list: string) => string): Database.Statement {
  const key = `${name}:${count}`;
  let stmt = ctx.inCache.get(key);
  if (!stmt) {
    stmt = ctx.db.prepare(sql(new Array(count).fill('?').join(', ')));
    ctx.inCache.set(key, stmt);
  }
  return stmt;
}
