/**
 * A write refused by the storage itself (the disk is full, the device failed, the file system went read-only), as
 * opposed to a bug or a refusal by the ledger's rules. Such a failure is the operator's to fix (free space, check the
 * disk); what was recorded before it stays, and running the same file again completes the batch.
 */
export type StorageReason = 'disk full' | 'I/O error' | 'read-only file system';

export interface StorageFailure {
  reason: StorageReason;
  /** The system's or the database's own code (ENOSPC, SQLITE_FULL, 53100 …). */
  code: string;
}

// errno codes (Node fs), SQLite result codes (better-sqlite3's SqliteError.code, extended codes included) and
// PostgreSQL SQLSTATEs (class 53 insufficient resources, 58030 io_error).
const BY_CODE: ReadonlyArray<[RegExp, StorageReason]> = [
  [/^(ENOSPC|EDQUOT|EFBIG|SQLITE_FULL|53100)$/, 'disk full'],
  [/^(EIO|SQLITE_IOERR(_\w+)?|58030)$/, 'I/O error'],
  [/^(EROFS|SQLITE_READONLY(_\w+)?)$/, 'read-only file system'],
];

/** The storage failure behind `error` (itself or one of its causes), or undefined for any other error. */
export function storageFailureOf(error: unknown): StorageFailure | undefined {
  for (let at = error, depth = 0; at !== undefined && at !== null && depth < 8; depth++) {
    const code = (at as { code?: unknown }).code;
    if (typeof code === 'string') {
      const match = BY_CODE.find(([pattern]) => pattern.test(code));
      if (match) return { reason: match[1], code };
    }
    at = (at as { cause?: unknown }).cause;
  }
  return undefined;
}
