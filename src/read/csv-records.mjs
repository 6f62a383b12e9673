// Plain JavaScript (typed by JSDoc, checked by tsc): the CSV parsing thread loads it without a TypeScript loader.
import { Parser } from 'csv-parse';

/** @typedef {import('csv-parse').CsvError} CsvError */

/**
 * CSV records from decoded text, a chunk at a time, parsed by csv-parse. Its streaming Transform would cost one
 * stream round trip per record; its engine (`Parser#api`, the same one csv-parse's own stream and sync APIs drive)
 * parses a whole chunk synchronously and hands back every record it completes, so the reader awaits once per 64 KB.
 *
 * Options, chosen for files people export from Excel and banking systems:
 * - `relax_quotes`: a `"` inside an unquoted field is text (`Juan "Chato" Pérez`), as Excel reads it;
 * - `relax_column_count`: any number of fields per record (the validator judges short and long rows);
 * - `record_delimiter` `\r\n`, `\n` and `\r`, mixed (files glued together from Windows, Unix and old Mac exports);
 * - `skip_empty_lines: false`: a blank line still counts as a spreadsheet row;
 * - `max_record_size`: a quote opened and never closed swallows the rest of the file; stopping at the limit bounds
 *   memory and the time to say so.
 */

/**
 * CSV_QUOTE_NOT_CLOSED: a quoted cell runs past maxRecordChars or the end of the file; CSV_MAX_RECORD_SIZE: an
 * unquoted record longer than maxRecordChars; CSV_MAX_COLUMNS, CSV_MAX_CELL: more fields, or a longer one, than allowed.
 * @typedef {'CSV_QUOTE_NOT_CLOSED' | 'CSV_MAX_RECORD_SIZE' | 'CSV_MAX_COLUMNS' | 'CSV_MAX_CELL'} CsvSyntaxCode
 */

/** @type {Record<CsvSyntaxCode, string>} */
const CSV_SYNTAX_TEXT = {
  CSV_QUOTE_NOT_CLOSED: 'quote not closed',
  CSV_MAX_RECORD_SIZE: 'record too long',
  CSV_MAX_COLUMNS: 'too many fields',
  CSV_MAX_CELL: 'field too long',
};

/** A record that cannot be read; `line` is where it starts (1-based, a `\r\n` counting as one line break). */
export class CsvSyntaxError extends Error {
  /**
   * @param {CsvSyntaxCode} code
   * @param {number} line
   * @param {{ cause?: unknown, found?: number }} [options]
   */
  constructor(code, line, options) {
    super(`${CSV_SYNTAX_TEXT[code]} in the record starting on line ${line}`, options);
    /** @readonly What went past the limit: fields in the record, or characters in the field (0 when unknown). */
    this.found = options?.found ?? 0;
    this.name = 'CsvSyntaxError';
    /** @readonly */
    this.code = code;
    /** @readonly */
    this.line = line;
  }
}

/**
 * @typedef {object} CsvRecordParserOptions
 * @property {string} delimiter One character: `,` `;` tab `|` …
 * @property {number} maxRecordChars Longest record, in characters, before CSV_MAX_RECORD_SIZE.
 * @property {number} [maxColumns] Most fields in one record, before CSV_MAX_COLUMNS.
 * @property {number} [maxCellChars] Longest field, in characters, before CSV_MAX_CELL.
 */

/**
 * The part of csv-parse's engine this module drives (`Parser#api`).
 * @typedef {object} CsvParseEngine
 * @property {(buffer: Buffer | undefined, end: boolean, push: (record: string[]) => void, close: () => void) => CsvError | undefined} parse
 * @property {{ lines: number }} info
 * @property {{ quoting: boolean }} state
 */

/**
 * Feed text with push() as it is decoded, then call end(): each returns the records completed so far. Records
 * split across chunks are kept by csv-parse and finished by a later call.
 */
export class CsvRecordParser {
  /** Records returned so far (blank lines included). */
  records = 0;
  /** @type {string[][]} */
  #out = [];
  /** The line on which the next record starts. */
  #line = 1;
  #ended = false;
  /** A high surrogate that ended the last text chunk, waiting for its low half. */
  #pendingHalf = '';
  /** @type {CsvParseEngine} */
  #engine;
  #maxColumns = Infinity;
  #maxCellChars = Infinity;
  /** @type {CsvSyntaxError | undefined} */
  #limitError;
  /** @param {string[]} record */
  #collect = (record) => {
    if (this.#limitError) return;
    if (record.length > this.#maxColumns) {
      this.#limitError = new CsvSyntaxError('CSV_MAX_COLUMNS', this.#line, { found: record.length });
      return;
    }
    for (let i = 0; i < record.length; i++) {
      const length = /** @type {string} */ (record[i]).length;
      if (length > this.#maxCellChars) {
        this.#limitError = new CsvSyntaxError('CSV_MAX_CELL', this.#line, { found: length });
        return;
      }
    }
    this.#out.push(record);
    this.records++;
    // info.lines is the line of this record's delimiter (csv-parse counts a CRLF inside a quoted cell as two
    // lines): the next record starts on the line after it.
    this.#line = this.#engine.info.lines + 1;
  };

  /** @param {CsvRecordParserOptions} options */
  constructor(options) {
    if (options.delimiter.length !== 1) throw new TypeError(`the delimiter must be one character, got ${JSON.stringify(options.delimiter)}`);
    if (!Number.isSafeInteger(options.maxRecordChars) || options.maxRecordChars < 1) {
      throw new RangeError(`maxRecordChars must be a positive integer, got ${options.maxRecordChars}`);
    }
    this.#maxColumns = options.maxColumns ?? Infinity;
    this.#maxCellChars = options.maxCellChars ?? Infinity;
    const parser = new Parser({
      delimiter: options.delimiter,
      quote: '"',
      escape: '"',
      bom: true,
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: false,
      record_delimiter: ['\r\n', '\n', '\r'],
      max_record_size: options.maxRecordChars,
    });
    this.#engine = /** @type {{ api: CsvParseEngine }} */ (/** @type {unknown} */ (parser)).api;
  }

  /** The records that `chunk` (decoded text, or UTF-8 bytes already checked), appended to what came before, completes. */
  /**
   * @param {string | Buffer} chunk
   * @returns {string[][]}
   */
  push(chunk) {
    if (this.#ended) throw new Error('push after end');
    if (typeof chunk !== 'string') return this.#run(chunk, false);
    // A decoder may end a chunk between the two halves of a surrogate pair (an emoji in UTF-16): keep the first
    // half for the next chunk, or the pair would be encoded as two replacement characters.
    let text = this.#pendingHalf + chunk;
    this.#pendingHalf = '';
    const last = text.charCodeAt(text.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      this.#pendingHalf = text.slice(-1);
      text = text.slice(0, -1);
    }
    return this.#run(Buffer.from(text, 'utf8'), false);
  }

  /** The last records, once the text has ended. */
  /** @returns {string[][]} */
  end() {
    if (this.#ended) return [];
    this.#ended = true;
    const records = this.#pendingHalf ? this.#run(Buffer.from(this.#pendingHalf, 'utf8'), false) : [];
    return [...records, ...this.#run(undefined, true)];
  }

  /**
   * @param {Buffer | undefined} buffer
   * @param {boolean} end
   * @returns {string[][]}
   */
  #run(buffer, end) {
    this.#out = [];
    const error = this.#engine.parse(buffer, end, this.#collect, () => {});
    if (this.#limitError) throw this.#limitError;
    if (error) {
      // A record too long inside a quoted cell is a quote opened and never closed swallowing the lines after it.
      if (error.code === 'CSV_MAX_RECORD_SIZE' && this.#engine.state.quoting) throw new CsvSyntaxError('CSV_QUOTE_NOT_CLOSED', this.#line, { cause: error });
      if (error.code === 'CSV_QUOTE_NOT_CLOSED' || error.code === 'CSV_MAX_RECORD_SIZE') throw new CsvSyntaxError(error.code, this.#line, { cause: error });
      throw error;
    }
    return this.#out;
  }
}
