import { closeSync, constants, existsSync, mkdirSync, openSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { LedgerError } from '../ledger-error.ts';
import { fileIdentity } from '../ledger-file-identity.ts';
import { FULL_CHECK_PERIOD_MS, readStamp, removeStamp, settledFileState, stampVouches } from './integrity-stamp.ts';
import { migrate } from './migrate.ts';
import { SqliteLedger } from './sqlite-ledger.ts';
import { prepareStatements } from './statements.ts';

export interface SqliteLedgerOptions {
  now?: () => Date;
  /** How long a write waits for another process's transaction before failing (SQLite busy timeout). */
  busyTimeoutMs?: number;
  /** Liveness of a lock holder on this host; `process.kill(pid, 0)` unless replaced. */
  isProcessAlive?: (pid: number) => boolean;
  /** Create the folder and the file when missing (default true); false: a missing file is LEDGER_MISSING. */
  create?: boolean;
  /**
   * How long a clean close's stamp vouches for an untouched file before the full check runs again (default 24 h;
   * 0: check at every open). See integrity-stamp.ts.
   */
  fullCheckPeriodMs?: number;
}

/** Folder 0700 and ledger file 0600, before SQLite would create it 0644 (its -wal and -shm take the file's mode). */
export const LEDGER_DIR_MODE = 0o700;
export const LEDGER_FILE_MODE = 0o600;

/**
 * Creates the ledger's folder (0700) and an empty ledger file (0600) when none is there: the ledger holds full
 * CLABEs/CBUs, names and e-mails, for its owner only. An existing file is left as it is.
 */
function createPrivateFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: LEDGER_DIR_MODE });
  try {
    closeSync(openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, LEDGER_FILE_MODE));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

/**
 * Opens (creating the folder and file if needed and allowed), checks and migrates the ledger. A file SQLite finds
 * damaged is LEDGER_CORRUPT: it is never recreated, since an empty ledger would let the next run pay its rows again.
 */
export function openSqliteLedger(path: string, options: SqliteLedgerOptions = {}): SqliteLedger {
  const create = options.create ?? true;
  if (path !== ':memory:' && create) createPrivateFile(path);
  const timeoutMs = options.busyTimeoutMs ?? 10_000;
  const now = options.now ?? (() => new Date());
  const onDisk = path !== ':memory:';
  // Read before SQLite opens the file (opening creates the -wal); removed at once, so a process that dies with the
  // ledger open leaves no stamp behind.
  const stamp = onDisk ? readStamp(path) : undefined;
  const vouched = onDisk && stampVouches(stamp, settledFileState(path), now(), options.fullCheckPeriodMs ?? FULL_CHECK_PERIOD_MS);
  if (onDisk) removeStamp(path);
  let db: Database.Database;
  try {
    // fileMustExist: the check and the open are one step, so nothing creates the file between them.
    db = new Database(path, { timeout: timeoutMs, fileMustExist: !create });
  } catch (error) {
    // better-sqlite3 answers SQLITE_CANTOPEN for a missing file, a TypeError for a missing folder.
    if (!create && !existsSync(path)) {
      throw new LedgerError('LEDGER_MISSING', `no ledger at ${path}`, { path }, { cause: error });
    }
    throw asCorrupt(error, path);
  }
  try {
    if (!vouched) checkIntegrity(db, path);
    const opened = onDisk ? fileIdentity(path) : undefined;
    const integrity = { check: vouched ? ('skipped' as const) : ('full' as const), checkedAt: vouched && stamp ? stamp.checkedAt : now() };
    enableWal(db, timeoutMs);
    // FULL: a committed transaction is on disk (WAL fsynced) before commit returns; a row marked `sending` must
    // survive a power cut, since its request leaves right after.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    migrate(db);
    return new SqliteLedger({
      db,
      s: prepareStatements(db),
      now,
      isProcessAlive: options.isProcessAlive ?? processIsAlive,
      host: hostname(),
      heldLocks: new Set(),
      inCache: new Map(),
    }, opened ? { path, opened, ...integrity } : undefined);
  } catch (error) {
    db.close();
    throw asCorrupt(error, path);
  }
}

/**
 * `PRAGMA quick_check` reads every page and checks the b-trees (not index contents against tables, which
 * integrity_check adds at a much higher cost); it answers the single row 'ok' for a sound file.
 */
function checkIntegrity(db: Database.Database, path: string): void {
  const answers = (db.pragma('quick_check') as Array<{ quick_check: string }>).map((r) => r.quick_check);
  if (answers.length === 1 && answers[0] === 'ok') return;
  throw new LedgerError('LEDGER_CORRUPT', `the ledger at ${path} is damaged (quick_check: ${answers.slice(0, 3).join('; ')})`, { path, problems: answers.slice(0, 10) });
}

/** SQLite's "this is not a sound database" answers, from any statement, become LEDGER_CORRUPT. */
function asCorrupt(error: unknown, path: string): unknown {
  const code = (error as { code?: string }).code;
  if (code !== 'SQLITE_CORRUPT' && code !== 'SQLITE_NOTADB' && !code?.startsWith('SQLITE_CORRUPT_')) return error;
  return new LedgerError('LEDGER_CORRUPT', `the ledger at ${path} is damaged (${(error as Error).message})`, { path, sqlite: code }, { cause: error });
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
