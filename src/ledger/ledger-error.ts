import type { RowStatus } from '../domain/row-status.ts';

/**
 * Ledger failures. None of these is about a bad row (bad rows are data and are recorded as statuses); each one is
 * either a refusal the operator must act on (BATCH_LOCKED) or a bug in the caller (ILLEGAL_TRANSITION,
 * INVALID_INPUT …). Callers branch on `code`, never on the message.
 */
export type LedgerErrorCode =
  | 'ILLEGAL_TRANSITION'
  | 'BATCH_LOCKED'
  | 'BATCH_NOT_LOCKED'
  /**
   * A write for a row whose lease this worker no longer holds (it expired and another worker claimed the row): the
   * write is refused and the worker must leave the row to its new holder.
   */
  | 'LEASE_LOST'
  | 'BATCH_NOT_FOUND'
  | 'ROW_NOT_FOUND'
  | 'INVALID_INPUT'
  | 'LEDGER_TOO_NEW'
  /** SQLite reports the file damaged (quick_check, or a corrupt page / not a database on any statement). */
  | 'LEDGER_CORRUPT'
  /** Opened with `create: false` and there is no file. */
  | 'LEDGER_MISSING'
  | 'LEDGER_CLOSED'
  /** A ledger location that is neither a file path nor a postgres:// / postgresql:// URL (mysql://, http://, file: …). */
  | 'LEDGER_LOCATION_UNSUPPORTED'
  /** The database server cannot be reached or refused the connection (PostgreSQL). */
  | 'LEDGER_UNAVAILABLE'
  /**
   * PostgreSQL ended this process's write transaction because it sat idle inside it past
   * idle_in_transaction_session_timeout (the process was paused, frozen or cut off while holding the writers' lock):
   * the transaction was rolled back, nothing of it written.
   */
  | 'LEDGER_TRANSACTION_ENDED'
  /** The store cannot do this (saveCopy on PostgreSQL: use pg_dump). */
  | 'NOT_SUPPORTED'
  /** An integer read back from the database does not fit a JS number exactly (PostgreSQL bigint > 2^53 - 1). */
  | 'INTEGER_OUT_OF_RANGE';

export class LedgerError extends Error {
  override readonly name: string = 'LedgerError';
  readonly code: LedgerErrorCode;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: LedgerErrorCode, message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.context = context;
  }
}

/** A move the transition table does not allow. Always a bug in the caller, never bad data. */
export class IllegalTransitionError extends LedgerError {
  override readonly name = 'IllegalTransitionError';
  readonly rowId: number;
  readonly from: RowStatus | null;
  readonly to: RowStatus;
  /** The transition's cause ('sent', 'lookup' …); not Error.cause. */
  readonly transitionCause: string;

  constructor(rowId: number, from: RowStatus | null, to: RowStatus, cause: string) {
    super('ILLEGAL_TRANSITION', `row ${rowId}: ${from ?? '(new)'} → ${to} (${cause}) is not an allowed transition`, {
      rowId,
      from,
      to,
      cause,
    });
    this.rowId = rowId;
    this.from = from;
    this.to = to;
    this.transitionCause = cause;
  }
}

/** Who holds a batch lock: enough for the operator to find the process. */
export interface BatchLockOwner {
  pid: number;
  host: string;
  startedAt: Date;
}

/** Another live `run` holds the batch (or one on another host, whose liveness cannot be checked from here). */
export class BatchLockedError extends LedgerError {
  override readonly name = 'BatchLockedError';
  readonly batchId: string;
  readonly owner: BatchLockOwner;

  constructor(batchId: string, owner: BatchLockOwner) {
    super(
      'BATCH_LOCKED',
      `batch ${batchId} is being dispatched by pid ${owner.pid} on ${owner.host} since ${owner.startedAt.toISOString()}`,
      { batchId, owner },
    );
    this.batchId = batchId;
    this.owner = owner;
  }
}

export function isLedgerError(error: unknown): error is LedgerError {
  return error instanceof LedgerError;
}
