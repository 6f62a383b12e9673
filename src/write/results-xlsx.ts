import { createReadStream } from 'node:fs';
import { exclusiveWriteStream } from './output-file.ts';
import type { WriteStream } from 'node:fs';
import { once } from 'node:events';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import { addMinor, formatMinor, parseCanonicalMinor, type Minor } from '../domain/money.ts';
import { PROVIDER_IDS, type ProviderId } from '../domain/provider-id.ts';
import { RESULT_COLUMNS } from '../domain/result-row.ts';
import { ROW_STATUSES, type RowStatus } from '../domain/row-status.ts';
import { getProviderModule } from '../providers/registry.ts';
import { workbookWords, type WorkbookWords } from '../report/workbook-language.ts';
import { printSetup, statusStyle, WRAP_WIDTH } from '../report/xlsx-sheet.ts';
import { escapeCell } from './escape-cell.ts';
import { amountNumFmt, isCanonicalAmount, parsedAmountOf, spreadsheetAmount } from './format-amount.ts';
import { RESULT_INDEX } from './result-record.ts';
import { THROTTLE_EVERY_ROWS, zipCaughtUp } from './xlsx-backpressure.ts';

/** Excel's sheet limit is 1,048,576 rows; one is the header. Past it the results go on to "Results 2". */
export const EXCEL_MAX_DATA_ROWS = 1_048_575;
/** Excel refuses (and "repairs" away) cells longer than this. */
const EXCEL_MAX_CELL_CHARS = 32_767;
const WIDTH_SAMPLE_ROWS = 2_000;
const MIN_WIDTH = 6;
const MAX_WIDTH = 60;
/** Only times that carry their zone: JavaScript reads one without as local time, which would break the UTC label. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
/** Excel date cells have no time zone; the label keeps a reader in Mexico City from taking UTC for local time. */
const DATE_FMT = 'yyyy-mm-dd hh:mm:ss "UTC"';
const DATE_WIDTH = 'yyyy-mm-dd hh:mm:ss UTC'.length + 4;

const FONT = { name: 'Calibri', size: 11 } as const;
// Numbers one indent in from the right edge: flush right, the row number would touch the order id beside it
// ("2 20260001" read as "220260001").
const RIGHT = { horizontal: 'right', indent: 1 } as const;
// Text one indent in from the left, so a right-aligned number or date before it never touches it.
const LEFT = { horizontal: 'left', indent: 1, vertical: 'top' } as const;
const HEADER_STYLE: Partial<ExcelJS.Style> = { font: { ...FONT, bold: true }, alignment: LEFT };
const HEADER_RIGHT_STYLE: Partial<ExcelJS.Style> = { font: { ...FONT, bold: true }, alignment: { ...RIGHT, vertical: 'top' } };
// Shared style objects: exceljs caches the style id per object, so one object per format keeps a million cells
// from each becoming a style lookup.
const PLAIN_STYLE: Partial<ExcelJS.Style> = { font: FONT, alignment: LEFT };
const WRAP_STYLE: Partial<ExcelJS.Style> = { font: FONT, alignment: { ...LEFT, wrapText: true } };
const INT_STYLE: Partial<ExcelJS.Style> = { font: FONT, numFmt: '0', alignment: { ...RIGHT, vertical: 'top' } };
const DATE_STYLE: Partial<ExcelJS.Style> = { font: FONT, numFmt: DATE_FMT, alignment: { ...RIGHT, vertical: 'top' } };
const amountStyles = new Map<string, Partial<ExcelJS.Style>>();
function amountStyle(currency: string, bold = false): Partial<ExcelJS.Style> {
  const key = `${bold ? 'b' : ''}${currency}`;
  let style = amountStyles.get(key);
  if (!style) {
    style = { font: { ...FONT, bold }, numFmt: amountNumFmt(currency), alignment: { ...RIGHT, vertical: 'top' } };
    amountStyles.set(key, style);
  }
  return style;
}

const COL = RESULT_INDEX;
const CSV_COLUMN_COUNT = RESULT_COLUMNS.length;
/** The sheet has one column more than the CSV: the amount as the file wrote it, when it was not kept as a number. */
const AMOUNT_TEXT_COL = CSV_COLUMN_COUNT;
const COLUMN_COUNT = CSV_COLUMN_COUNT + 1;
/** Messages wrap in a column of fixed width instead of being cut at the next one. */
const WRAP_COLUMNS = new Set<number>([COL.error_message, COL.warning, COL.note, COL.name]);
/** Number and date columns: their headings align right, over them. */
const NUMERIC_COLUMNS = new Set<number>([COL.row, COL.amount, COL.attempts, COL.updated_at]);
/** undefined, not null, for an empty cell: exceljs creates (and styles, and writes) a cell for every null. */
type CellValue = string | number | Date | undefined;

export interface ResultsXlsxOptions {
  /** Data rows per sheet before rolling over to the next; Excel's limit unless a test needs a small one. */
  rowsPerSheet?: number;
  /** Headings, sheet names and status words in this language (default Spanish); the CSV never changes. */
  words?: WorkbookWords;
}

/** Counts and amounts per status and currency, gathered as the rows stream past, for the Totals sheet. */
class ResultTotals {
  readonly byStatus = new Map<RowStatus, { rows: number; byCurrency: Map<string, Minor> }>();
  rows = 0;

  add(status: string, currency: string, minor: Minor | undefined): void {
    this.rows += 1;
    const known = (ROW_STATUSES as readonly string[]).includes(status) ? (status as RowStatus) : undefined;
    if (!known) return;
    let entry = this.byStatus.get(known);
    if (!entry) {
      entry = { rows: 0, byCurrency: new Map() };
      this.byStatus.set(known, entry);
    }
    entry.rows += 1;
    if (minor !== undefined && (currency === 'MXN' || currency === 'ARS')) entry.byCurrency.set(currency, addMinor(entry.byCurrency.get(currency) ?? 0, minor));
  }
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
  const words = options.words ?? workbookWords();
  const totals = new ResultTotals();
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
    const widths = columnWidths(sample, words);

    out = exclusiveWriteStream(xlsxPath);
    const outClosed = once(out, 'close');
    // A write error (disk full) must reject the commit, not crash the process as an unhandled 'error'.
    let outError: unknown;
    out.on('error', (error: Error) => {
      outError = error;
    });
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false, useStyles: true });

    let sheetCount = 0;
    let sheet = addSheet(workbook, ++sheetCount, widths, words);
    let inSheet = 0;
    let rows = 0;
    const add = (record: string[]): void => {
      if (inSheet === rowsPerSheet) {
        sheet.commit();
        sheet = addSheet(workbook, ++sheetCount, widths, words);
        inSheet = 0;
      }
      addDataRow(sheet, record, words, totals, widths);
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
    sheet.commit();
    addTotalsSheet(workbook, totals, words);
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

function addSheet(workbook: ExcelJS.stream.xlsx.WorkbookWriter, n: number, widths: number[], words: WorkbookWords): ExcelJS.Worksheet {
  const base = words.label('results');
  const name = n === 1 ? base : `${base} ${n}`;
  // Views and print setup go in with the sheet: the streaming writer writes them before the first row.
  const sheet = workbook.addWorksheet(name, {
    views: [{ state: 'frozen', xSplit: 0, ySplit: 1, topLeftCell: 'A2', activeCell: 'A2' }],
    ...printSetup(words, `results.xlsx · ${name}`, 1),
  });
  sheet.columns = widths.map((width) => ({ width }));
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: COLUMN_COUNT } };
  const header = sheet.addRow([...RESULT_COLUMNS.map((c) => words.resultHeading(c)), words.resultHeading('amount_text')]);
  header.eachCell((cell, col) => {
    cell.style = NUMERIC_COLUMNS.has(col - 1) ? HEADER_RIGHT_STYLE : HEADER_STYLE;
  });
  header.commit();
  return sheet;
}

/** Calibri 11's line, in points. */
const LINE_HEIGHT_PT = 15;

/** Lines the longest wrapped message of a row takes in its column (a width unit is about one character). */
function wrappedLines(values: readonly CellValue[], widths: readonly number[]): number {
  let lines = 1;
  for (const col of WRAP_COLUMNS) {
    const value = values[col];
    if (typeof value !== 'string') continue;
    // Words wrap whole, so a line holds fewer characters than the width.
    const perLine = Math.max(1, Math.floor(((widths[col] ?? WRAP_WIDTH) - 2) * 0.85));
    let n = 0;
    for (const part of value.split('\n')) n += Math.max(1, Math.ceil(part.length / perLine));
    if (n > lines) lines = n;
  }
  return Math.min(lines, 20);
}

function addDataRow(sheet: ExcelJS.Worksheet, record: string[], words: WorkbookWords, totals: ResultTotals, widths: readonly number[]): void {
  const values: CellValue[] = new Array<CellValue>(COLUMN_COUNT);
  for (let i = 0; i < CSV_COLUMN_COUNT; i++) values[i] = textValue(record[i]);

  // Our own integers: numbers, so the sheet sorts 10 after 9.
  values[COL.row] = integerValue(record[COL.row]);
  values[COL.attempts] = integerValue(record[COL.attempts]);

  const status = record[COL.status] ?? '';
  const known = (ROW_STATUSES as readonly string[]).includes(status) ? (status as RowStatus) : undefined;
  if (known) values[COL.status] = words.statusName(known);

  // A canonical amount is one we parsed; any other is what the file said (an invalid row): shown as written in a
  // column of its own, and as a number too when it reads as an amount of the row's currency.
  const amount = record[COL.amount] ?? '';
  let currency = record[COL.currency] ?? '';
  let minor: Minor | undefined;
  if (isCanonicalAmount(amount)) {
    minor = parseCanonicalMinor(amount);
  } else if (amount !== '') {
    values[COL.amount] = undefined;
    values[AMOUNT_TEXT_COL] = textValue(amount);
    const provider = record[COL.provider] ?? '';
    const parsed = parsedAmountOf(amount, currency, (PROVIDER_IDS as readonly string[]).includes(provider) ? getProviderModule(provider as ProviderId).currency : undefined);
    if (parsed) {
      minor = parsed.minor;
      currency = parsed.currency;
    }
  }
  if (minor !== undefined) values[COL.amount] = spreadsheetAmount(formatMinor(minor));
  totals.add(status, currency, minor);

  const updatedAt = record[COL.updated_at] ?? '';
  const date = ISO_TIME.test(updatedAt) ? new Date(updatedAt) : undefined;
  const dateIsValid = date !== undefined && !Number.isNaN(date.getTime());
  if (dateIsValid) values[COL.updated_at] = date;

  const row = sheet.addRow(values);
  const lines = wrappedLines(values, widths);
  // Viewers do not grow a row for wrapped text on opening (LibreOffice draws it over the next row): the height
  // is set for the lines the longest message takes.
  if (lines > 1) row.height = lines * LINE_HEIGHT_PT + 2;
  // Each new cell gets a fresh empty style object, which exceljs would resolve afresh: a third of the time spent.
  row.eachCell((cell, col) => {
    cell.style = WRAP_COLUMNS.has(col - 1) ? WRAP_STYLE : PLAIN_STYLE;
  });
  if (typeof values[COL.row] === 'number') row.getCell(COL.row + 1).style = INT_STYLE;
  if (typeof values[COL.attempts] === 'number') row.getCell(COL.attempts + 1).style = INT_STYLE;
  if (known) row.getCell(COL.status + 1).style = statusStyle(known);
  if (minor !== undefined) row.getCell(COL.amount + 1).style = amountStyle(currency);
  if (dateIsValid) row.getCell(COL.updated_at + 1).style = DATE_STYLE;
  row.commit();
}

/**
 * The Totals sheet: rows and amounts per status and currency. Paid, pending, failed… are different money and
 * are never added together: only the row count has a grand total.
 */
function addTotalsSheet(workbook: ExcelJS.stream.xlsx.WorkbookWriter, totals: ResultTotals, words: WorkbookWords): void {
  const name = words.label('totals');
  const sheet = workbook.addWorksheet(name, { views: [{ state: 'frozen', xSplit: 0, ySplit: 3, topLeftCell: 'A4', activeCell: 'A4' }], ...printSetup(words, `results.xlsx · ${name}`, 3) });
  sheet.columns = [{ width: 24 }, { width: 14 }, { width: 12 }, { width: 12 }, { width: 24 }];
  const title = sheet.addRow([words.label('totalsTitle')]);
  title.getCell(1).style = HEADER_STYLE;
  title.commit();
  const note = sheet.addRow([words.label('totalsNote')]);
  note.getCell(1).style = PLAIN_STYLE;
  note.commit();
  const header = sheet.addRow([words.label('status'), words.label('statusCode'), words.label('rows'), words.label('currency'), words.label('amount')]);
  header.eachCell((cell, col) => {
    cell.style = col === 3 || col === 5 ? HEADER_RIGHT_STYLE : HEADER_STYLE;
  });
  header.commit();
  for (const status of ROW_STATUSES) {
    const entry = totals.byStatus.get(status);
    if (!entry) continue;
    const currencies = [...entry.byCurrency.keys()].sort();
    const lines: Array<[string | undefined, Minor | undefined]> = currencies.length === 0 ? [[undefined, undefined]] : currencies.map((c) => [c, entry.byCurrency.get(c)]);
    lines.forEach(([currency, minor], i) => {
      const row = sheet.addRow([words.statusName(status), status, i === 0 ? entry.rows : undefined, currency, minor === undefined ? undefined : spreadsheetAmount(formatMinor(minor))]);
      row.getCell(1).style = statusStyle(status);
      row.getCell(2).style = PLAIN_STYLE;
      if (i === 0) row.getCell(3).style = INT_STYLE;
      if (currency) row.getCell(4).style = PLAIN_STYLE;
      if (minor !== undefined && currency) row.getCell(5).style = amountStyle(currency);
      row.commit();
    });
  }
  const all = sheet.addRow([words.label('allRows'), undefined, totals.rows]);
  all.getCell(1).style = HEADER_STYLE;
  all.getCell(3).style = { ...INT_STYLE, font: { ...FONT, bold: true } };
  all.commit();
  sheet.commit();
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

function columnWidths(sample: string[][], words: WorkbookWords): number[] {
  const headings = [...RESULT_COLUMNS.map((c) => words.resultHeading(c)), words.resultHeading('amount_text')];
  const widths: number[] = headings.map((h) => h.length);
  for (const record of sample) {
    for (let i = 0; i < CSV_COLUMN_COUNT; i++) {
      const shown = displayLength(i, record, words);
      if (shown > (widths[i] ?? 0)) widths[i] = shown;
    }
    const amount = record[COL.amount] ?? '';
    if (amount !== '' && !isCanonicalAmount(amount)) widths[AMOUNT_TEXT_COL] = Math.max(widths[AMOUNT_TEXT_COL] ?? 0, amount.length);
  }
  widths[COL.updated_at] = Math.max(widths[COL.updated_at] ?? 0, DATE_WIDTH);
  // Filter buttons sit on the header's right edge and cover two characters; numbers get one more for their indent.
  // Message columns as wide as their longest message up to WRAP_WIDTH, where they wrap.
  return widths.map((w, i) => (WRAP_COLUMNS.has(i) ? Math.min(WRAP_WIDTH, Math.max(MIN_WIDTH, w + 4)) : Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, w + 4 + (NUMERIC_COLUMNS.has(i) ? 1 : 0)))));
}

function displayLength(i: number, record: string[], words: WorkbookWords): number {
  const text = record[i] ?? '';
  if (i === COL.status && (ROW_STATUSES as readonly string[]).includes(text)) return words.statusName(text as RowStatus).length;
  if (i === COL.amount) {
    // "MXN 1,234,567.89": code, space, digits, a comma every three; an amount the file wrote may read as one too.
    const digits = isCanonicalAmount(text) ? text.replace('-', '').length : Math.min(12, text.length);
    return digits + Math.floor((digits - 4) / 3) + 5;
  }
  // Capitals are wider than the digit a width unit measures ("AMOUNT_NOT_POSITIVE" would touch the message).
  let width = 0;
  for (const ch of text) width += ch >= 'A' && ch <= 'Z' ? 1.3 : 1;
  return Math.ceil(width);
}
