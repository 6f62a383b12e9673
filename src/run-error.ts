/**
 * Run-level failures: the file, the configuration or the provider as a whole cannot be used. Row problems are
 * never thrown (they are RowIssues). main.ts is the one place these become exit codes.
 */
export const EXIT = {
  /** Everything in scope is valid, paid or pending; nothing needs attention. */
  OK: 0,
  /** Nothing could be done: unreadable file, bad config, missing credentials, provider unreachable at start. */
  FATAL: 1,
  /** Finished; some rows of the file are not payable (invalid, duplicate, conflict), but no money is in doubt. */
  ROWS_NEED_ATTENTION: 2,
  /**
   * Finished, but money needs attention: payouts failed, are unknown or were not sent; a batch in scope is held by
   * another process; a reconciliation found exceptions or could not compare with a provider; a provider answered a
   * status word we do not know; or the ledger file was deleted or replaced while the run wrote to it.
   */
  MONEY_NEEDS_ATTENTION: 3,
  /** The command line is wrong: unknown flag, missing argument, bad option value (sysexits EX_USAGE). */
  USAGE: 64,
  /** Stopped by SIGINT/SIGTERM after recording what was in flight. */
  INTERRUPTED: 130,
} as const;

export type RunErrorCode =
  | 'FILE_UNREADABLE'
  | 'FILE_EMPTY'
  | 'FILE_FORMAT'
  | 'FILE_ENCODING'
  | 'FILE_LIMIT'
  | 'COLUMNS_MISSING'
  | 'SHEET_NOT_FOUND'
  | 'PROVIDER_UNKNOWN'
  | 'CONFIG_INVALID'
  | 'CREDENTIALS_MISSING'
  | 'PROVIDER_UNREACHABLE'
  | 'INSUFFICIENT_FUNDS'
  | 'BATCH_LOCKED'
  | 'LEDGER_ERROR'
  | 'LEDGER_MISSING'
  | 'INVALID_ROWS_ABORT'
  | 'FILE_RUN_UNDER_OTHER_PROVIDER'
  | 'BATCH_OF_OTHER_ENVIRONMENT'
  | 'CONFIRMATION_REQUIRED'
  /** `status`: neither a batch nor a payout by that id in the ledger. */
  | 'NOT_FOUND'
  /** Some rows name no provider and --provider was not given: the message lists those rows. */
  | 'PROVIDER_MISSING'
  /** --out names a folder that already holds files, and --force was not given (exit 1: nothing was done). */
  | 'OUTPUT_NOT_EMPTY'
  /** A folder an output would go into is a symbolic link (a per-batch folder under --out --force …): never followed (exit 1). */
  | 'OUTPUT_SYMLINK'
  /**
   * The ledger or an output file could not be written (disk full, I/O error). Before any payout could leave: exit 1,
   * nothing was sent. After: the run ends with its summary and exit 3 instead (commands/shared/exit-code.ts).
   */
  | 'STORAGE_FAILED'
  /**
   * `webhooks --target simulator` without --simulator-url: a simulator started in-process would hold none of the
   * payouts the events are about (exit 1).
   */
  /** A signal stopped the command and what it was doing then failed (exit 130). */
  | 'INTERRUPTED'
  | 'USAGE';

export class RunError extends Error {
  override readonly name = 'RunError';
  readonly code: RunErrorCode;
  /** What the user can do about it, appended to the one line printed on stderr. */
  readonly hint: string | undefined;
  readonly exitCode: number;

  constructor(code: RunErrorCode, message: string, options: { hint?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? (code === 'USAGE' ? EXIT.USAGE : EXIT.FATAL);
  }
}

/** The exit code an error ends the process with: a RunError's own, anything else (a bug) FATAL. */
export function exitCodeOfError(error: unknown): number {
  return isRunError(error) ? error.exitCode : EXIT.FATAL;
}

export function isRunError(error: unknown): error is RunError {
  return error instanceof RunError;
}
