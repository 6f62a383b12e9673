import { createReadStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { finished, pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify';
import { RESULT_COLUMNS } from '../domain/result-row.ts';
import type { ResultRow } from '../domain/result-row.ts';
import { csvLine, QUOTE_ALSO } from './csv-line.ts';
import { exclusiveWriteStream, makePrivateDir, partialPathFor } from './output-file.ts';
import { resultLineBound, writeResultLine } from './result-line-bytes.ts';
import { patchRecord, resultLine } from './result-record.ts';
import { workbookWords, type WorkbookLang } from '../report/workbook-language.ts';
import { messageText } from '../messages/stored-message.ts';

export { resultRowFromChecked } from './result-row-from-checked.ts';

export type ResultsFormat = 'csv' | 'xlsx' | 'both';
const FORMATS: readonly ResultsFormat[] = ['csv', 'xlsx', 'both'];

const BOM = '\uFEFF';
/** Records gathered before one write to the file (about 400 KB): fewer, larger writes. */
const BATCH_RECORDS = 4096;
/** Bytes handed to the file and not yet written before a write waits for them: about four batches. */
const WRITE_AHEAD_BYTES = 2 * 1024 * 1024;

export const RESULTS_CSV = 'results.csv';
export const RESULTS_XLSX = 'results.xlsx';

export interface ResultsFiles {
  csvPath?: string;
  xlsxPath?: string;
  rows: number;
}

export interface ResultsWriter {
  /** Streaming, in file order (row numbers increasing). Returns a promise when the caller must wait for drain. */
  write(row: ResultRow): void | Promise<void>;
  /** Rewrite rows already written (e.g. a row reported valid that later turned out to be a conflict): applied at finish. */
  patch(rowNumber: number, update: Partial<ResultRow>): void;
  finish(): Promise<ResultsFiles>;
  /** Gives up: closes and removes the partial file. For a run that failed part-way, so nothing half-written stays. */
  abort(): Promise<void>;
}

/**
 * results.csv streamed as rows come, as csv-stringify would write it (UTF-8 with a BOM: without it Excel on
 * Windows opens the file as ANSI and "Peña" shows as "PeÃ±a"), then results.xlsx built from the finished CSV.
 * For 'xlsx' the CSV is only the streaming intermediate and is removed at the end.
 */
export interface ResultsWriterOptions {
  /**
   * The language of results.xlsx (default Spanish), and of the error_message and note texts of both files (the
   * xlsx is made from the csv). results.csv keeps its columns, codes and status words whatever it is.
   */
  lang?: WorkbookLang;
}

export async function createResultsWriter(outDir: string, format: ResultsFormat, options: ResultsWriterOptions = {}): Promise<ResultsWriter> {
  const words = workbookWords(options.lang);
  if (!FORMATS.includes(format)) {
    throw new TypeError(`results format must be one of ${FORMATS.join(', ')}, got ${String(format)}`);
  }
  await makePrivateDir(outDir);
  const csvPath = join(outDir, RESULTS_CSV);
  const xlsxPath = join(outDir, RESULTS_XLSX);
  // Written at a new name of its own (never through a file or symlink already there), renamed into place at finish.
  const streamPath = partialPathFor(csvPath);

  // Room for a few batches in flight: with the default 16 KB every batch waited for its write to finish, and on a
  // busy machine the thread doing the write is not scheduled at once.
  const file = exclusiveWriteStream(streamPath, { highWaterMark: WRITE_AHEAD_BYTES });
  // Opened before the writer is handed out: an unwritable folder fails here, not at some later row or at finish.
  await once(file, 'ready');
  let failure: unknown;
  file.on('error', (error: unknown) => {
    failure ??= error;
  });
  // Records are handed to the file a batch at a time, each line encoded into one buffer as it is made: a write per
  // record would be a million stream writes, and lines kept as strings until a batch is joined outlive the young
  // generation (a line is a tree of pieces), so every collection would copy them.
  const lines = new LineBuffer();
  lines.add(`${BOM}${csvLine(RESULT_COLUMNS)}`);
  let batched = 0;

  const seen = new RowSet();
  const patches = new Map<number, Partial<ResultRow>>();
  let lastRow = 0;
  let rows = 0;
  let state: 'open' | 'finishing' | 'finished' = 'open';

  return {
    write(row) {
      if (state !== 'open') throw new Error('results writer: write after finish');
      if (failure !== undefined) throw failure;
      if (!Number.isSafeInteger(row.row) || row.row <= lastRow) {
        throw new RangeError(`results rows must come in file order: row ${row.row} after row ${lastRow}`);
      }
      const full = lines.addRow(inLanguage(row, words.lang));
      lastRow = row.row;
      seen.add(row.row);
      rows += 1;
      if (++batched < BATCH_RECORDS && !full) return;
      batched = 0;
      const flushed = file.write(lines.take());
      // once() also rejects if the file fails while the caller waits.
      if (!flushed) return once(file, 'drain').then(() => undefined);
    },

    patch(rowNumber, update) {
      if (state !== 'open') throw new Error('results writer: patch after finish');
      if (!seen.has(rowNumber)) throw new RangeError(`results patch for row ${rowNumber}, which was not written`);
      if (update.row !== undefined && update.row !== rowNumber) {
        throw new TypeError(`results patch for row ${rowNumber} cannot change its row number to ${update.row}`);
      }
      patches.set(rowNumber, { ...patches.get(rowNumber), ...inLanguage(update, words.lang) });
    },

    async finish() {
      if (state !== 'open') throw new Error('results writer: finish called twice');
      state = 'finishing';
      if (failure === undefined) {
        file.end(lines.take());
        await finished(file).catch((error: unknown) => {
          failure ??= error;
        });
      }
      // The file could not be written whole (disk full, I/O error): half a results file is removed, not left behind.
      if (failure !== undefined) {
        state = 'finished';
        if (!file.closed) file.destroy();
        await rm(streamPath, { force: true });
        throw failure;
      }

      let complete = streamPath;
      if (patches.size > 0) {
        complete = partialPathFor(csvPath);
        try {
          await applyPatches(streamPath, complete, patches);
        } catch (error) {
          await rm(complete, { force: true });
          throw error;
        }
        await rm(streamPath);
      }

      const files: ResultsFiles = { rows };
      if (format !== 'csv') {
        const xlsxPartial = partialPathFor(xlsxPath);
        try {
          // Loaded here: exceljs is a good part of the start-up of a command that writes only the CSV.
          const { writeResultsXlsx } = await import('./results-xlsx.ts');
          await writeResultsXlsx(complete, xlsxPartial, { words });
        } catch (error) {
          // The CSV stays (as .partial) for whoever investigates; half a zip is of no use to anyone.
          await rm(xlsxPartial, { force: true });
          throw error;
        }
        await rename(xlsxPartial, xlsxPath);
        files.xlsxPath = xlsxPath;
      }
      if (format === 'xlsx') {
        await rm(complete);
      } else {
        await rename(complete, csvPath);
        files.csvPath = csvPath;
      }
      state = 'finished';
      return files;
    },

    async abort() {
      if (state !== 'open') return;
      state = 'finished';
      // A stream that failed (disk full) has already closed: waiting for its 'close' would wait for ever.
      if (!file.closed) {
        const closed = once(file, 'close').catch(() => {});
        file.destroy();
        await closed;
      }
      await rm(streamPath, { force: true });
    },
  };
}

/** Writes every row and finishes; rows may come as they are read (report, sync: from the ledger, page by page). */
export async function writeResultsFile(
  outDir: string,
  format: ResultsFormat,
  rows: Iterable<ResultRow> | AsyncIterable<ResultRow>,
  options: ResultsWriterOptions = {},
): Promise<ResultsFiles> {
  const writer = await createResultsWriter(outDir, format, options);
  for await (const row of rows) await writer.write(row);
  return writer.finish();
}

/**
 * The fix-up pass: patches are rare, so instead of holding rows back the finished stream is read once more and
 * rewritten with the patched rows, record by record.
 */
async function applyPatches(from: string, to: string, patches: Map<number, Partial<ResultRow>>): Promise<void> {
  let isHeader = true;
  await pipeline(
    createReadStream(from),
    parse({ bom: true }),
    async function* (records: AsyncIterable<string[]>) {
      for await (const record of records) {
        if (isHeader) {
          isHeader = false;
          continue;
        }
        const update = patches.get(Number(record[0]));
        yield update ? patchRecord(record, update) : record;
      }
    },
    stringify({ bom: true, header: true, columns: [...RESULT_COLUMNS], quoted_match: QUOTE_ALSO }),
    exclusiveWriteStream(to),
  );
}

/** Bytes a batch of lines may take before it goes to the file: BATCH_RECORDS lines of about 100 bytes fit. */
const BATCH_BYTES = 1 << 19;

/**
 * Lines as UTF-8 in one buffer, each followed by `\n`. The buffer is handed over whole (take) and a new one begun:
 * the stream holds the old one until it is written.
 */
class LineBuffer {
  private bytes = Buffer.allocUnsafe(BATCH_BYTES);
  private used = 0;
  /** Lines too long for what is left, kept as they are, in order. */
  private overflow: Buffer[] = [];

  /** Adds a line; true once the buffer is nearly full. */
  add(line: string): boolean {
    // A UTF-16 unit is at most 3 bytes of UTF-8.
    if (this.used + 3 * line.length + 1 > this.bytes.length) {
      this.overflow.push(this.bytes.subarray(0, this.used), Buffer.from(`${line}\n`));
      this.bytes = Buffer.allocUnsafe(BATCH_BYTES);
      this.used = 0;
      return true;
    }
    this.used += this.bytes.write(line, this.used);
    this.bytes[this.used++] = 0x0a;
    return this.used > this.bytes.length - 4096;
  }

  /** Adds a results row's line (writeResultLine: no string made for it); true once the buffer is nearly full. */
  addRow(row: ResultRow): boolean {
    const bound = resultLineBound(row);
    // A row with cells of tens of kilobytes (what a hostile file may hold) goes the way of any long line.
    if (bound > BATCH_BYTES / 4) return this.add(resultLine(row));
    let full = false;
    if (this.used + bound > this.bytes.length) {
      this.overflow.push(this.bytes.subarray(0, this.used));
      this.bytes = Buffer.allocUnsafe(BATCH_BYTES);
      this.used = 0;
      full = true;
    }
    this.used = writeResultLine(this.bytes, this.used, row);
    return full || this.used > this.bytes.length - 4096;
  }

  /** Everything added since the last take, and a fresh buffer for what comes next. */
  take(): Buffer {
    const taken = this.bytes.subarray(0, this.used);
    const all = this.overflow.length === 0 ? taken : Buffer.concat([...this.overflow, taken]);
    this.overflow = [];
    this.bytes = Buffer.allocUnsafe(BATCH_BYTES);
    this.used = 0;
    return all;
  }
}

/**
 * Which row numbers were written, one bit each: patch() must refuse a row that was never written, and a Set of a
 * million numbers would cost tens of megabytes where this costs 125 KB.
 */
class RowSet {
  private bits = new Uint8Array(1024);

  add(n: number): void {
    const byte = n >>> 3;
    if (byte >= this.bits.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.bits.length * 2));
      grown.set(this.bits);
      this.bits = grown;
    }
    this.bits[byte] = (this.bits[byte] ?? 0) | (1 << (n & 7));
  }

  has(n: number): boolean {
    if (!Number.isSafeInteger(n) || n < 0) return false;
    return (((this.bits[n >>> 3] ?? 0) >> (n & 7)) & 1) === 1;
  }
}

/**
 * A row with its error_message and note written out in `lang` (messages/stored-message.ts): the rows carry the
 * messages' codes and data until a file is written. Plain text (a ledger from before, a provider's words) stays.
 */
function inLanguage<T extends Partial<ResultRow>>(row: T, lang: WorkbookLang): T {
  const stored = (text: string | undefined) => text !== undefined && text.charCodeAt(0) === 0x241e;
  if (!stored(row.error_message) && !stored(row.note)) return row;
  return {
    ...row,
    ...(row.error_message === undefined ? {} : { error_message: messageText(row.error_message, lang) }),
    ...(row.note === undefined ? {} : { note: messageText(row.note, lang) }),
  };
}
