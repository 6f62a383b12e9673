import { checkTimeZone, startOfLocalDay } from '../domain/local-time.ts';
import type { Minor } from '../domain/money.ts';
import { assertMinor } from '../domain/money.ts';
import { isProviderId, PROVIDER_IDS, type ProviderId } from '../domain/provider-id.ts';
import type { ReportScopeOption } from './report-scope.ts';

export type ReportOptionIssue = 'SCOPE_MISSING' | 'SCOPE_AMBIGUOUS' | 'RANGE_INCOMPLETE' | 'DATE_FORMAT' | 'RANGE_INVALID' | 'AMOUNT_FORMAT' | 'TIME_ZONE' | 'PROVIDER_UNKNOWN' | 'OPENING_BALANCE_REPEATED';

export type Parsed<T> = { value: T } | { issue: ReportOptionIssue; message: string };

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Only times that carry their zone: one without would be read as this machine's local time. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * --batch ID | --all | --from DATE --to DATE, exactly one. Dates are whole days in `zone` (the providers' country,
 * or --tz), both ends included (`--from 2026-03-01 --to 2026-03-31` is March as Mexico City lives it: an evening
 * payout of the 31st, already April in UTC, is in); a full ISO instant with its zone is taken as is, `--to` then
 * excluded, as the ledger reads ranges [from, to).
 */
export function parseReportScope(args: { batch?: string; all?: boolean; from?: string; to?: string }, zone = 'UTC'): Parsed<ReportScopeOption> {
  const batch = args.batch?.trim();
  const range = args.from !== undefined || args.to !== undefined;
  const given = [batch ? 1 : 0, args.all ? 1 : 0, range ? 1 : 0].reduce((a, b) => a + b, 0);
  if (given === 0) return { issue: 'SCOPE_MISSING', message: 'name what to report: --batch ID, --all, or --from DATE --to DATE' };
  if (given > 1) return { issue: 'SCOPE_AMBIGUOUS', message: 'give only one of --batch, --all, or --from/--to' };
  if (batch) return { value: { batchId: batch } };
  if (args.all) return { value: { all: true } };
  if (args.from === undefined || args.to === undefined) return { issue: 'RANGE_INCOMPLETE', message: '--from and --to go together' };
  const from = parseBound(args.from, 'start', zone);
  const to = parseBound(args.to, 'end', zone);
  if (!from || !to) return { issue: 'DATE_FORMAT', message: `dates are YYYY-MM-DD (days in ${zone}) or ISO times with a zone; got --from ${args.from} --to ${args.to}` };
  if (!(from.getTime() < to.getTime())) return { issue: 'RANGE_INVALID', message: `--to ${args.to} is before --from ${args.from}` };
  const days = DAY.test(args.from.trim()) && DAY.test(args.to.trim()) ? { days: { from: args.from.trim(), to: args.to.trim(), zone } } : {};
  return { value: { from, to, ...days } };
}

function parseBound(text: string, end: 'start' | 'end', zone: string): Date | undefined {
  const t = text.trim();
  const day = DAY.exec(t);
  if (day) {
    const [y, m, d] = [Number(day[1]), Number(day[2]), Number(day[3])];
    const check = new Date(Date.UTC(y, m - 1, d));
    // Date.UTC rolls 2026-02-30 over to March; a day that does not exist is a typo.
    if (check.getUTCDate() !== d || check.getUTCMonth() !== m - 1) return undefined;
    if (end === 'start') return startOfLocalDay(y, m, d, zone);
    const next = new Date(Date.UTC(y, m - 1, d + 1));
    return startOfLocalDay(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), zone);
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
  if (!m) return { issue: 'AMOUNT_FORMAT', message: `--opening-balance must be an amount like 250000.00 (or PROVIDER=AMOUNT, e.g. zenrise=250000.00); got "${text}"` };
  const [, sign, whole = '0', cents = ''] = m;
  const digits = `${whole.replace(/,/g, '')}${cents.padEnd(2, '0')}`.replace(/^0+(?=\d)/, '');
  const minor = Number(digits);
  if (digits.length > 15 || !Number.isSafeInteger(minor)) return { issue: 'AMOUNT_FORMAT', message: `--opening-balance ${text} is too large` };
  const value = sign === '-' ? -minor : minor;
  assertMinor(value, 'opening balance');
  return { value: value === 0 ? 0 : value };
}

/** --tz / config "timeZone": an IANA zone name Intl knows, returned in its canonical spelling. */
export function parseTimeZone(text: string): Parsed<string> {
  const zone = checkTimeZone(text);
  if (!zone) return { issue: 'TIME_ZONE', message: `--tz must be an IANA time zone such as America/Mexico_City or UTC; got "${text}"` };
  return { value: zone };
}

/** What the --opening-balance values say: one amount for a single-account scope, or an amount per provider. */
export interface OpeningBalances {
  /** A bare amount: the scope must hold one provider account. */
  single?: Minor;
  byProvider: Map<ProviderId, Minor>;
}

/**
 * --opening-balance, repeatable: `AMOUNT` (a scope of one account) or `PROVIDER=AMOUNT` (that provider's account,
 * whatever else the scope holds). A provider given twice, or two bare amounts, is a typo, not a choice.
 */
export function parseOpeningBalances(values: readonly string[]): Parsed<OpeningBalances> {
  const result: OpeningBalances = { byProvider: new Map() };
  for (const raw of values) {
    const text = String(raw);
    const eq = text.indexOf('=');
    const amount = parseOpeningBalance(eq < 0 ? text : text.slice(eq + 1));
    if ('issue' in amount) return amount;
    if (eq < 0) {
      if (result.single !== undefined) return { issue: 'OPENING_BALANCE_REPEATED', message: 'give one bare --opening-balance, or one PROVIDER=AMOUNT per provider' };
      result.single = amount.value;
      continue;
    }
    const provider = text.slice(0, eq).trim().toLowerCase();
    if (!isProviderId(provider)) return { issue: 'PROVIDER_UNKNOWN', message: `--opening-balance ${text}: unknown provider "${provider}" (expected one of ${PROVIDER_IDS.join(', ')})` };
    if (result.byProvider.has(provider)) return { issue: 'OPENING_BALANCE_REPEATED', message: `--opening-balance names ${provider} twice` };
    result.byProvider.set(provider, amount.value);
  }
  if (result.single !== undefined && result.byProvider.size > 0) {
    return { issue: 'OPENING_BALANCE_REPEATED', message: 'give either one bare --opening-balance or PROVIDER=AMOUNT values, not both' };
  }
  return { value: result };
}
