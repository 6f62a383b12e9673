import { RunError } from '../run-error.ts';

/**
 * What a payout file may hold before it is refused instead of read. Files come from ERPs, bank portals, e-mail
 * attachments and upload forms; without a bound a 5 MB workbook can ask for gigabytes. Each default is far above any
 * real payout file; each can be raised with its flag or the config's "limits" key.
 */
export interface ReadLimits {
  /** Bytes one ZIP member of a workbook may inflate to. */
  maxMemberBytes: number;
  /** Inflated bytes per compressed byte one ZIP member may reach (only checked past the first MB). */
  maxCompressionRatio: number;
  /** Entries in the shared-strings table. */
  maxSharedStrings: number;
  /** Bytes of the shared-strings part, inflated: all shared strings together. */
  maxSharedStringsBytes: number;
  /** Characters in one cell: 32,767, Excel's own limit. */
  maxCellChars: number;
  /** Columns in one row: 16,384 (XFD), Excel's own limit. */
  maxColumns: number;
  /** Rows in the sheet or the CSV file (blank ones counted). */
  maxRows: number;
  /** Bytes (as UTF-8) of one CSV record: a line, or several when a quoted cell holds line breaks. */
  maxLineBytes: number;
}

export type ReadLimit = keyof ReadLimits;

export const DEFAULT_READ_LIMITS: Readonly<ReadLimits> = {
  maxMemberBytes: 512 * 1024 * 1024,
  maxCompressionRatio: 200,
  maxSharedStrings: 1_000_000,
  maxSharedStringsBytes: 64 * 1024 * 1024,
  maxCellChars: 32_767,
  maxColumns: 16_384,
  maxRows: 2_000_000,
  maxLineBytes: 1024 * 1024,
};

/** The command-line flag of each limit, named in every refusal so the user knows what to raise. */
export const LIMIT_FLAGS: Readonly<Record<ReadLimit, string>> = {
  maxMemberBytes: '--max-member-bytes',
  maxCompressionRatio: '--max-compression-ratio',
  maxSharedStrings: '--max-shared-strings',
  maxSharedStringsBytes: '--max-shared-strings-bytes',
  maxCellChars: '--max-cell-chars',
  maxColumns: '--max-columns',
  maxRows: '--max-rows',
  maxLineBytes: '--max-line-bytes',
};

export const LIMIT_NAMES = Object.keys(DEFAULT_READ_LIMITS) as ReadLimit[];

/** A limit is a positive safe integer (the ratio too: a fractional one buys nothing). */
export function isLimitValue(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/**
 * The limits in force: defaults, then the config's "limits", then the flags (yargs camel-cases --max-rows into
 * maxRows). A bad value is a usage error naming the flag.
 */
export function resolveReadLimits(...layers: ReadonlyArray<Partial<Record<string, unknown>> | undefined>): ReadLimits {
  const limits: ReadLimits = { ...DEFAULT_READ_LIMITS };
  for (const layer of layers) {
    if (!layer) continue;
    for (const name of LIMIT_NAMES) {
      const value = layer[name];
      if (value === undefined) continue;
      if (!isLimitValue(value)) {
        throw new RunError('USAGE', `${LIMIT_FLAGS[name]} must be a positive whole number, got ${JSON.stringify(value)}`, { hint: 'see payout-batch --help' });
      }
      limits[name] = value;
    }
  }
  return limits;
}

/** What a refusal carries as data (STYLE 13): the limit, its value and what the file had. */
export interface LimitDetails {
  limit: ReadLimit;
  max: number;
  found: number;
}

/** The file goes past a limit: one line naming what, how much, the limit and its flag; exit 1. */
export class ReadLimitError extends RunError {
  readonly details: LimitDetails;

  constructor(what: string, details: LimitDetails, options: { where?: string } = {}) {
    const place = options.where ? ` (${options.where})` : '';
    super('FILE_LIMIT', `refused: ${what}${place}; limit ${details.max} (${LIMIT_FLAGS[details.limit]})`, {
      hint: `if the file is genuine, raise the limit with ${LIMIT_FLAGS[details.limit]} or the config's "limits.${details.limit}"`,
    });
    this.details = details;
  }
}
