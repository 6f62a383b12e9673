import type { Minor } from '../domain/money.ts';
import { assertMinor } from '../domain/money.ts';
import type { ReportScopeOption } from './report-scope.ts';

export type ReportOptionIssue = 'SCOPE_MISSING' | 'SCOPE_AMBIGUOUS' | 'RANGE_INCOMPLETE' | 'DATE_FORMAT' | 'RANGE_INVALID' | 'AMOUNT_FORMAT';

export type Parsed<T> = { value: T } | { issue: ReportOptionIssue; message: string };

const DAY_MS = 86_400_000;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Only times that carry their zone: one without would be read as this machine's local time. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * --batch ID | --all | --from DATE --to DATE, exactly one. Dates are whole UTC days, both ends included
 * (`--from 2026-03-01 --to 2026-03-31` is March); a full ISO instant with its zone is taken as is, `--to` then
 * excluded, as the ledger reads ranges [from, to).
 */
export function parseReportScope(args: { batch?: string; all?: boolean; from?: string; to?: string }): Parsed<ReportScopeOption> {
  const batch = args.batch?.trim();
  const range = args.from !== undefined || args.to !== undefined;
  const given = [batch ? 1 : 0, args.all ? 1 : 0, range ? 1 : 0].reduce((a, b) => a + b, 0);
  if (given === 0) return { issue: 'SCOPE_MISSING', message: 'name what to report: --batch ID, --all, or --from DATE --to DATE' };
  if (given > 1) return { issue: 'SCOPE_AMBIGUOUS', message: 'give only one of --batch, --all, or --from/--to' };
  if (batch) return { value: { batchId: batch } };
  if (args.all) return { value: { all: true } };
  if (args.from === undefined || args.to === undefined) return { issue: 'RANGE_INCOMPLETE', message: '--from and --to go together' };
  const from = parseBound(args.from, 'start');
  const to = parseBound(args.to, 'end');
  if (!from || !to) return { issue: 'DATE_FORMAT', message: `dates are YYYY-MM-DD (UTC days) or ISO times with a zone; got --from ${args.from} --to ${args.to}` };
  if (!(from.getTime() < to.getTime())) return { issue: 'RANGE_INVALID', message: `--to ${args.to} is before --from ${args.from}` };
  return { value: { from, to } };
}

function parseBound(text: string, end: 'start' | 'end'): Date | undefined {
  const t = text.trim();
  const day = DAY.exec(t);
  if (day) {
    const ms = Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3]));
    const date = new Date(ms);
    // Date.UTC rolls 2026-02-30 over to March; a day that does not exist is a typo.
    if (date.getUTCDate() !== Number(day[3]) || date.getUTCMonth() !== Number(day[2]) - 1) return undefined;
    return end === 'start' ? date : new Date(ms + DAY_MS);
  }
  if (!INSTANT.test(t)) return undefined;
  const date = new Date(t);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * --opening-balance: a decimal with at most two places, thousands commas allowed, zero or negative accepted (an
 * account may be overdrawn). Read as digits into minor units, never through a float.
 */
export function parseOpeningBalance(text: string): Parsed<Minor> {
  const m = /^(-?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m) return { issue: 'AMOUNT_FORMAT', message: `--opening-balance must be an amount like 250000.00; got "${text}"` };
  const [, sign, whole = '0', cents = ''] = m;
  const digits = `${whole.replace(/,/g, '')}${cents.padEnd(2, '0')}`.replace(/^0+(?=\d)/, '');
  const minor = Number(digits);
  if (digits.length > 15 || !Number.isSafeInteger(minor)) return { issue: 'AMOUNT_FORMAT', message: `--opening-balance ${text} is too large` };
  const value = sign === '-' ? -minor : minor;
  assertMinor(value, 'opening balance');
  return { value: value === 0 ? 0 : value };
}
