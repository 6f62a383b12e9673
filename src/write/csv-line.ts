/**
 * One CSV record as text, the way csv-stringify writes it with `,` delimiter, `"` quote and escape, `\n` record
 * delimiter, and `quoted_match: /[;\t]/` (QUOTE_ALSO): a field is quoted when it holds `,` `;` tab, a quote, `\n` or
 * `\r`, and a quote inside is doubled. `;` and tab are quoted too because a spreadsheet whose list separator is `;`
 * (Argentina, most of Europe) or tab reads the file with that delimiter: quoted, the field stays one cell for a
 * reader that honours quotes. (Cells that start with a formula trigger after such a delimiter are escaped in
 * escape-cell.ts, for readers that split inside quotes.) Written out here because the results file is a million
 * records, and a string per record built in one loop costs a fraction of a transform stream's object per record
 * (csv-line.test.ts checks the two agree).
 */
export function csvLine(fields: readonly string[]): string {
  let line = '';
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    if (i > 0) line += ',';
    // Most fields are empty or plain; the first one that needs quotes sends the record the slow way.
    if (field.length === 0) continue;
    if (needsQuotes(field)) return fields.map(csvField).join(',');
    line += field;
  }
  return line;
}

/** The csv-stringify option that quotes what csvLine quotes beyond its defaults. */
export const QUOTE_ALSO = /[;\t]/;

/** A field as csv-stringify writes it: as is, or quoted with its quotes doubled. */
export function csvField(value: string): string {
  return needsQuotes(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function needsQuotes(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    // , ; tab " \n \r
    if (c === 44 || c === 59 || c === 9 || c === 34 || c === 10 || c === 13) return true;
  }
  return false;
}
