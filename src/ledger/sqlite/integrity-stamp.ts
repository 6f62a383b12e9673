import type { FileIdentity } from '../ledger-file-identity.ts';
import { closeSync, constants, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';

/**
 * When the full `PRAGMA quick_check` may be skipped at open.
 *
 * quick_check reads every page of the file: on a ledger of millions of rows it costs more than planning a batch.
 * What it guards against is a file damaged or edited behind the tool's back (a bad copy, emptied index pages, a
 * restore gone wrong), since a damaged unique index would let a key be claimed twice. So the check is skipped only
 * when the file provably has not changed since this tool last had it sound and closed it cleanly:
 *
 * - after a full check passes, the open remembers when it ran;
 * - at a clean close, once the last connection has folded the WAL back into the file (no `-wal` left with content),
 *   a stamp of the file is written next to it (`<ledger>-checked`, 0600): device, inode, size, modification and
 *   status-change times in nanoseconds, and when the last full check ran;
 * - the stamp is removed as the ledger opens, so a process killed while it has the ledger open leaves none;
 * - at open, the check is skipped only when the stamp names exactly the file there now (same device and inode, same
 *   size, same mtime and ctime — ctime is set by the kernel on any write or metadata change and cannot be set back by
 *   `touch`), no `-wal` with content is present (another process has it open, or one died), and the last full check is
 *   younger than the period (default 24 hours). Anything else — no stamp, an unreadable one, a copy, a replaced or
 *   edited file, a crash — runs the full check.
 */
export interface FileState {
  readonly dev: bigint;
  readonly ino: bigint;
  readonly size: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
}

export interface IntegrityStamp extends FileState {
  /** When the last full quick_check of this file passed. */
  readonly checkedAt: Date;
}

/** Default period after which a full check runs even on an untouched file. */
export const FULL_CHECK_PERIOD_MS = 24 * 60 * 60 * 1000;

export function stampPath(ledgerPath: string): string {
  return `${ledgerPath}-checked`;
}

/** The file's state, or undefined when it is missing or a `-wal` with content sits beside it. */
export function settledFileState(ledgerPath: string): FileState | undefined {
  const wal = statSync(`${ledgerPath}-wal`, { bigint: true, throwIfNoEntry: false });
  if (wal && wal.size > 0n) return undefined;
  const st = statSync(ledgerPath, { bigint: true, throwIfNoEntry: false });
  if (!st || !st.isFile()) return undefined;
  return { dev: st.dev, ino: st.ino, size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs };
}

const DIGITS = /^\d{1,30}$/;

/** Reads a stamp; anything but a well-formed one (hostile, truncated, another version) is none. */
export function readStamp(ledgerPath: string): IntegrityStamp | undefined {
  let text: string;
  try {
    const st = statSync(stampPath(ledgerPath), { throwIfNoEntry: false });
    if (!st || !st.isFile() || st.size > 4096) return undefined;
    text = readFileSync(stampPath(ledgerPath), 'utf8');
  } catch {
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const p = parsed as Record<string, unknown>;
  if (p.version !== 1) return undefined;
  const fields = ['dev', 'ino', 'size', 'mtime_ns', 'ctime_ns'] as const;
  for (const f of fields) if (typeof p[f] !== 'string' || !DIGITS.test(p[f])) return undefined;
  if (typeof p.checked_at !== 'string') return undefined;
  const checkedAt = new Date(p.checked_at);
  if (Number.isNaN(checkedAt.getTime())) return undefined;
  return {
    dev: BigInt(p.dev as string),
    ino: BigInt(p.ino as string),
    size: BigInt(p.size as string),
    mtimeNs: BigInt(p.mtime_ns as string),
    ctimeNs: BigInt(p.ctime_ns as string),
    checkedAt,
  };
}

/** Whether the stamp vouches for the file as it is now (see the module comment). */
export function stampVouches(stamp: IntegrityStamp | undefined, state: FileState | undefined, now: Date, periodMs: number): boolean {
  if (!stamp || !state) return false;
  const age = now.getTime() - stamp.checkedAt.getTime();
  if (age < 0 || age >= periodMs) return false;
  return (
    stamp.dev === state.dev &&
    stamp.ino === state.ino &&
    stamp.size === state.size &&
    stamp.mtimeNs === state.mtimeNs &&
    stamp.ctimeNs === state.ctimeNs
  );
}

/** Removes the stamp (at open: a process that dies with the ledger open leaves none). */
export function removeStamp(ledgerPath: string): void {
  rmSync(stampPath(ledgerPath), { force: true });
}

/**
 * Writes the stamp for the file as it is now, if it is settled (no `-wal` with content: another connection still
 * has it open, and its writes would come after the stamp). Written to a temporary name (0600, never through a
 * symlink) and renamed over the old one. Best effort: a stamp that cannot be written only means a full check next time.
 */
export function writeStamp(ledgerPath: string, checkedAt: Date, opened: FileIdentity): boolean {
  const state = settledFileState(ledgerPath);
  if (!state || state.dev !== opened.dev || state.ino !== opened.ino) return false;
  const body = JSON.stringify({
    version: 1,
    dev: state.dev.toString(),
    ino: state.ino.toString(),
    size: state.size.toString(),
    mtime_ns: state.mtimeNs.toString(),
    ctime_ns: state.ctimeNs.toString(),
    checked_at: checkedAt.toISOString(),
  });
  const temp = `${stampPath(ledgerPath)}.${process.pid}.tmp`;
  try {
    const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      writeSync(fd, body);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, stampPath(ledgerPath));
    return true;
  } catch {
    rmSync(temp, { force: true });
    return false;
  }
}
