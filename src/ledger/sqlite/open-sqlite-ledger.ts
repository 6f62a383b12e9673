import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './migrate.ts';
import { SqliteLedger } from './sqlite-ledger.ts';
import { prepareStatements } from './statements.ts';

export interface SqliteLedgerOptions {
  now?: () => Date;
  /** How long a write waits for another process's transaction before failing (SQLite busy timeout). */
  busyTimeoutMs?: number;
  /** Liveness of a lock holder on this host; `process.kill(pid, 0)` unless replaced. */
  isProcessAlive?: (pid: number) => boolean;
}

/** Opens (creating the folder and file if needed) and migrates the ledger. */
export function openSqliteLedger(path: string, options: SqliteLedgerOptions = {}): SqliteLedger {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const timeoutMs = options.busyTimeoutMs ?? 10_000;
  const db = new Database(path, { timeout: timeoutMs });
  try {
    enableWal(db, timeoutMs);
    // FULL: a committed transaction is on disk (WAL fsynced) before commit returns; a row marked `sending` must
    // survive a power cut, since its request leaves right after.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    migrate(db);
    return new SqliteLedger({
      db,
      s: prepareStatements(db),
      now: options.now ?? (() => new Date()),
      isProcessAlive: options.isProcessAlive ?? processIsAlive,
      host: hostname(),
      heldLocks: new Set(),
      inCache: new Map(),
    });
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Switches the file to WAL. Switching needs the file to itself, and SQLite answers SQLITE_BUSY at once (its busy
 * handler does not wait for this) when another process opens a new ledger at the same moment: wait and try again.
 */
function enableWal(db: Database.Database, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  for (let pause = 5; ; pause = Math.min(pause * 2, 200)) {
    try {
      if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, pause);
    }
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else — alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
