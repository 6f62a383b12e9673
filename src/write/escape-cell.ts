/**
 * Spreadsheet formula injection guard. Outputs never hold live formulas from input: a cell whose text starts with
 * one of these characters is evaluated by Excel, LibreOffice or Google Sheets when the file is opened
 * (OWASP "CSV Injection": `=`, `+`, `-`, `@`, tab 0x09 and carriage return 0x0D). Prefixing a single quote makes
 * every one of them show the text as typed; the quote is what Excel itself uses to mark "this is text".
 */
export const FORMULA_TRIGGERS: readonly string[] = ['=', '+', '-', '@', '\t', '\r'];

const TRIGGER_CODES = new Set(FORMULA_TRIGGERS.map((c) => c.charCodeAt(0)));

/** True when a spreadsheet could evaluate `text` as a formula (or a DDE call) if written as is. */
export function isFormulaLike(text: string): boolean {
  if (text.length === 0) return false;
  const first = text.charCodeAt(0);
  // Every trigger is below "A": one comparison settles nearly every cell (letters, digits above "0" included).
  return first <= 0x40 && TRIGGER_CODES.has(first);
}

/**
 * The text to write in a text cell, CSV or XLSX alike, so both show the same thing. Idempotent: an escaped value
 * starts with `'`, which is not a trigger, so escaping twice (CSV, then CSV → XLSX) adds one quote only.
 */
export function escapeCell(text: string): string {
  return isFormulaLike(text) ? `'${text}` : text;
}
