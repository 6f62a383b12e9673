import type { Readable } from 'node:stream';
import ExcelJS, { type CellValue, type Row } from 'exceljs';
import type { CanonicalField, RawCell, RawRow } from '../domain/payout-row.ts';
import { RunError } from '../run-error.ts';
import { columnPlan, type FieldIndexes, type PeekedRecord, type RecordReader } from './record-reader.ts';
import { rawCellOf, textOf } from './xlsx-cell.ts';
import { openZipEntry, type ZipDirectory, type ZipEntry } from './zip-archive.ts';

const READER_OPTIONS = {
  worksheets: 'emit',
  sharedStrings: 'cache',
  hyperlinks: 'ignore',
  // Styles are what make a number formatted as a date come out as a Date.
  styles: 'cache',
  entries: 'emit',
} as const;

interface SheetModel {
  name: string;
  state?: string;
  rId: string;
}
interface Relationship {
  Id: string;
  Type?: string;
  Target: string;
}
interface SheetReader extends AsyncIterable<Row> {
  name: string;
  state?: string;
}

/**
 * The parts of exceljs's streaming WorkbookReader used here: its parsers for each workbook part. Its own parse()
 * reads the ZIP in one streaming pass that intermittently loses the last members (exceljs#3064: workbook.xml,
 * sharedStrings.xml and styles.xml, which its writer and others store after the sheets), and then yields sheets
 * without names or with {sharedString: n} in place of text. Feeding the same parsers from the central directory
 * reads every part, in the order they depend on each other, and only the one sheet wanted.
 */
interface WorkbookParsers {
  model?: { sheets?: SheetModel[] };
  workbookRels?: Relationship[];
  _parseRels(entry: Readable): Promise<void>;
  _parseWorkbook(entry: Readable): Promise<void>;
  _parseSharedStrings(entry: Readable): AsyncIterable<unknown>;
  _parseStyles(entry: Readable): Promise<void>;
  _parseWorksheet(chunks: AsyncIterable<Buffer>, sheetNo: string): Iterable<{ eventType: string; value: unknown }>;
}

const FIX_HINT = 'open it in Excel and save it again as .xlsx, or export the sheet as "CSV UTF-8"';

function failure(error: unknown, path: string): RunError {
  if (error instanceof RunError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    return new RunError('FILE_UNREADABLE', `cannot read ${path} (${code})`, {
      hint: 'check the path and that the file is not open exclusively in another program',
      cause: error,
    });
  }
  const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return new RunError('FILE_FORMAT', `the workbook ${path} cannot be read (damaged or not an .xlsx): ${detail}`, { hint: FIX_HINT, cause: error });
}

function damaged(path: string, what: string): RunError {
  return new RunError('FILE_FORMAT', `the workbook ${path} is damaged: ${what}`, { hint: FIX_HINT });
}

/** A relationship target is relative to xl/ unless it starts with "/" (the package root). */
function partName(target: string): string {
  const segments: string[] = [];
  for (const segment of (target.startsWith('/') ? target.slice(1) : `xl/${target}`).split('/')) {
    if (segment === '..') segments.pop();
    else if (segment !== '.' && segment !== '') segments.push(segment);
  }
  return segments.join('/');
}

function isVisible(sheet: SheetModel): boolean {
  return sheet.state !== 'hidden' && sheet.state !== 'veryHidden';
}

function isBlankRow(row: Row): boolean {
  let blank = true;
  row.eachCell((cell) => {
    if (blank && textOf(cell.value).trim() !== '') blank = false;
  });
  return blank;
}

function rowTexts(row: Row): string[] {
  const values = row.values as CellValue[];
  const texts: string[] = [];
  // exceljs puts column A at index 1.
  for (let col = 1; col < values.length; col++) texts.push(textOf(values[col]));
  return texts;
}

/**
 * Opens the wanted worksheet of a workbook (by name, case-insensitively as Excel does; by default the first
 * visible one in tab order) with exceljs's streaming parsers, ready to read its rows.
 */
export async function openXlsx(path: string, zip: ZipDirectory, wantedSheet: string | undefined): Promise<XlsxRecordReader> {
  const entryNamed = (name: string): ZipEntry | undefined => {
    const exact = zip.entries.get(name);
    if (exact) return exact;
    const lower = name.toLowerCase();
    for (const entry of zip.entries.values()) if (entry.name.toLowerCase() === lower) return entry;
    return undefined;
  };
  const workbook = new ExcelJS.stream.xlsx.WorkbookReader(path, READER_OPTIONS) as unknown as WorkbookParsers;
  try {
    const rels = entryNamed('xl/_rels/workbook.xml.rels');
    const book = entryNamed('xl/workbook.xml');
    if (!rels || !book) throw damaged(path, 'the workbook part or its relationships are missing');
    await workbook._parseRels(await openZipEntry(path, rels));
    await workbook._parseWorkbook(await openZipEntry(path, book));
    const relationships = workbook.workbookRels ?? [];
    const partOf = (type: string) => {
      const rel = relationships.find((r) => r.Type?.endsWith(`/${type}`));
      return rel ? entryNamed(partName(rel.Target)) : undefined;
    };
    const sharedStrings = partOf('sharedStrings') ?? entryNamed('xl/sharedStrings.xml');
    if (sharedStrings) for await (const _ of workbook._parseSharedStrings(await openZipEntry(path, sharedStrings)));
    const styles = partOf('styles') ?? entryNamed('xl/styles.xml');
    if (styles) await workbook._parseStyles(await openZipEntry(path, styles));

    const sheets = workbook.model?.sheets ?? [];
    const worksheetRel = (sheet: SheetModel) => relationships.find((r) => r.Id === sheet.rId && (r.Type === undefined || r.Type.endsWith('/worksheet')));
    const chosen =
      wantedSheet === undefined
        ? sheets.find((sheet) => isVisible(sheet) && worksheetRel(sheet))
        : (sheets.find((sheet) => sheet.name === wantedSheet) ??
          sheets.find((sheet) => sheet.name.trim().toLowerCase() === wantedSheet.trim().toLowerCase()));
    const list = sheets.length > 0 ? sheets.map((sheet) => JSON.stringify(sheet.name)).join(', ') : '(none)';
    if (chosen === undefined) {
      if (wantedSheet !== undefined) {
        const suggestion = sheets.find(isVisible)?.name ?? sheets[0]?.name ?? 'Sheet1';
        throw new RunError('SHEET_NOT_FOUND', `no sheet named ${JSON.stringify(wantedSheet)}; the workbook has ${list}`, {
          hint: `name one of them with --sheet, e.g. --sheet ${JSON.stringify(suggestion)}`,
        });
      }
      throw new RunError('FILE_FORMAT', `the workbook ${path} has no visible worksheet (sheets: ${list})`, {
        hint: 'unhide the sheet with the payouts, or name it with --sheet',
      });
    }
    const rel = worksheetRel(chosen);
    if (!rel) {
      throw new RunError('SHEET_NOT_FOUND', `sheet ${JSON.stringify(chosen.name)} is a chart, not a table; the workbook has ${list}`, {
        hint: 'name the sheet with the payouts with --sheet',
      });
    }
    const part = entryNamed(partName(rel.Target));
    if (!part) throw damaged(path, `sheet ${JSON.stringify(chosen.name)} is listed but missing`);
    const chunks = (await openZipEntry(path, part)) as AsyncIterable<Buffer>;
    const sheetNo = /(\d+)\.xml$/i.exec(part.name)?.[1] ?? '1';
    let reader: SheetReader | undefined;
    for (const event of workbook._parseWorksheet(chunks, sheetNo)) if (event.eventType === 'worksheet') reader = event.value as SheetReader;
    if (!reader) throw damaged(path, 'the sheet could not be opened');
    // Set from the workbook's own list: exceljs names a sheet only when its file is called sheetN.xml.
    reader.name = chosen.name;
    return new XlsxRecordReader(path, reader, chunks as Readable);
  } catch (error) {
    throw failure(error, path);
  }
}

export class XlsxRecordReader implements RecordReader {
  readonly sheetName: string;
  private readonly sheetRows: AsyncIterator<Row>;
  private readonly queue: Row[] = [];

  constructor(
    private readonly path: string,
    sheet: SheetReader,
    private readonly source: Readable,
  ) {
    this.sheetName = sheet.name;
    this.sheetRows = sheet[Symbol.asyncIterator]();
  }

  private async next(): Promise<Row | undefined> {
    try {
      const result = await this.sheetRows.next();
      return result.done ? undefined : result.value;
    } catch (error) {
      throw failure(error, this.path);
    }
  }

  async peek(): Promise<PeekedRecord | undefined> {
    for (;;) {
      const row = await this.next();
      if (row === undefined) return undefined;
      if (isBlankRow(row)) continue;
      this.queue.push(row);
      return { row: row.number, texts: rowTexts(row) };
    }
  }

  drop(count: number): void {
    this.queue.splice(0, count);
  }

  async *rows(indexes: FieldIndexes): AsyncGenerator<RawRow> {
    const { fields, positions } = columnPlan(indexes);
    const width = fields.length;
    const toRow = (row: Row): RawRow | undefined => {
      const cells: Partial<Record<CanonicalField, RawCell>> = {};
      let content = false;
      for (let i = 0; i < width; i++) {
        const cell = row.findCell(positions[i]! + 1);
        if (cell === undefined) continue;
        const raw = rawCellOf(cell.value);
        if (raw === undefined) continue;
        cells[fields[i]!] = raw;
        if (!content && raw.text.trim() !== '') content = true;
      }
      // Only a row whose mapped cells are all empty needs the full look at its other cells.
      if (!content && isBlankRow(row)) return undefined;
      return { row: row.number, cells };
    };
    try {
      while (this.queue.length > 0) {
        const raw = toRow(this.queue.shift()!);
        if (raw) yield raw;
      }
      for (;;) {
        const row = await this.next();
        if (row === undefined) return;
        const raw = toRow(row);
        if (raw) yield raw;
      }
    } finally {
      this.close();
    }
  }

  close(): void {
    this.sheetRows.return?.().catch(() => {});
    this.source.destroy();
  }
}
