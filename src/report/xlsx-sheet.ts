import { exclusiveWriteStream } from '../write/output-file.ts';
import type { WriteStream } from 'node:fs';
import { once } from 'node:events';
import ExcelJS from 'exceljs';
import { wallClockDate } from '../domain/local-time.ts';
import { formatMinor } from '../domain/money.ts';
import type { Minor } from '../domain/money.ts';
import { escapeCell } from '../write/escape-cell.ts';
import { amountNumFmt, formatMinorGrouped, spreadsheetAmount } from '../write/format-amount.ts';

/**
 * The house style of the statement and reconciliation workbooks (the same as results.xlsx): bold header, frozen
 * below it, autofilter, amounts as numbers with the currency's format, real dates labelled UTC, widths that fit.
 *
 * Cells are described first and written second, so nothing from input can become a formula: text always goes
 * through escapeCell and is written as a string; only a `formula` cell, which the report code builds itself from
 * sheet names and our own enum values (see `criterion`), is written as `{ formula, result }`.
 */
export type SheetCell =
  | {
      kind: 'text';
      text: string;
      /** false: long text that may spill over; it does not widen the column. */
      fit?: boolean;
      /** A heading over a column of numbers sits on the same side as they do. */
      right?: boolean;
    }
  | { kind: 'amount'; minor: Minor; currency: string }
  | { kind: 'date'; at: Date; /** Shown on this zone's wall clock (the column or a line names it); else UTC, labelled. */ zone?: string }
  | { kind: 'int'; value: number }
  | { kind: 'formula'; formula: string; result: number; /** amount format of this currency; else an integer. */ currency?: string }
  | undefined;

export interface SheetRow {
  cells: SheetCell[];
  bold?: boolean;
}

export interface SheetSpec {
  name: string;
  rows: SheetRow[];
  /** 1-based row of the table header: frozen below it, autofilter on it. Absent for free-form sheets. */
  headerRow?: number;
  /**
   * Rows after `rows`, produced as they are written so a large table is never held as cells all at once. They do
   * not size the columns: `rows` is the sample that does (the header and the first few thousand lines).
   */
  more?: Iterable<SheetRow>;
  /** 0-based columns of sentences a reader must see whole (suggested actions): up to WIDE_WIDTH instead of MAX_WIDTH. */
  wideColumns?: readonly number[];
}

export const text = (value: string | undefined, fit = true): SheetCell =>
  value === undefined || value === '' ? undefined : fit ? { kind: 'text', text: value } : { kind: 'text', text: value, fit: false };
/** A heading over numbers: right-aligned like them. */
export const heading = (value: string): SheetCell => ({ kind: 'text', text: value, right: true });
export const amount = (minor: Minor | undefined, currency: string): SheetCell => (minor === undefined ? undefined : { kind: 'amount', minor, currency });
export const date = (at: Date | undefined): SheetCell => (at === undefined ? undefined : { kind: 'date', at });
/** A date on the wall clock of `zone`: the sheet must name the zone (a column header or a line). */
export const localDate = (at: Date | undefined, zone: string): SheetCell => (at === undefined ? undefined : { kind: 'date', at, zone });
export const int = (value: number | undefined): SheetCell => (value === undefined ? undefined : { kind: 'int', value });

/** Excel's own limits: sheet names ≤ 31 characters without : \ / ? * [ ]; text cells ≤ 32,767 characters. */
const SHEET_NAME_FORBIDDEN = /[:\\/?*[\]]/;
const EXCEL_MAX_CELL_CHARS = 32_767;
/** Excel date cells have no time zone; the label keeps a reader in Mexico City from taking UTC for local time. */
export const DATE_FMT = 'yyyy-mm-dd hh:mm:ss "UTC"';
/** A local date cell: the zone is named by its column header, too long for every cell. */
export const LOCAL_DATE_FMT = 'yyyy-mm-dd hh:mm:ss';
const DATE_WIDTH = 'yyyy-mm-dd hh:mm:ss UTC'.length;
const MIN_WIDTH = 6;
const MAX_WIDTH = 60;
const WIDE_WIDTH = 120;

/** A sheet name a formula may reference: quoted, since ours have spaces and "&". */
export function sheetRef(sheet: string, column: string): string {
  return `'${sheet.replace(/'/g, "''")}'!${column}:${column}`;
}

/**
 * A criterion of COUNTIFS/SUMIFS. Only our own identifiers (provider ids, currency codes, status and exception
 * codes) may appear in a formula; anything else is refused, so no input text can ever reach one.
 */
export function criterion(value: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(value)) throw new TypeError(`not an identifier usable in a formula: ${JSON.stringify(value)}`);
  return `"${value}"`;
}

export function checkSheetName(name: string): string {
  if (name.length === 0 || name.length > 31 || SHEET_NAME_FORBIDDEN.test(name)) throw new TypeError(`not a valid sheet name: ${JSON.stringify(name)}`);
  return name;
}

// Calibri 11 named, as exceljs's default body font is: a style font without a name renders in the viewer's
// default (a serif in LibreOffice).
const FONT = { name: 'Calibri', size: 11 } as const;
const BOLD = { ...FONT, bold: true } as const;
// Numbers right-aligned one indent in from the edge: flush right, they would touch the next column's text.
const RIGHT = { horizontal: 'right', indent: 1 } as const;
const HEADER_STYLE: Partial<ExcelJS.Style> = { font: BOLD };
const HEADER_RIGHT_STYLE: Partial<ExcelJS.Style> = { font: BOLD, alignment: RIGHT };
const PLAIN_STYLE: Partial<ExcelJS.Style> = {};
// One style object per format and weight: exceljs caches the style id per object.
const styles = new Map<string, Partial<ExcelJS.Style>>();
function styleFor(numFmt: string | undefined, bold: boolean): Partial<ExcelJS.Style> {
  if (numFmt === undefined) return bold ? HEADER_STYLE : PLAIN_STYLE;
  const key = `${bold ? 'b' : ''}|${numFmt}`;
  let style = styles.get(key);
  if (!style) {
    style = { numFmt, font: bold ? BOLD : FONT, alignment: RIGHT };
    styles.set(key, style);
  }
  return style;
}

type CellValue = string | number | Date | ExcelJS.CellFormulaValue | undefined;

function cellValue(cell: SheetCell): { value: CellValue; numFmt?: string; right?: boolean } {
  if (cell === undefined) return { value: undefined };
  switch (cell.kind) {
    case 'text': {
      const safe = escapeCell(cell.text);
      const value = safe.length > EXCEL_MAX_CELL_CHARS ? safe.slice(0, EXCEL_MAX_CELL_CHARS) : safe;
      return cell.right ? { value, right: true } : { value };
    }
    case 'amount':
      return { value: spreadsheetAmount(formatMinor(cell.minor)), numFmt: amountNumFmt(cell.currency) };
    case 'date':
      return cell.zone === undefined ? { value: cell.at, numFmt: DATE_FMT } : { value: wallClockDate(cell.at, cell.zone), numFmt: LOCAL_DATE_FMT };
    case 'int':
      return { value: cell.value, numFmt: '0' };
    case 'formula':
      // The cached result lets viewers that do not recalculate (previewers, some mail clients) show the number.
      return cell.currency === undefined
        ? { value: { formula: cell.formula, result: cell.result }, numFmt: '0' }
        : { value: { formula: cell.formula, result: spreadsheetAmount(formatMinor(cell.result)) }, numFmt: amountNumFmt(cell.currency) };
  }
}

/**
 * Characters a cell needs. Width units are the default font's digit, and viewers render a little wider than that
 * (LibreOffice's stand-in for Calibri), so numbers — right-aligned against the next column's left-aligned text —
 * get three characters of air, text one.
 */
function displayWidth(cell: SheetCell): number {
  if (cell === undefined) return 0;
  switch (cell.kind) {
    case 'text':
      return cell.fit === false ? 0 : textWidth(escapeCell(cell.text)) + 1;
    case 'amount':
      // "MXN 1,234,567.89" (negatives add a sign).
      return formatMinorGrouped(cell.minor).length + 4 + 3;
    case 'date':
      return DATE_WIDTH + 3;
    case 'int':
      return String(cell.value).length + 3;
    case 'formula':
      return (cell.currency === undefined ? String(cell.result).length : formatMinorGrouped(cell.result).length + 4) + 3;
  }
}

/** Capitals are wider than the digit a width unit measures ("UNKNOWN_TO_PROVIDER" would be cut). */
function textWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += ch >= 'A' && ch <= 'Z' ? 1.3 : 1;
  return Math.ceil(width);
}

function columnWidths(spec: SheetSpec): number[] {
  const widths: number[] = [];
  spec.rows.forEach((row, i) => {
    row.cells.forEach((cell, c) => {
      // Header cells get room for the filter button that sits on their right edge.
      const w = displayWidth(cell) + (spec.headerRow === i + 1 ? 3 : 0);
      if (w > (widths[c] ?? 0)) widths[c] = w;
    });
  });
  const wide = new Set(spec.wideColumns ?? []);
  return Array.from(widths, (w = 0, c) => Math.min(wide.has(c) ? WIDE_WIDTH : MAX_WIDTH, Math.max(MIN_WIDTH, w + 1)));
}

/** Columns whose filled cells in the sample are all numbers or dates: their headings align right. */
function numericColumns(sample: readonly SheetRow[]): Set<number> {
  const numeric = new Set<number>();
  const text = new Set<number>();
  for (const row of sample) {
    row.cells.forEach((cell, col) => {
      if (cell === undefined) return;
      (cell.kind === 'text' ? text : numeric).add(col);
    });
  }
  for (const col of text) numeric.delete(col);
  return numeric;
}

/** A workbook written as a stream, sheet by sheet, to a path. */
export class XlsxFile {
  private readonly out: WriteStream;
  private readonly closed: Promise<unknown>;
  private readonly workbook: ExcelJS.stream.xlsx.WorkbookWriter;
  private failure: unknown;
  private readonly names = new Set<string>();

  constructor(path: string) {
    this.out = exclusiveWriteStream(path);
    this.closed = once(this.out, 'close');
    // A write error (disk full) must reject commit(), not crash the process as an unhandled 'error'.
    this.out.on('error', (error: Error) => {
      this.failure = error;
    });
    this.workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: this.out, useSharedStrings: false, useStyles: true });
  }

  addSheet(spec: SheetSpec): void {
    const name = checkSheetName(spec.name);
    if (this.names.has(name.toLowerCase())) throw new TypeError(`two sheets named ${JSON.stringify(name)}`);
    this.names.add(name.toLowerCase());
    const header = spec.headerRow;
    // Views go in with the sheet: the streaming writer writes them before the first row.
    const sheet = this.workbook.addWorksheet(name, {
      ...(header ? { views: [{ state: 'frozen', xSplit: 0, ySplit: header, topLeftCell: `A${header + 1}`, activeCell: `A${header + 1}` }] } : {}),
      // Printed (or saved as PDF) the way finance files it: landscape, every column on the page, as many pages as
      // the rows need, the header repeated on each.
      pageSetup: {
        orientation: 'landscape',
        fitToPage: true,
        fitToWidth: 1,
        fitToHeight: 0,
        ...(header ? { printTitlesRow: `${header}:${header}` } : {}),
      },
    });
    sheet.columns = columnWidths(spec).map((width) => ({ width }));
    if (header) {
      const columns = spec.rows[header - 1]?.cells.length ?? 1;
      sheet.autoFilter = { from: { row: header, column: 1 }, to: { row: header, column: Math.max(1, columns) } };
    }
    const numeric = header ? numericColumns(spec.rows.slice(header)) : new Set<number>();
    let n = 0;
    const add = (spec: SheetRow): void => {
      n += 1;
      const bold = spec.bold === true || header === n;
      const converted = spec.cells.map(cellValue);
      if (header === n) converted.forEach((c, col) => numeric.has(col) && (c.right = true));
      const row = sheet.addRow(converted.map((c) => c.value));
      converted.forEach((c, col) => {
        if (c.value === undefined) return;
        row.getCell(col + 1).style = c.right ? HEADER_RIGHT_STYLE : styleFor(c.numFmt, bold);
      });
      row.commit();
    };
    for (const row of spec.rows) add(row);
    if (spec.more) for (const row of spec.more) add(row);
    sheet.commit();
  }

  async commit(): Promise<void> {
    try {
      await this.workbook.commit();
      await this.closed;
    } catch (error) {
      this.out.destroy();
      throw error;
    }
    if (this.failure !== undefined) throw this.failure;
  }

  /** Gives up: closes the file without finishing it (the caller removes it). */
  abort(): void {
    this.out.destroy();
  }
}
