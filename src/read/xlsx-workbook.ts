import type { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { RunError } from '../run-error.ts';

/** exceljs's streaming WorkbookReader options: styles are what make a number formatted as a date come out as a Date. */
export const READER_OPTIONS = {
  worksheets: 'emit',
  sharedStrings: 'cache',
  hyperlinks: 'ignore',
  styles: 'cache',
  entries: 'emit',
} as const;

export interface SheetModel {
  name: string;
  state?: string;
  rId: string;
}

export interface Relationship {
  Id: string;
  Type?: string;
  Target: string;
}

/** exceljs's streaming worksheet reader: parse() yields the events of each chunk of sheet XML. */
export interface SheetReader {
  name: string;
  parse(): AsyncIterable<Array<{ eventType: string; value: unknown }>>;
}

/**
 * The parts of exceljs's streaming WorkbookReader used here: its parsers for each workbook part. Its own parse()
 * reads the ZIP in one streaming pass that intermittently loses the last members (exceljs#3064: workbook.xml,
 * sharedStrings.xml and styles.xml, which its writer and others store after the sheets), and then yields sheets
 * without names or with {sharedString: n} in place of text. Feeding the same parsers from the central directory
 * reads every part, in the order they depend on each other, and only the one sheet wanted.
 */
export interface WorkbookParsers {
  model?: { sheets?: SheetModel[] };
  workbookRels?: Relationship[];
  _parseRels(entry: Readable): Promise<void>;
  _parseWorkbook(entry: Readable): Promise<void>;
  _parseStyles(entry: Readable): Promise<void>;
  _parseSharedStrings(entry: Readable): AsyncIterable<unknown>;
  _parseWorksheet(chunks: AsyncIterable<Buffer>, sheetNo: string): Iterable<{ eventType: string; value: unknown }>;
}

export function workbookParsers(path: string): WorkbookParsers {
  return new ExcelJS.stream.xlsx.WorkbookReader(path, READER_OPTIONS) as unknown as WorkbookParsers;
}

export const FIX_HINT = 'open it in Excel and save it again as .xlsx, or export the sheet as "CSV UTF-8"';

export function xlsxFailure(error: unknown, path: string): RunError {
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

export function damaged(path: string, what: string): RunError {
  return new RunError('FILE_FORMAT', `the workbook ${path} is damaged: ${what}`, { hint: FIX_HINT });
}
