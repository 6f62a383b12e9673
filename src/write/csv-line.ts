/**
 * One CSV record as text, the way csv-stringify writes it with its defaults (`,` delimiter, `"` quote and escape,
 * `\n` record delimiter): a field is quoted when it holds a delimiter, a quote, `\n` or `\r`, and a quote inside is
 * doubled. Written out here because the results file is a million records, and a string per record built in one
 * loop costs a fraction of a transform stream's object per record (csv-line.test.ts checks the two agree).
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

/** A field as csv-stringify writes it: as is, or quoted with its quotes doubled. */
export function csvField(value: string): string {
  return needsQuotes(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function needsQuotes(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    // , " \n \r
    if (c === 44 || c === 34 || c === 10 || c === 13) return true;
  }
  return false;
}
