import type { RawCell } from '../domain/payout-row.ts';

/**
 * Scientific notation as Excel shows a long number it has stored as a float: `6.46E+17`, `6,46E+17` in a
 * Spanish locale. By then the trailing digits are gone, so the account cannot be recovered from the text.
 */
const EXPONENT_FORM = /^\d+(?:[.,]\d*)?e[+-]?\d+$/i;

export function looksLikeExponent(text: string): boolean {
  // Nearly every cell has no "e" at all: no need to strip spaces and run the expression over it.
  if (text.indexOf('e') === -1 && text.indexOf('E') === -1) return false;
  return EXPONENT_FORM.test(text.replace(/\s/g, ''));
}

/**
 * True when an account cell can no longer hold the real number: a numeric XLSX cell (Excel keeps 15 significant
 * digits and drops leading zeros, and a CLABE has 18, a CBU 22) or text that is already in exponent form.
 */
export function isAccountPrecisionLost(cell: RawCell): boolean {
  if (cell.type === 'number') return true;
  return looksLikeExponent(cell.text);
}

/** Excel's display of a number it has rounded to 15 significant digits: `1.23457E+15`, always with the `+`. */
const EXCEL_EXPONENT_FORM = /^\d(?:[.,]\d+)?E\+\d+$/i;

/**
 * True when an order_id cell has lost digits the same way: a numeric XLSX cell of 16 or more digits (Excel keeps
 * 15) or Excel's exponent display. Two different order_ids can collapse into one, and a row would then be taken
 * for a duplicate of another. A short numeric order_id (`12345`) is kept exactly and is fine.
 */
export function isOrderIdPrecisionLost(cell: RawCell): boolean {
  if (cell.type === 'number' && Math.abs(cell.number) >= 1e15) return true;
  // The display always has an "E": most order_ids have none, and need no trimming and matching.
  if (cell.text.indexOf('E') === -1 && cell.text.indexOf('e') === -1) return false;
  return EXCEL_EXPONENT_FORM.test(cell.text.trim());
}
