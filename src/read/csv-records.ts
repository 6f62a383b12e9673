/**
 * A CSV record parser over decoded text, with the rules of csv-parse under the options the reader used with it
 * (one-character delimiter, `"` quote and escape, `relax_quotes`, `relax_column_count`, `skip_empty_lines: false`,
 * record delimiters `\r\n`, `\n` and `\r` mixed, `max_record_size`, BOM skipped): csv-records.test.ts holds it to
 * csv-parse's output on generated input. csv-parse looks at every byte through several option checks and costs
 * more than everything validate does with a row after it; this scans for the four characters that matter.
 *
 * The rules, as csv-parse applies them:
 * - A field that starts with `"` is quoted: delimiters and line breaks inside are text, `""` is one `"`. Its closing
 *   quote must be followed by the delimiter, a line break or the end; otherwise (`"ab"cd`) the field goes on
 *   unquoted, its quotes kept as text.
 * - A `"` anywhere else is an ordinary character (`Juan "Chato" Pérez`), as Excel reads it.
 * - `\r\n`, `\n` and `\r` all end a record, mixed in one file (files glued together from Windows, Unix and old
 *   Mac exports); a record may have any number of fields (the validator judges short and long rows).
 * - A blank line is a record of one empty field (it still counts as a spreadsheet row); the end of the text after
 *   a line break is not a record.
 * - A quote still open at the end is CSV_QUOTE_NOT_CLOSED; a record longer than the limit (in characters) is
 *   CSV_MAX_RECORD_SIZE, which is also how an unclosed quote early in a large file is caught without reading on.
 */

export type CsvSyntaxCode = 'CSV_QUOTE_NOT_CLOSED' | 'CSV_MAX_RECORD_SIZE';

/** A record that cannot be read; `line` is where it starts (1-based, a `\r\n` counting as one line break). */
export class CsvSyntaxError extends Error {
  override readonly name = 'CsvSyntaxError';

  constructor(
    readonly code: CsvSyntaxCode,
    readonly line: number,
  ) {
    super(`${code === 'CSV_QUOTE_NOT_CLOSED' ? 'quote not closed' : 'record too long'} in the record starting on line ${line}`);
  }
}

export interface CsvRecordParserOptions {
  /** One character: `,` `;` tab `|` … */
  delimiter: string;
  /** Longest record, in characters, before CSV_MAX_RECORD_SIZE. */
  maxRecordChars: number;
}

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

/** A record, or where it would end when the text stops before it does. */
const INCOMPLETE = -1;

/**
 * Feed text with push() as it is decoded, then call end(): each returns the records completed so far. Records
 * split across chunks are kept and finished by a later call.
 */
export class CsvRecordParser {
  /** Records returned so far (blank lines included). */
  records = 0;
  private readonly delimiter: number;
  private readonly maxRecordChars: number;
  /** The start of a record not yet complete. */
  private rest = '';
  private started = false;
  private ended = false;
  /** The line on which the next record starts. */
  private line = 1;

  constructor(options: CsvRecordParserOptions) {
    if (options.delimiter.length !== 1) throw new TypeError(`the delimiter must be one character, got ${JSON.stringify(options.delimiter)}`);
    if (!Number.isSafeInteger(options.maxRecordChars) || options.maxRecordChars < 1) {
      throw new RangeError(`maxRecordChars must be a positive integer, got ${options.maxRecordChars}`);
    }
    this.delimiter = options.delimiter.charCodeAt(0);
    this.maxRecordChars = options.maxRecordChars;
  }

  /** The records that `text`, appended to what came before, completes. */
  push(text: string): string[][] {
    if (this.ended) throw new Error('push after end');
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const out: string[][] = [];
    const all = this.rest.length === 0 ? text : this.rest + text;
    this.rest = all.slice(this.parse(all, false, out));
    return out;
  }

  /** The last records, once the text has ended. */
  end(): string[][] {
    if (this.ended) return [];
    this.ended = true;
    const out: string[][] = [];
    this.parse(this.rest, true, out);
    this.rest = '';
    return out;
  }

  /** Parses whole records from `text` into `out`; returns where the unfinished one starts (text.length if none). */
  private parse(text: string, final: boolean, out: string[][]): number {
    const n = text.length;
    let start = 0;
    while (start < n) {
      const end = this.record(text, start, final, out);
      if (end === INCOMPLETE) return start;
      start = end;
    }
    return n;
  }

  /**
   * Reads the record starting at `start` into `out`; returns where the next one starts, or INCOMPLETE when the
   * text ends first and more may come.
   */
  private record(text: string, start: number, final: boolean, out: string[][]): number {
    const n = text.length;
    const delimiter = this.delimiter;
    const record: string[] = [];
    let size = 0;
    let breaks = 0;
    let p = start;
    for (;;) {
      let field: string;
      let end: number;
      let quoted = false;
      if (p < n && text.charCodeAt(p) === QUOTE) {
        // Quoted: up to a quote that is not doubled.
        let value = '';
        let from = p + 1;
        for (;;) {
          const q = text.indexOf('"', from);
          if (q === -1 || (q + 1 === n && !final)) {
            this.checkSize(size + value.length + (n - from));
            if (!final) return INCOMPLETE;
            throw new CsvSyntaxError('CSV_QUOTE_NOT_CLOSED', this.line);
          }
          if (q + 1 < n && text.charCodeAt(q + 1) === QUOTE) {
            value += text.slice(from, q + 1);
            breaks += lineBreaks(text, from, q);
            from = q + 2;
            continue;
          }
          value += text.slice(from, q);
          breaks += lineBreaks(text, from, q);
          const next = q + 1 < n ? text.charCodeAt(q + 1) : -1;
          if (next === -1 || next === delimiter || next === CR || next === LF) {
            field = value;
            end = q + 1;
            quoted = true;
          } else {
            // Not a closing quote after all: the field goes on unquoted, both quotes kept as text (except before
            // a NUL, which csv-parse takes for the end of the input, closing the quote).
            end = unquotedEnd(text, q + 1, delimiter);
            if (end === n && !final) {
              this.checkSize(size + value.length + (n - q));
              return INCOMPLETE;
            }
            field = next === 0 ? value + text.slice(q + 1, end) : `"${value}"${text.slice(q + 1, end)}`;
            quoted = true;
          }
          break;
        }
      } else {
        end = unquotedEnd(text, p, delimiter);
        if (end === n && !final) {
          this.checkSize(size + (n - p));
          return INCOMPLETE;
        }
        field = text.slice(p, end);
      }
      size += field.length;
      this.checkSize(size);
      record.push(field);

      if (end >= n) {
        // The end of the input (final): a last line with nothing on it is not a record.
        if (record.length > 1 || field.length > 0 || quoted) this.emit(record, breaks, out);
        return n;
      }
      const c = text.charCodeAt(end);
      if (c === delimiter) {
        p = end + 1;
        if (p === n && !final) return INCOMPLETE;
        continue;
      }
      // A line break: \r\n is one, and a \r at the end of the text may be the first half of one.
      let length = 1;
      if (c === CR) {
        if (end + 1 < n) {
          if (text.charCodeAt(end + 1) === LF) length = 2;
        } else if (!final) {
          return INCOMPLETE;
        }
      }
      this.emit(record, breaks + 1, out);
      return end + length;
    }
  }

  private emit(record: string[], breaks: number, out: string[][]): void {
    out.push(record);
    this.records++;
    this.line += breaks;
  }

  private checkSize(size: number): void {
    if (size > this.maxRecordChars) throw new CsvSyntaxError('CSV_MAX_RECORD_SIZE', this.line);
  }
}

/** Where an unquoted field that starts at `from` ends: the next delimiter, \r or \n, or the end of the text. */
function unquotedEnd(text: string, from: number, delimiter: number): number {
  const n = text.length;
  let e = from;
  while (e < n) {
    const c = text.charCodeAt(e);
    if (c === delimiter || c === CR || c === LF) return e;
    e++;
  }
  return n;
}

/** Line breaks in text[from, to): \r\n, \n and \r each count once. */
function lineBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === LF) count++;
    else if (c === CR && text.charCodeAt(i + 1) !== LF) count++;
  }
  return count;
}
