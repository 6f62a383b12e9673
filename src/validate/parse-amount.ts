import type { Minor } from '../domain/money.ts';
import type { RawCell } from '../domain/payout-row.ts';
import type { Currency } from '../domain/provider-id.ts';

export type AmountErrorCode =
  | 'AMOUNT_MISSING'
  | 'AMOUNT_FORMAT'
  | 'AMOUNT_NOT_POSITIVE'
  | 'AMOUNT_DECIMALS'
  | 'AMOUNT_TOO_LARGE'
  | 'AMOUNT_IS_DATE';

export type AmountParse = { ok: true; minor: Minor } | { ok: false; code: AmountErrorCode };

/**
 * 999,999,999,999.99: twelve integer digits, far above any payout, so that a misplaced separator is caught, and
 * the minor units (14 digits) stay well inside Number.MAX_SAFE_INTEGER.
 */
export const MAX_AMOUNT_MINOR: Minor = 99_999_999_999_999;
const MAX_INTEGER_DIGITS = 12;

/** How each currency is written: MXN 1,234.56 (comma thousands, decimal point); ARS 1.234,56 (the reverse). */
const SEPARATORS: Readonly<Record<Currency, { decimal: string; thousands: string }>> = {
  MXN: { decimal: '.', thousands: ',' },
  ARS: { decimal: ',', thousands: '.' },
};

/**
 * Decoration around the number: an optional currency code before or after, a sign before or after the `$`, and
 * the `$` itself, with spaces between any of them. The number is digits and separators only, so `1e3`, `12 345`
 * and words never match.
 */
const AMOUNT_SHAPE = /^(?:([A-Za-z]{3})\s*)?([-+\u2212]?)\s*(\$?)\s*([-+\u2212]?)\s*([0-9.,]+)(?:\s*([A-Za-z]{3}))?$/;

const fail = (code: AmountErrorCode): AmountParse => ({ ok: false, code });

/**
 * Parses an amount typed as text into integer minor units, reading the separators the way `currency` writes
 * them. Exact: the digit strings are joined and read as one integer; no float is involved.
 *
 * Accepted: `1,234.56`, `$2,500.00`, `$ 99.90`, `10.5`, `1234`, `MXN 1,234.50` (MXN); `1.234,56`, `2500,5`,
 * `1.500.000` (ARS). Rejected: a separator style that does not fit the currency, malformed thousands groups,
 * more than two decimals, zero or negative amounts (`-5`, `(5.00)`), exponents, and for ARS a lone separator
 * followed by exactly three digits (`12,345`, `1.500`), which could be read either way.
 */
export function parseAmountText(text: string, currency: Currency): AmountParse {
  let s = text.trim();
  if (s === '') return fail('AMOUNT_MISSING');
  // Most cells are bare digits with the currency's decimal mark ("9041.65", "2500,50"): read them directly.
  const plain = plainAmount(s, SEPARATORS[currency].decimal.charCodeAt(0));
  if (plain > 0) return { ok: true, minor: plain };

  // Accounting notation: (5.00) is minus five.
  let negative = false;
  if (s.startsWith('(') && s.endsWith(')')) {
    negative = true;
    s = s.slice(1, -1).trim();
  }

  const m = AMOUNT_SHAPE.exec(s);
  if (!m) return fail('AMOUNT_FORMAT');
  const [, codeBefore, signBeforeDollar, , signAfterDollar, number = '', codeAfter] = m;
  if (codeBefore !== undefined && codeAfter !== undefined) return fail('AMOUNT_FORMAT');
  const code = (codeBefore ?? codeAfter)?.toUpperCase();
  if (code !== undefined && code !== currency) return fail('AMOUNT_FORMAT');
  if (signBeforeDollar && signAfterDollar) return fail('AMOUNT_FORMAT');
  const sign = signBeforeDollar || signAfterDollar;
  if (sign && negative) return fail('AMOUNT_FORMAT');
  if (sign === '-' || sign === '\u2212') negative = true;

  const split = splitDigits(number, currency);
  if (!split.ok) return fail(split.code);
  const { integer, fraction } = split;

  if (/^0*$/.test(integer + fraction) || negative) return fail('AMOUNT_NOT_POSITIVE');
  if (fraction.length > 2) return fail('AMOUNT_DECIMALS');
  const significant = integer.replace(/^0+/, '');
  if (significant.length > MAX_INTEGER_DIGITS) return fail('AMOUNT_TOO_LARGE');
  // At most 12 + 2 digits: the integer is exact.
  return { ok: true, minor: Number(significant + fraction.padEnd(2, '0')) };
}

/**
 * The minor units of an amount written as 1 to 12 digits, then optionally the decimal mark and 1 or 2 digits;
 * -1 for anything else (including zero), which the full parser then judges. Exact: at most 14 digits, read as
 * an integer.
 */
function plainAmount(text: string, decimal: number): number {
  const n = text.length;
  let minor = 0;
  let i = 0;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) break;
    minor = minor * 10 + (c - 48);
  }
  if (i === 0 || i > MAX_INTEGER_DIGITS) return -1;
  minor *= 100;
  if (i < n) {
    const decimals = n - i - 1;
    if (text.charCodeAt(i) !== decimal || decimals < 1 || decimals > 2) return -1;
    for (let k = 1; k <= decimals; k++) {
      const d = text.charCodeAt(i + k) - 48;
      if (d < 0 || d > 9) return -1;
      minor += d * (k === 1 ? 10 : 1);
    }
  }
  return minor > 0 ? minor : -1;
}

type DigitSplit = { ok: true; integer: string; fraction: string } | { ok: false; code: 'AMOUNT_FORMAT' };

/** Splits `1,234.56` (MXN) into integer digits "1234" and fraction digits "56", checking the separators. */
function splitDigits(number: string, currency: Currency): DigitSplit {
  const { decimal, thousands } = SEPARATORS[currency];
  const bad: DigitSplit = { ok: false, code: 'AMOUNT_FORMAT' };

  // ARS: `12,345` is 12.345 by the ARS convention but 12345 to anyone used to MXN, and `1.500` the reverse.
  // A lone separator before exactly three digits is refused rather than guessed.
  if (currency === 'ARS' && /^\d+[.,]\d{3}$/.test(number)) return bad;

  const parts = number.split(decimal);
  if (parts.length > 2) return bad;
  const [integerPart = '', fraction] = parts;
  // Digits on both sides of the decimal separator (`.5` and `5.` are refused); a thousands separator after the
  // decimal one means the other currency's style (`1.500,00` for MXN).
  if (fraction !== undefined && !/^\d+$/.test(fraction)) return bad;

  if (!integerPart.includes(thousands)) {
    return /^\d+$/.test(integerPart) ? { ok: true, integer: integerPart, fraction: fraction ?? '' } : bad;
  }
  // Grouped: 1 to 3 leading digits (not starting with 0), then groups of exactly three.
  const grouped = thousands === ',' ? /^[1-9]\d{0,2}(?:,\d{3})+$/ : /^[1-9]\d{0,2}(?:\.\d{3})+$/;
  if (!grouped.test(integerPart)) return bad;
  return { ok: true, integer: integerPart.split(thousands).join(''), fraction: fraction ?? '' };
}

/**
 * Converts an XLSX numeric cell to minor units. The float is what Excel stored, so it is accepted when it is a
 * whole number of cents up to float noise: |x·100 − round(x·100)| must be under max(1e-6, |x·100|·2⁻⁵⁰). The stored
 * double is within half an ulp (|x|·2⁻⁵³) of the typed amount and ×100 adds another half ulp, so the noise is under
 * |x·100|·2⁻⁵²; the bound leaves a 4× margin for sums and stays below 0.1 cent even at the upper limit, far from the
 * 0.5 cent that a third decimal makes (10.005 → 1000.4999…, rejected). 0.1 + 0.2 gives 30 cents.
 */
export function amountFromNumber(value: number): AmountParse {
  if (!Number.isFinite(value)) return fail('AMOUNT_FORMAT');
  if (value <= 0) return fail('AMOUNT_NOT_POSITIVE');
  const scaled = value * 100;
  const minor = Math.round(scaled);
  if (minor > MAX_AMOUNT_MINOR) return fail('AMOUNT_TOO_LARGE');
  const tolerance = Math.max(1e-6, Math.abs(scaled) * 2 ** -50);
  if (Math.abs(scaled - minor) >= tolerance) return fail('AMOUNT_DECIMALS');
  if (minor === 0) return fail('AMOUNT_NOT_POSITIVE');
  return { ok: true, minor };
}

/**
 * Reads an amount cell. Text (CSV, or an XLSX text cell) is parsed as typed; a formula by its result text, as if
 * typed; a numeric XLSX cell by its value; a date is refused as such, since Excel turns `1.5` or `3/4` into dates.
 */
export function parseAmountCell(cell: RawCell | undefined, currency: Currency): AmountParse {
  if (cell === undefined) return fail('AMOUNT_MISSING');
  switch (cell.type) {
    case 'text':
    case 'formula':
      return parseAmountText(cell.text, currency);
    case 'number':
      return amountFromNumber(cell.number);
    case 'date':
      return fail('AMOUNT_IS_DATE');
    case 'boolean':
      return cell.text.trim() === '' ? fail('AMOUNT_MISSING') : fail('AMOUNT_FORMAT');
  }
}
