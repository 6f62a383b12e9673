// Plain JavaScript (typed by JSDoc, checked by tsc): the CSV parsing thread loads it without a TypeScript loader.
import { isAscii } from 'node:buffer';
import { Parser } from 'csv-parse';
import { splitPlainLines } from './csv-quick-split.mjs';

/** @typedef {import('csv-parse').CsvError} CsvError */

/**
 * CSV records from decoded text, a chunk at a time: plain lines by the quick split (csv-quick-split.mjs), every
 * other line by csv-parse, with the options below (the split reads a plain line as they make csv-parse read it).
 * csv-parse's streaming Transform would cost one stream round trip per record; its engine (`Parser#api`, the same
 * one csv-parse's own stream and sync APIs drive) parses a whole chunk synchronously and hands back every record it
 * completes, so the reader awaits once per 64 KB.
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
 * @property {{ lines: number, bytes: number }} info
 * @property {{ quoting: boolean, record: string[] }} state
 */

const EMPTY = Buffer.alloc(0);
const LF = 0x0a;
const CR = 0x0d;

/**
 * Where the last whole line of `data` ends: after its last "\n", or after a last "\r" that cannot be the first half
 * of a "\r\n" split between two chunks; 0 when there is no line break yet.
 * @param {Buffer} data
 * @returns {number}
 */
function lineBreakEnd(data) {
  const lf = data.lastIndexOf(LF);
  let cr = data.lastIndexOf(CR);
  if (cr === data.length - 1) cr = cr === 0 ? -1 : data.lastIndexOf(CR, cr - 1);
  return Math.max(lf, cr) + 1;
}

/**
 * Feed text with push() as it is decoded, then call end(): each returns the records completed so far. Records
 * split across chunks are kept and finished by a later call.
 *
 * Lines are read by the quick split (csv-quick-split.mjs) while they are plain; at the first that is not, csv-parse
 * takes over from the start of that line (a record boundary, where its state is what it is at the start of a file)
 * and reads on, streaming, until a chunk it is fed ends less than a chunk after the last record it completed: the
 * quick split then goes on from there. Both give the same records; src/read/csv-records.test.ts holds them side by
 * side with csv-parse over whole generated files.
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
  /** @type {Record<string, unknown>} */
  #engineOptions;
  /** csv-parse's engine while it reads; undefined while the quick split does. @type {CsvParseEngine | undefined} */
  #engine;
  /** The file line before the engine's first (its info.lines counts from 1 where it started). */
  #lineBase = 0;
  /** Bytes fed to the engine, and the offset after the last record it completed (in the same count). */
  #fed = 0;
  #recordEnd = 0;
  /** Bytes not yet read into records, from the start of a record (quick split). */
  #pending = EMPTY;
  /** Nothing read yet: a BOM may start the text. */
  #atStart = true;
  /** The quick split is off for a delimiter it cannot cut at (a quote or a line break). */
  #quick = true;
  #delimiter = ',';
  #maxLineChars = 0;
  #maxRecordChars = 0;
  #maxColumns = Infinity;
  #maxPartialFields = Infinity;
  #maxCellChars = Infinity;
  /** @type {CsvSyntaxError | undefined} */
  #limitError;

  /**
   * Checks a record against the column and cell limits, and takes it.
   * @param {string[]} record
   * @returns {boolean} false past a limit (#limitError says which)
   */
  #accept(record) {
    if (record.length > this.#maxColumns) {
      this.#limitError = new CsvSyntaxError('CSV_MAX_COLUMNS', this.#line, { found: record.length });
      return false;
    }
    for (let i = 0; i < record.length; i++) {
      const length = /** @type {string} */ (record[i]).length;
      if (length > this.#maxCellChars) {
        this.#limitError = new CsvSyntaxError('CSV_MAX_CELL', this.#line, { found: length });
        return false;
      }
    }
    this.#out.push(record);
    this.records++;
    return true;
  }

  /** @param {string[]} record */
  #collect = (record) => {
    if (this.#limitError || !this.#accept(record)) return;
    const engine = /** @type {CsvParseEngine} */ (this.#engine);
    // info.lines is the line of this record's delimiter (csv-parse counts a CRLF inside a quoted cell as two
    // lines): the next record starts on the line after it. info.bytes is where that delimiter ends.
    this.#line = this.#lineBase + engine.info.lines + 1;
    this.#recordEnd = engine.info.bytes;
  };

  /** @param {CsvRecordParserOptions} options */
  constructor(options) {
    if (options.delimiter.length !== 1) throw new TypeError(`the delimiter must be one character, got ${JSON.stringify(options.delimiter)}`);
    if (!Number.isSafeInteger(options.maxRecordChars) || options.maxRecordChars < 1) {
      throw new RangeError(`maxRecordChars must be a positive integer, got ${options.maxRecordChars}`);
    }
    this.#maxRecordChars = options.maxRecordChars;
    // csv-parse counts a record's size in characters of its finished fields plus bytes of the one being read: a
    // line of at most a third as many UTF-16 units as the limit (3 UTF-8 bytes per unit at most) never reaches it.
    this.#maxLineChars = Math.floor(options.maxRecordChars / 3);
    this.#maxColumns = options.maxColumns ?? Infinity;
    this.#maxPartialFields = Math.max(4 * this.#maxColumns, 2_000_000);
    this.#maxCellChars = options.maxCellChars ?? Infinity;
    this.#delimiter = options.delimiter;
    this.#quick = !['"', '\r', '\n'].includes(options.delimiter);
    // The BOM is taken off by the quick split, at the start of the text, before either reads.
    this.#engineOptions = {
      delimiter: options.delimiter,
      quote: '"',
      escape: '"',
      bom: false,
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: false,
      record_delimiter: ['\r\n', '\n', '\r'],
      max_record_size: options.maxRecordChars,
    };
  }

  /** The records that `chunk` (decoded text, or UTF-8 bytes already checked), appended to what came before, completes. */
  /**
   * @param {string | Buffer} chunk
   * @returns {string[][]}
   */
  push(chunk) {
    if (this.#ended) throw new Error('push after end');
    this.#out = [];
    this.#read(this.#bytes(chunk), false);
    return this.#out;
  }

  /** The last records, once the text has ended. */
  /** @returns {string[][]} */
  end() {
    if (this.#ended) return [];
    this.#ended = true;
    this.#out = [];
    const half = this.#pendingHalf;
    this.#pendingHalf = '';
    if (half) this.#read(Buffer.from(half, 'utf8'), false);
    this.#read(undefined, true);
    return this.#out;
  }

  /**
   * @param {string | Buffer} chunk
   * @returns {Buffer}
   */
  #bytes(chunk) {
    if (typeof chunk !== 'string') return chunk;
    // A decoder may end a chunk between the two halves of a surrogate pair (an emoji in UTF-16): keep the first
    // half for the next chunk, or the pair would be encoded as two replacement characters.
    let text = this.#pendingHalf + chunk;
    this.#pendingHalf = '';
    const last = text.charCodeAt(text.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      this.#pendingHalf = text.slice(-1);
      text = text.slice(0, -1);
    }
    return Buffer.from(text, 'utf8');
  }

  /**
   * @param {Buffer | undefined} bytes
   * @param {boolean} end
   */
  #read(bytes, end) {
    if (this.#engine) this.#feed(bytes, end);
    else this.#split(bytes, end);
  }

  /**
   * The quick split over what is pending and `bytes`; csv-parse from the first line it leaves.
   * @param {Buffer | undefined} bytes
   * @param {boolean} end
   */
  #split(bytes, end) {
    const data = bytes === undefined || bytes.length === 0 ? this.#pending : this.#pending.length === 0 ? bytes : Buffer.concat([this.#pending, bytes]);
    let start = 0;
    if (this.#atStart) {
      // Not enough to tell a BOM yet.
      if (data.length < 3 && !end) {
        this.#pending = Buffer.from(data);
        return;
      }
      this.#atStart = false;
      if (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) start = 3;
    }
    if (!this.#quick) {
      this.#pending = EMPTY;
      this.#start(data.subarray(start), end);
      return;
    }
    const cut = end ? data.length : Math.max(start, lineBreakEnd(data));
    let stop = cut;
    if (cut > start) {
      const text = data.toString('utf8', start, cut);
      /** @type {string[][]} */
      const records = [];
      const at = splitPlainLines(text, this.#delimiter, this.#maxLineChars, records);
      for (const record of records) {
        if (!this.#accept(record)) throw /** @type {CsvSyntaxError} */ (this.#limitError);
        this.#line++;
      }
      if (at < text.length) {
        // A line the split leaves: csv-parse reads from its start, this chunk and the next ones.
        stop = start + (isAscii(data.subarray(start, cut)) ? at : Buffer.byteLength(text.slice(0, at), 'utf8'));
        this.#pending = EMPTY;
        this.#start(data.subarray(stop), end);
        return;
      }
    }
    this.#pending = stop === data.length ? EMPTY : Buffer.from(data.subarray(stop));
    // A line longer than the limit has no line break yet: csv-parse says whether it is one record too long or a
    // quoted cell never closed.
    if (this.#pending.length > this.#maxRecordChars) {
      const pending = this.#pending;
      this.#pending = EMPTY;
      this.#start(pending, end);
    }
  }

  /**
   * csv-parse from a record boundary, with `bytes` its first.
   * @param {Buffer} bytes
   * @param {boolean} end
   */
  #start(bytes, end) {
    this.#engine = /** @type {{ api: CsvParseEngine }} */ (/** @type {unknown} */ (new Parser(this.#engineOptions))).api;
    this.#lineBase = this.#line - 1;
    this.#fed = 0;
    this.#recordEnd = 0;
    this.#feed(bytes, end);
  }

  /**
   * @param {Buffer | undefined} bytes
   * @param {boolean} end
   */
  #feed(bytes, end) {
    const engine = /** @type {CsvParseEngine} */ (this.#engine);
    const error = engine.parse(bytes, end, this.#collect, () => {});
    if (this.#limitError) throw this.#limitError;
    if (error) {
      // A record too long inside a quoted cell is a quote opened and never closed swallowing the lines after it.
      if (error.code === 'CSV_MAX_RECORD_SIZE' && engine.state.quoting) throw new CsvSyntaxError('CSV_QUOTE_NOT_CLOSED', this.#line, { cause: error });
      if (error.code === 'CSV_QUOTE_NOT_CLOSED' || error.code === 'CSV_MAX_RECORD_SIZE') throw new CsvSyntaxError(error.code, this.#line, { cause: error });
      throw error;
    }
    // A record is only checked against the column limit once it ends; empty fields count for nothing in csv-parse's
    // record size, so one line of commas would otherwise grow without bound first (on the main thread, with no heap
    // limit of its own). Past far more fields than any limit a file is refused with what was counted so far.
    const partial = engine.state.record.length;
    if (partial > this.#maxPartialFields) throw new CsvSyntaxError('CSV_MAX_COLUMNS', this.#line, { found: partial });
    if (end || bytes === undefined || !this.#quick) return;
    this.#fed += bytes.length;
    // The record csv-parse is in the middle of began within these bytes: the quick split reads it again.
    const unfinished = this.#fed - this.#recordEnd;
    if (unfinished <= bytes.length) {
      this.#engine = undefined;
      this.#pending = unfinished === 0 ? EMPTY : Buffer.from(bytes.subarray(bytes.length - unfinished));
    }
  }
}
