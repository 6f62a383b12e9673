/**
 * A write refused by the storage itself (the disk is full, the device failed, the file system went read-only, the
 * ledger's database server went away or ended the transaction), as opposed to a bug or a refusal by the ledger's
 * rules. Such a failure is the operator's to fix (free space, check the disk or the database); what was recorded
 * before it stays, and running the same file again completes the batch.
 */
export type StorageReason =
  | 'disk full'
  | 'I/O error'
  | 'read-only file system'
  | 'ledger database unreachable'
  | 'ledger database timed out'
  /** The database ended a write transaction of this process that sat idle (the process was paused or cut off). */
  | 'ledger transaction ended by the database';

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
  // The PostgreSQL ledger: the connection lost or refused (LedgerError codes: pg-context.ts turns the socket's own
  // errors into LEDGER_UNAVAILABLE, so a provider's ECONNRESET is never taken for the ledger's; SQLSTATE class 08,
  // server shut down), the session ended for idling in a transaction, or a statement that timed out.
  [/^(LEDGER_TRANSACTION_ENDED|25P03)$/, 'ledger transaction ended by the database'],
  [/^(LEDGER_UNAVAILABLE|08\w{3}|57P0[123])$/, 'ledger database unreachable'],
  [/^57014$/, 'ledger database timed out'],
];

/** What the operator does about a storage failure, as the end of the line that reports it. */
export function storageHint(reason: StorageReason): string {
  switch (reason) {
    case 'disk full':
      return 'free space and run the same file again';
    case 'I/O error':
    case 'read-only file system':
      return 'check the disk and run the same file again';
    case 'ledger database unreachable':
    case 'ledger database timed out':
      return 'check the ledger database and run the same file again';
    case 'ledger transaction ended by the database':
      return 'this process stopped inside a ledger write (paused, frozen or cut off) and its write was not made; run the same file again';
  }
}

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
