import { createReadStream } from 'node:fs';
import { pipeline, type Transform } from 'node:stream';
import { CsvError, Parser } from 'csv-parse';
import iconv from 'iconv-lite';
import type { CanonicalField, RawCell, RawRow } from '../domain/payout-row.ts';
import { RunError } from '../run-error.ts';
import type { TextEncoding } from './detect-encoding.ts';
import { columnPlan, type FieldIndexes, type PeekedRecord, type RecordReader } from './record-reader.ts';
import { NotUtf8Error, Utf8Guard } from './utf8-guard.ts';

/**
 * No payout row comes near this; a record that does is a quote opened and never closed swallowing the lines
 * after it, and stopping there bounds both memory and the time to say so.
 */
const MAX_RECORD_BYTES = 1 << 20;

export interface CsvReadOptions {
  encoding: TextEncoding;
  delimiter: string;
  /** The first line is Excel's `sep=…`: not a row. */
  sepLine: boolean;
}

/** csv-parse that remembers where the last complete record ended, to point at the start of one that never ends. */
class LineTrackingParser extends Parser {
  lastRecordLine = 0;

  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk !== null) this.lastRecordLine = this.info.lines;
    return super.push(chunk, encoding);
  }
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

function isBlank(record: readonly string[]): boolean {
  for (let i = 0; i < record.length; i++) {
    const cell = record[i]!;
    if (cell.length !== 0 && cell.trim().length !== 0) return false;
  }
  return true;
}

export class CsvRecordReader implements RecordReader {
  private readonly parser: LineTrackingParser;
  private readonly records: AsyncIterator<string[]>;
  private readonly queue: Array<{ row: number; record: string[] }> = [];
  /** Records read so far, blank ones included: the spreadsheet row of the last one. */
  private row = 0;
  private sepLinePending: boolean;
  private readonly sepLine: boolean;

  constructor(
    private readonly path: string,
    options: CsvReadOptions,
  ) {
    this.sepLine = options.sepLine;
    this.sepLinePending = options.sepLine;
    this.parser = new LineTrackingParser({
      delimiter: options.delimiter,
      quote: '"',
      escape: '"',
      bom: true,
      // Rows shorter or longer than the header are the validator's business, not a reason to stop reading.
      relax_column_count: true,
      // A quote inside an unquoted cell (Juan "Chato" Pérez) is text, as Excel reads it.
      relax_quotes: true,
      // Blank lines still count as spreadsheet rows, so they come through and are skipped here.
      skip_empty_lines: false,
      // Files glued together from Windows, Unix and old Mac exports mix line endings.
      record_delimiter: ['\r\n', '\n', '\r'],
      max_record_size: MAX_RECORD_BYTES,
    });
    const source = createReadStream(path, { highWaterMark: 1 << 16 });
    const check: Transform = options.encoding.iconv
      ? (iconv.decodeStream(options.encoding.iconv) as Transform)
      : new Utf8Guard();
    // Any stage's error reaches the parser, whose iterator then throws it; the callback has nothing left to do.
    pipeline(source, check, this.parser, () => {});
    this.records = this.parser[Symbol.asyncIterator]();
  }

  private async skipSepLine(): Promise<void> {
    if (!this.sepLinePending) return;
    this.sepLinePending = false;
    try {
      await this.records.next();
    } catch (error) {
      throw await this.failure(error);
    }
  }

  private async next(): Promise<string[] | undefined> {
    await this.skipSepLine();
    let result: IteratorResult<string[]>;
    try {
      result = await this.records.next();
    } catch (error) {
      throw await this.failure(error);
    }
    if (result.done) return undefined;
    this.row++;
    return result.value;
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

  async *rows(indexes: FieldIndexes): AsyncGenerator<RawRow> {
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
      while (this.queue.length > 0) {
        const { row, record } = this.queue.shift()!;
        yield toRow(record, row);
      }
      await this.skipSepLine();
      // The hot loop: the parser's iterator is read directly, one await per record.
      for (;;) {
        let result: IteratorResult<string[]>;
        try {
          result = await this.records.next();
        } catch (error) {
          throw await this.failure(error);
        }
        if (result.done) return;
        const row = ++this.row;
        if (isBlank(result.value)) continue;
        yield toRow(result.value, row);
      }
    } finally {
      this.close();
    }
  }

  close(): void {
    this.parser.destroy();
  }

  /** The spreadsheet row a record that failed to parse would have had. */
  private failingRow(): number {
    return this.parser.info.records + 1 - (this.sepLine ? 1 : 0);
  }

  private async failure(error: unknown): Promise<RunError> {
    if (error instanceof RunError) return error;
    if (error instanceof NotUtf8Error) {
      const line = await lineAt(this.path, error.offset).catch(() => undefined);
      return new RunError('FILE_ENCODING', `the file is not valid UTF-8${line === undefined ? '' : ` on line ${line}`} (byte ${error.offset}), though its beginning is`, {
        hint: 'open it in Excel and save it again as "CSV UTF-8", then retry',
        cause: error,
      });
    }
    if (error instanceof CsvError) {
      const line = this.parser.lastRecordLine + 1;
      const row = this.failingRow();
      if (error.code === 'CSV_QUOTE_NOT_CLOSED' || error.code === 'CSV_MAX_RECORD_SIZE') {
        return new RunError('FILE_FORMAT', `unclosed quote: the quoted cell in row ${row}, starting on line ${line}, never ends`, {
          hint: `close the quote (a " inside a quoted cell is written "") on line ${line} of the file`,
          cause: error,
        });
      }
      return new RunError('FILE_FORMAT', `the CSV cannot be parsed at row ${row} (line ${line}): ${error.code}`, {
        hint: 'open it in Excel and save it again as "CSV UTF-8"',
        cause: error,
      });
    }
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
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
