import { csvField } from './csv-line.ts';
import { escapeCell } from './escape-cell.ts';

/**
 * The characters that make a text cell more than itself in a CSV: a delimiter of any locale (`,` `;` tab), a line
 * break (`\n` `\r`) — each quotes the field and may start a cell a reader splits out — and `"`, which is doubled
 * inside quotes and may sit before such a cell's first character. All are below "A" (0x41).
 */
const SPECIAL = new Uint8Array(0x41);
for (const c of [',', ';', '\t', '\n', '\r', '"']) SPECIAL[c.charCodeAt(0)] = 1;

/** The formula triggers of escape-cell.ts that are not also special above: `=` `+` `-` `@`. */
const LEADING_TRIGGER = new Uint8Array(0x41);
for (const c of ['=', '+', '-', '@']) LEADING_TRIGGER[c.charCodeAt(0)] = 1;

/**
 * A text cell as written to a results or report CSV: csvField(escapeCell(text)), the same string (csv-text-field.test.ts),
 * in one pass over a cell that holds none of the special characters — nearly every cell of a payout file. Such a
 * cell can only need a `'` before its first character (a formula trigger there); it never needs quotes. A cell
 * holding any of them takes the two full steps.
 */
export function csvTextField(text: string): string {
  const n = text.length;
  if (n === 0) return text;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x41 && SPECIAL[c] === 1) return csvField(escapeCell(text));
  }
  const first = text.charCodeAt(0);
  return first < 0x41 && LEADING_TRIGGER[first] === 1 ? `'${text}` : text;
}

/**
 * Writes csvTextField(text) as UTF-8 into `bytes` at `at` and returns where it ends. ASCII without a special
 * character, nearly every cell, is copied as it is scanned, with no string made for it; anything else is written
 * from csvTextField. The caller makes room: 9 bytes a UTF-16 unit is always enough (a `"` doubled, a `'` added,
 * each of up to 3 bytes), plus 2 for the quotes.
 */
export function writeCsvText(bytes: Buffer, at: number, text: string): number {
  const n = text.length;
  if (n === 0) return at;
  let end = at;
  const first = text.charCodeAt(0);
  if (first < 0x41 && LEADING_TRIGGER[first] === 1) bytes[end++] = 0x27;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80 || (c < 0x41 && SPECIAL[c] === 1)) return at + bytes.write(csvTextField(text), at);
    bytes[end++] = c;
  }
  return end;
}
