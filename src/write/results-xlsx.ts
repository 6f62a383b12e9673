import { createReadStream } from 'node:fs';
import { exclusiveWriteStream } from './output-file.ts';
import type { WriteStream } from 'node:fs';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import { RESULT_COLUMNS } from '../domain/result-row.ts';
import { escapeCell } from './escape-cell.ts';
import { amountNumFmt, isCanonicalAmount, spreadsheetAmount } from './format-amount.ts';
import { RESULT_INDEX } from './result-record.ts';

/** Excel's sheet limit is 1,048,576 rows; one is the header. Past it the results go on to "Results 2". */
export const EXCEL_MAX_DATA_ROWS = 1_048_575;
/** Excel refuses (and "repairs" away) cells longer than this. */
const EXCEL_MAX_CELL_CHARS = 32_767;
const SHEET_NAME = 'Results';
const WIDTH_SAMPLE_ROWS = 2_000;
const MIN_WIDTH = 6;
const MAX_WIDTH = 60;
/** Only times that carry their zone: JavaScript reads one without as local time, which would break the UTC label. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
/** Excel date cells have no time zone; the label keeps a reader in Mexico City from taking UTC for local time. */
const DATE_FMT = 'yyyy-mm-dd hh:mm:ss "UTC"';
const DATE_WIDTH = 'yyyy-mm-dd hh:mm:ss UTC'.length + 2;

const HEADER_STYLE: Partial<ExcelJS.Style> = { font: { bold: true } };
// Shared style objects: exceljs caches the style id per object, so one object per format keeps a million cells
// from each becoming a style lookup.
const PLAIN_STYLE: Partial<ExcelJS.Style> = {};
const DATE_STYLE: Partial<ExcelJS.Style> = { numFmt: DATE_FMT };
const amountStyles = new Map<string, Partial<ExcelJS.Style>>();
function amountStyle(currency: string): Partial<ExcelJS.Style> {
  let style = amountStyles.get(currency);
  if (!style) {
    style = { numFmt: amountNumFmt(currency) };
    amountStyles.set(currency, style);
  }
  return style;
}

const COL = RESULT_INDEX;
const COLUMN_COUNT = RESULT_COLUMNS.length;
/** undefined, not null, for an empty cell: exceljs creates (and styles, and writes) a cell for every null. */
type CellValue = string | number | Date | undefined;

export interface ResultsXlsxOptions {
  /** Data rows per sheet before rolling over to the next; Excel's limit unless a test needs a small one. */
  rowsPerSheet?: number;
}

/**
 * Streams our own results.csv into results.xlsx with exceljs's streaming writer, so a million rows never sit in
 * memory. The CSV cells are already escaped; text is escaped again (idempotent) so that nothing reaching the
 * sheet can be a formula, and text only ever goes in as a string value, never as a `{ formula }` object.
 */
export async function writeResultsXlsx(
  csvPath: string,
  xlsxPath: string,
  options: ResultsXlsxOptions = {},
): Promise<{ rows: number }> {
  const rowsPerSheet = options.rowsPerSheet ?? EXCEL_MAX_DATA_ROWS;
  if (!Number.isSafeInteger(rowsPerSheet) || rowsPerSheet < 1 || rowsPerSheet > EXCEL_MAX_DATA_ROWS) {
    throw new RangeError(`rowsPerSheet must be an integer from 1 to ${EXCEL_MAX_DATA_ROWS}, got ${rowsPerSheet}`);
  }

  const parser = createReadStream(csvPath).pipe(parse({ bom: true }));
  const records: AsyncIterator<string[]> = parser[Symbol.asyncIterator]();
  let out: WriteStream | undefined;
  try {
    const header = await records.next();
    if (header.done || header.value.join(',') !== RESULT_COLUMNS.join(',')) {
      throw new Error(`${csvPath} is not a results file: header ${JSON.stringify(header.value ?? null)}`);
    }
    // Widths come from the first rows: reading the whole file twice to size columns is not worth it.
    const sample: string[][] = [];
    while (sample.length < WIDTH_SAMPLE_ROWS) {
      const next = await records.next();
      if (next.done) break;
      sample.push(next.value);
    }
    const widths = columnWidths(sample);

    out = exclusiveWriteStream(xlsxPath);
    const outClosed = once(out, 'close');
    // A write error (disk full) must reject the commit, not crash the process as an unhandled 'error'.
    let outError: unknown;
    out.on('error', (error: Error) => {
      outError = error;
    });
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false, useStyles: true });

    let sheetCount = 0;
    let sheet = addSheet(workbook, ++sheetCount, widths);
    let inSheet = 0;
    let rows = 0;
    const add = (record: string[]): void => {
      if (inSheet === rowsPerSheet) {
        sheet.commit();
        sheet = addSheet(workbook, ++sheetCount, widths);
        inSheet = 0;
      }
      addDataRow(sheet, record);
      inSheet += 1;
      rows += 1;
    };
    for (const record of sample) add(record);
    sample.length = 0;
    for (let next = await records.next(); !next.done; next = await records.next()) {
      add(next.value);
      if (rows % THROTTLE_EVERY_ROWS === 0) {
        if (outError !== undefined) throw outError;
        await zipCaughtUp(sheet);
      }
    }
    await workbook.commit();
    await outClosed;
    if (outError !== undefined) throw outError;
    return { rows };
  } catch (error) {
    out?.destroy();
    throw error;
  } finally {
    parser.destroy();
  }
}

const THROTTLE_EVERY_ROWS = 256;
/** How much sheet XML may wait for the compressor; beyond it the reader pauses. */
const MAX_PENDING_BYTES = 2 * 1024 * 1024;

/** The parts of exceljs's internal sheet stream (a StreamBuf) the throttle reads; absent if exceljs changes. */
interface SheetStreamInternals {
  stream?: {
    pipes?: Array<{ _writableState?: { length?: number }; once(event: 'drain', f: () => void): unknown }>;
    buffers?: unknown[];
  };
}

/**
 * Backpressure the streaming writer does not have: its sheet stream pushes XML into the zip without looking at
 * write()'s return, so a fast reader piles up the whole sheet in memory (500 MB for a million rows, measured).
 * Waits until the zip's input has drained below MAX_PENDING_BYTES. The sheet stream only gets a consumer when
 * the zip reaches it (a second sheet waits for the first), and holds 64 KB buffers until then.
 */
async function zipCaughtUp(sheet: ExcelJS.Worksheet): Promise<void> {
  const stream = (sheet as unknown as SheetStreamInternals).stream;
  if (!stream) return;
  for (;;) {
    const pipe = stream.pipes?.[0];
    if (pipe) {
      if ((pipe._writableState?.length ?? 0) <= MAX_PENDING_BYTES) return;
      await new Promise<void>((resolve) => pipe.once('drain', resolve));
    } else {
      if ((stream.buffers?.length ?? 0) * 65_536 <= MAX_PENDING_BYTES) return;
      await sleep(10);
    }
  }
}

function addSheet(workbook: ExcelJS.stream.xlsx.WorkbookWriter, n: number, widths: number[]): ExcelJS.Worksheet {
  // Views go in with the sheet: the streaming writer writes them before the first row.
  const sheet = workbook.addWorksheet(n === 1 ? SHEET_NAME : `${SHEET_NAME} ${n}`, {
    views: [{ state: 'frozen', xSplit: 0, ySplit: 1, topLeftCell: 'A2', activeCell: 'A2' }],
  });
  sheet.columns = widths.map((width) => ({ width }));
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: COLUMN_COUNT } };
  const header = sheet.addRow([...RESULT_COLUMNS]);
  header.eachCell((cell) => {
    cell.style = HEADER_STYLE;
  });
  header.commit();
  return sheet;
}

function addDataRow(sheet: ExcelJS.Worksheet, record: string[]): void {
  const values: CellValue[] = new Array<CellValue>(COLUMN_COUNT);
  for (let i = 0; i < COLUMN_COUNT; i++) values[i] = textValue(record[i]);

  // Our own integers: numbers, so the sheet sorts 10 after 9.
  values[COL.row] = integerValue(record[COL.row]);
  values[COL.attempts] = integerValue(record[COL.attempts]);

  const amount = record[COL.amount] ?? '';
  const amountIsNumber = isCanonicalAmount(amount);
  if (amountIsNumber) values[COL.amount] = spreadsheetAmount(amount);

  const updatedAt = record[COL.updated_at] ?? '';
  const date = ISO_TIME.test(updatedAt) ? new Date(updatedAt) : undefined;
  const dateIsValid = date !== undefined && !Number.isNaN(date.getTime());
  if (dateIsValid) values[COL.updated_at] = date;

  const row = sheet.addRow(values);
  // Each new cell gets a fresh empty style object, which exceljs would resolve afresh: a third of the time spent.
  row.eachCell((cell) => {
    cell.style = PLAIN_STYLE;
  });
  if (amountIsNumber) row.getCell(COL.amount + 1).style = amountStyle(record[COL.currency] ?? '');
  if (dateIsValid) row.getCell(COL.updated_at + 1).style = DATE_STYLE;
  row.commit();
}

function textValue(text: string | undefined): string | undefined {
  if (text === undefined || text === '') return undefined;
  const safe = escapeCell(text);
  return safe.length > EXCEL_MAX_CELL_CHARS ? safe.slice(0, EXCEL_MAX_CELL_CHARS) : safe;
}

function integerValue(text: string | undefined): number | string | undefined {
  if (text === undefined || text === '') return undefined;
  return /^\d+$/.test(text) ? Number(text) : textValue(text);
}

function columnWidths(sample: string[][]): number[] {
  const widths: number[] = RESULT_COLUMNS.map((column) => column.length);
  for (const record of sample) {
    for (let i = 0; i < COLUMN_COUNT; i++) {
      const shown = displayLength(i, record);
      if (shown > (widths[i] ?? 0)) widths[i] = shown;
    }
  }
  widths[COL.updated_at] = Math.max(widths[COL.updated_at] ?? 0, DATE_WIDTH);
  // Filter buttons sit on the header's right edge and cover two characters.
  return widths.map((w) => Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, w + 3)));
}

function displayLength(i: number, record: string[]): number {
  const text = record[i] ?? '';
  if (i === COL.amount && isCanonicalAmount(text)) {
    // "MXN 1,234,567.89": code, space, digits, a comma every three.
    const digits = text.replace('-', '').length;
    return digits + Math.floor((digits - 4) / 3) + 5;
  }
  return text.length;
}
