import { formatMinor, parseCanonicalMinor } from '../domain/money.ts';
import type { Minor } from '../domain/money.ts';
import { parseAmountText } from '../validate/parse-amount.ts';

const CANONICAL_AMOUNT = /^-?\d+\.\d{2}$/;

/** True for an amount in the canonical form formatMinor writes ("1234.56", "-0.05"): one we produced ourselves. */
export function isCanonicalAmount(text: string): boolean {
  return CANONICAL_AMOUNT.test(text);
}

/** 123456789 → "1,234,567.89" for people: the canonical decimal with thousands separators, still exact. */
export function formatMinorGrouped(minor: Minor): string {
  const canonical = formatMinor(minor);
  const negative = canonical.startsWith('-');
  const [whole = '0', cents = '00'] = (negative ? canonical.slice(1) : canonical).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+$)/g, ',');
  return `${negative ? '-' : ''}${grouped}.${cents}`;
}

/**
 * The value of an XLSX amount cell. This is the one place an amount becomes a float, and only for display in a
 * spreadsheet: integer cents divided by 100 once gives the nearest double to the decimal, which Excel shows
 * exactly with two decimals. Amounts are never read back from the spreadsheet.
 */
export function spreadsheetAmount(canonical: string): number {
  return parseCanonicalMinor(canonical) / 100;
}

/**
 * Number formats for XLSX amount cells. Both currencies use "$", so the ISO code ([$MXN] is Excel's own
 * currency-code syntax) is what tells pesos from pesos in a sheet with both; negatives in red with a leading
 * minus, as finance reads statements.
 */
export function amountNumFmt(currency: string): string {
  if (currency === 'MXN' || currency === 'ARS') return `[$${currency}] #,##0.00;[Red]-[$${currency}] #,##0.00`;
  return '#,##0.00;[Red]-#,##0.00';
}

/**
 * An amount the file wrote that was not kept as minor units (the row was invalid for this or another reason),
 * read the way validation reads it, for display only: the number when it parses in a known currency, else
 * nothing. The original text is always shown beside it.
 */
export function parsedAmountOf(text: string, currency: string, providerCurrency?: string): { minor: Minor; currency: string } | undefined {
  const code = currency.trim().toUpperCase() || providerCurrency || '';
  if (code !== 'MXN' && code !== 'ARS') return undefined;
  const parsed = parseAmountText(text, code);
  return parsed.ok ? { minor: parsed.minor, currency: code } : undefined;
}
