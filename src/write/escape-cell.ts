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
 * Characters some spreadsheet splits a CSV line at: `,` (most), `;` (where `,` is the decimal mark: Argentina, most
 * of Europe), tab (a paste, a .tsv reading), and the line breaks. A reader that uses another delimiter than the
 * file's starts a new cell right after one of them, inside what was written as one field — even inside quotes.
 */
const SPLITTER_CODES = new Set([',', ';', '\t', '\n', '\r'].map((c) => c.charCodeAt(0)));
const QUOTE = 34;

/**
 * Every splitter and trigger is below "A" (0x41): one table of flags for those codes, so the loop over a cell's
 * characters costs one comparison for a letter or digit above "@" and one array read for the rest.
 */
const SPLITTER = 1;
const TRIGGER = 2;
const FLAGS = new Uint8Array(0x41);
for (const code of SPLITTER_CODES) FLAGS[code]! |= SPLITTER;
for (const code of TRIGGER_CODES) FLAGS[code]! |= TRIGGER;

/**
 * The text to write in a text cell, CSV or XLSX alike, so both show the same thing: a quote before a formula trigger
 * that starts the text, and before one that starts a cell any locale would split out — right after `,` `;` tab or a
 * line break (past any `"` there, or at the start, which a reader takes for the cell's quoting): `x;=cmd|' /C calc'!A0;` is
 * written `x;'=cmd|' /C calc'!A0;`, so Excel with `;` as list separator shows `'=cmd…` as text.
 * Idempotent: an escaped value has `'` before each trigger, which is not one, so escaping twice (CSV, then
 * CSV → XLSX) adds nothing.
 */
export function escapeCell(text: string): string {
  const n = text.length;
  let result = '';
  let last = 0;
  // Position 0 starts a cell as every splitter does: i is the splitter before the cell (-1 for the first one).
  for (let i = -1; ; ) {
    let j = i + 1;
    while (j < n && text.charCodeAt(j) === QUOTE) j++;
    if (j < n) {
      const c = text.charCodeAt(j);
      if (c < 0x41 && (FLAGS[c]! & TRIGGER) !== 0) {
        result += `${text.slice(last, j)}'`;
        last = j;
      }
    }
    // The next splitter after i.
    for (i++; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x41 && (FLAGS[c]! & SPLITTER) !== 0) break;
    }
    if (i >= n) break;
  }
  return result === '' ? text : result + text.slice(last);
}
