import { createReadStream } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { CanonicalField, RawCell, RawRow } from '../domain/payout-row.ts';
import { RunError } from '../run-error.ts';
import { csvFileRecords } from './csv-file-records.mjs';
import { CsvRecordParser, CsvSyntaxError } from './csv-records.mjs';
import { packRecords, type CsvThreadData, type CsvThreadMessage, type PackedRecords } from './csv-thread-protocol.mjs';
import type { TextEncoding } from './detect-encoding.ts';
import { columnPlan, type FieldIndexes, type PeekedRecord, type RecordReader } from './record-reader.ts';
import { threadBatches } from './thread-batches.ts';
import { creditCounter } from './thread-credits.mjs';
import { NotUtf8Error } from './utf8-guard.mjs';
import { DEFAULT_READ_LIMITS, ReadLimitError, type ReadLimits } from './read-limits.ts';

/** Batches (2,048 records, about 200 KB of text each) the parsing thread may have in flight: enough to keep both cores busy. */
const THREAD_CREDITS = 4;
/** Rows per batch handed to the caller: objects that live through a young-generation collection cost a copy each. */
const ROWS_PER_YIELD = 256;


export interface CsvReadOptions {
  encoding: TextEncoding;
  delimiter: string;
  /** The first line is Excel's `sep=…`: not a row. */
  sepLine: boolean;
  limits?: ReadLimits;
  /**
   * Parse on this thread rather than a thread of its own: for a file whose lines are plain (csv-quick-split.mjs),
   * which take so little to split that handing them to the main thread costs more than the split.
   */
  parseHere?: boolean;
}

/** The line (counting LFs) a byte offset falls on: only computed when something there has to be pointed at. */
async function lineAt(path: string, offset: number): Promise<number> {
  let line = 1;
  if (offset <= 0) return line;
  for await (const chunk of createReadStream(path, { end: offset - 1 })) {
    const bytes = chunk as Buffer;
    for (let at = bytes.indexOf(0x0a); at !== -1; at = bytes.indexOf(0x0a, at + 1)) line++;
  }
  return line;
}

/** Whether text[at, at + length) is all whitespace (as trim() sees it); a printable ASCII first character settles it. */
function isBlankText(text: string, at: number, length: number): boolean {
  const c = text.charCodeAt(at);
  if (c > 0x20 && c < 0x7f) return false;
  return text.slice(at, at + length).trim().length === 0;
}

function isBlank(record: readonly string[]): boolean {
  for (let i = 0; i < record.length; i++) {
    const cell = record[i]!;
    if (cell.length !== 0 && cell.trim().length !== 0) return false;
  }
  return true;
}

/**
 * Reads CSV records, parsed on a thread of their own (csv-parse-worker.mjs) so that the main thread validates one
 * batch while the next is being parsed, or, for a file of plain lines (parseHere), on this thread: splitting those
 * costs less than the trip between threads.
 */
export class CsvRecordReader implements RecordReader {
  private readonly worker: Worker | undefined;
  /** Records that failed to parse follow this many records (from the parsing thread's error). */
  private recordsBeforeFailure = 0;
  /**
   * Records a batch at a time (one await per 2,048 records, not per record), as the thread packed them: the data
   * rows are cut straight out of the packed text, with no array of strings per record in between.
   */
  private readonly chunks: AsyncGenerator<PackedRecords>;
  private packed: PackedRecords = { text: '', widths: new Uint32Array(0), lengths: new Uint32Array(0) };
  /** The next record of `packed`: its index, the index of its first field, and where its text starts. */
  private recordAt = 0;
  private fieldAt = 0;
  private textAt = 0;
  private readonly queue: Array<{ row: number; record: string[] }> = [];
  /** Records read so far, blank ones included: the spreadsheet row of the last one. */
  private row = 0;
  private sepLinePending: boolean;
  private readonly sepLine: boolean;
  private readonly limits: ReadLimits;

  constructor(
    private readonly path: string,
    options: CsvReadOptions,
  ) {
    this.sepLine = options.sepLine;
    this.sepLinePending = options.sepLine;
    this.limits = options.limits ?? DEFAULT_READ_LIMITS;
    const data: CsvThreadData = {
      path,
      delimiter: options.delimiter,
      ...(options.encoding.iconv ? { iconv: options.encoding.iconv } : {}),
      // No payout row comes near the line limit; a quoted record that does is a quote opened and never closed
      // swallowing the lines after it, and stopping there bounds both memory and the time to say so.
      maxRecordChars: this.limits.maxLineBytes,
      maxColumns: this.limits.maxColumns,
      maxCellChars: this.limits.maxCellChars,
      credits: creditCounter(THREAD_CREDITS),
    };
    if (options.parseHere) {
      this.worker = undefined;
      this.chunks = this.parseHere(data);
      return;
    }
    // The thread only turns 64 KB chunks into short-lived strings, but a batch's records live until it is packed:
    // with a 6 MB young generation it spent a fifth of its time collecting; 16 MB costs a little memory, not time.
    this.worker = new Worker(new URL('./csv-parse-worker.mjs', import.meta.url), { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: 48 } });
    this.chunks = threadBatches(this.worker, data.credits, (message: CsvThreadMessage) => {
      if (message.type === 'end') return undefined;
      if (message.type === 'error') throw this.threadError(message);
      return message;
    });
  }

  /** The records parsed on this thread, a chunk of the file at a time, packed as the parsing thread packs them. */
  private async *parseHere(data: CsvThreadData): AsyncGenerator<PackedRecords> {
    const parser = new CsvRecordParser({ delimiter: data.delimiter, maxRecordChars: data.maxRecordChars, maxColumns: data.maxColumns, maxCellChars: data.maxCellChars });
    try {
      for await (const records of csvFileRecords(data.path, data.iconv, parser)) if (records.length > 0) yield packRecords(records);
    } catch (error) {
      if (error instanceof CsvSyntaxError) this.recordsBeforeFailure = parser.records;
      throw error;
    }
  }

  private threadError(message: Extract<CsvThreadMessage, { type: 'error' }>): Error {
    if (message.kind === 'syntax') {
      this.recordsBeforeFailure = message.records;
      return new CsvSyntaxError(message.code, message.line, { found: message.found });
    }
    if (message.kind === 'utf8') return new NotUtf8Error(message.offset);
    return Object.assign(new Error(message.message), message.code ? { code: message.code } : {});
  }

  /** Waits for a chunk when this one is used up; false at the end of the file. */
  private async nextChunk(): Promise<boolean> {
    while (this.recordAt >= this.packed.widths.length) {
      let result: IteratorResult<PackedRecords>;
      try {
        result = await this.chunks.next();
      } catch (error) {
        throw await this.failure(error);
      }
      if (result.done) return false;
      this.packed = result.value;
      this.recordAt = 0;
      this.fieldAt = 0;
      this.textAt = 0;
    }
    return true;
  }

  /** The next record of the file, blank or not, as its fields. */
  private async nextRecord(): Promise<string[] | undefined> {
    if (!(await this.nextChunk())) return undefined;
    const { text, widths, lengths } = this.packed;
    const width = widths[this.recordAt++]!;
    const record = new Array<string>(width);
    for (let i = 0; i < width; i++) {
      const length = lengths[this.fieldAt++]!;
      record[i] = text.slice(this.textAt, this.textAt + length);
      this.textAt += length;
    }
    return record;
  }

  private async skipSepLine(): Promise<void> {
    if (!this.sepLinePending) return;
    this.sepLinePending = false;
    await this.nextRecord();
  }

  private async next(): Promise<string[] | undefined> {
    await this.skipSepLine();
    const record = await this.nextRecord();
    if (record === undefined) return undefined;
    this.countRow();
    return record;
  }

  /** One more record (a spreadsheet row); past the row limit the file is refused. */
  private countRow(): number {
    if (++this.row > this.limits.maxRows) {
      throw new ReadLimitError(`${this.path} has more than ${this.limits.maxRows} rows`, { limit: 'maxRows', max: this.limits.maxRows, found: this.row });
    }
    return this.row;
  }

  async peek(): Promise<PeekedRecord | undefined> {
    for (;;) {
      const record = await this.next();
      if (record === undefined) return undefined;
      if (isBlank(record)) continue;
      this.queue.push({ row: this.row, record });
      return { row: this.row, texts: record };
    }
  }

  drop(count: number): void {
    this.queue.splice(0, count);
  }

  async *batches(indexes: FieldIndexes): AsyncGenerator<RawRow[]> {
    const { fields, positions } = columnPlan(indexes);
    const width = fields.length;
    const toRow = (record: string[], row: number): RawRow => {
      const cells: Partial<Record<CanonicalField, RawCell>> = {};
      for (let i = 0; i < width; i++) {
        const text = record[positions[i]!];
        // An empty cell is an absent one, as in XLSX; whitespace is kept for the validator to judge.
        if (text !== undefined && text !== '') cells[fields[i]!] = { type: 'text', text };
      }
      return { row, cells };
    };
    try {
      if (this.queue.length > 0) yield this.queue.splice(0).map(({ row, record }) => toRow(record, row));
      await this.skipSepLine();
      /** Where each field of the current record starts in the packed text, up to the last column a field is in. */
      let lastPosition = -1;
      for (const position of positions) lastPosition = Math.max(lastPosition, position);
      const starts = new Int32Array(lastPosition + 1);
      // The hot loop: the records of a chunk of text become rows synchronously, each wanted cell sliced out of the
      // chunk's text once.
      while (await this.nextChunk()) {
        let rows: RawRow[] = [];
        const { text, widths, lengths } = this.packed;
        let fieldAt = this.fieldAt;
        let textAt = this.textAt;
        for (let r = this.recordAt; r < widths.length; r++) {
          const recordWidth = widths[r]!;
          const row = this.countRow();
          let blank = true;
          let at = textAt;
          for (let i = 0; i < recordWidth; i++) {
            const length = lengths[fieldAt + i]!;
            if (i <= lastPosition) starts[i] = at;
            if (blank && length > 0 && !isBlankText(text, at, length)) blank = false;
            at += length;
          }
          if (!blank) {
            const cells: Partial<Record<CanonicalField, RawCell>> = {};
            for (let k = 0; k < width; k++) {
              const position = positions[k]!;
              if (position >= recordWidth) continue;
              const length = lengths[fieldAt + position]!;
              // An empty cell is an absent one, as in XLSX; whitespace is kept for the validator to judge.
              if (length !== 0) cells[fields[k]!] = { type: 'text', text: text.slice(starts[position]!, starts[position]! + length) };
            }
            rows.push({ row, cells });
          }
          fieldAt += recordWidth;
          textAt = at;
          this.recordAt = r + 1;
          this.fieldAt = fieldAt;
          this.textAt = textAt;
          // A few hundred rows at a time, though the thread sends thousands: rows handed on soon die young.
          if (rows.length === ROWS_PER_YIELD) {
            yield rows;
            rows = [];
          }
        }
        if (rows.length > 0) yield rows;
      }
    } finally {
      this.close();
    }
  }

  close(): void {
    void this.chunks.return(undefined).catch(() => {});
    void this.worker?.terminate();
  }

  /** The spreadsheet row a record that failed to parse would have had. */
  private failingRow(): number {
    return this.recordsBeforeFailure + 1 - (this.sepLine ? 1 : 0);
  }

  private async failure(error: unknown): Promise<RunError> {
    if (error instanceof RunError) return error;
    if (error instanceof NotUtf8Error) {
      const line = await lineAt(this.path, error.offset).catch(() => undefined);
      return new RunError('FILE_ENCODING', `${this.path} is not valid UTF-8${line === undefined ? '' : ` on line ${line}`} (byte ${error.offset}), though other parts of it are: it mixes encodings`, {
        hint: 'fix that line, or save the whole file again as "CSV UTF-8"; if it is all in one other encoding, name it with --encoding (e.g. --encoding windows-1252)',
        cause: error,
      });
    }
    if (error instanceof CsvSyntaxError && error.code !== 'CSV_QUOTE_NOT_CLOSED') {
      const { maxLineBytes, maxColumns, maxCellChars } = this.limits;
      const where = `row ${this.failingRow()}, line ${error.line}`;
      if (error.code === 'CSV_MAX_COLUMNS') return new ReadLimitError(`${this.path} has ${error.found} columns in ${where}`, { limit: 'maxColumns', max: maxColumns, found: error.found });
      if (error.code === 'CSV_MAX_CELL') return new ReadLimitError(`${this.path} has a cell of ${error.found} characters in ${where}`, { limit: 'maxCellChars', max: maxCellChars, found: error.found });
      return new ReadLimitError(`${this.path} has a line longer than ${maxLineBytes} bytes (${where})`, { limit: 'maxLineBytes', max: maxLineBytes, found: maxLineBytes + 1 });
    }
    if (error instanceof CsvSyntaxError) {
      const line = error.line;
      const row = this.failingRow();
      return new RunError('FILE_FORMAT', `unclosed quote: the quoted cell in row ${row}, starting on line ${line}, never ends`, {
        hint: `close the quote (a " inside a quoted cell is written "") on line ${line} of the file`,
        cause: error,
      });
    }
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ERR_WORKER_OUT_OF_MEMORY') {
      return new RunError('FILE_LIMIT', `refused: reading ${this.path} needs more memory than its parsing thread may use`, {
        hint: 'lower the read limits (see "Limits" in the README) or split the file',
        cause: error,
      });
    }
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      return new RunError('FILE_UNREADABLE', `cannot read ${this.path} (${code})`, {
        hint: 'check the path and that the file is not open exclusively in another program',
        cause: error,
      });
    }
    return new RunError('FILE_FORMAT', `the CSV cannot be read: ${error instanceof Error ? error.message : String(error)}`, {
      hint: 'open it in Excel and save it again as "CSV UTF-8"',
      cause: error,
    });
  }
}
