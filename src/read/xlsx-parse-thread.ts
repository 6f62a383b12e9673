import { pipeline, type Readable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import type { CellValue, Row } from 'exceljs';
import { RunError } from '../run-error.ts';
import { ReadLimitError } from './read-limits.ts';
import { XmlGuard, type XmlGuardOptions } from './xml-guard.ts';
import { rawCellOf } from './xlsx-cell.ts';
import { packedTransfer, packRows, type SheetRow, type XlsxThreadData, type XlsxThreadMessage } from './xlsx-thread-protocol.ts';
import { takeCredit } from './thread-credits.mjs';
import { damaged, workbookParsers, type SheetReader } from './xlsx-workbook.ts';
import { openZipEntry, type ZipEntry } from './zip-archive.ts';

/**
 * The XLSX parsing thread: exceljs's parsers read the shared strings, the styles and the sheet (nearly all of a
 * workbook's work) here, while the main thread validates the rows already sent. Batches in flight are bounded by
 * credits the reader grants.
 */
const data = workerData as XlsxThreadData;
const port = parentPort!;
// The reader says nothing by message; the listener keeps the thread alive while it waits for a credit.
port.on('message', () => {});
const send = (message: XlsxThreadMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

const { limits } = data;
const sheetLabel = `sheet ${JSON.stringify(data.sheetName)}`;

/** A member inflated within the ZIP limits, its XML checked by XmlGuard before exceljs holds any of it. */
async function openPart(entry: ZipEntry, guard: Omit<XmlGuardOptions, 'limits'>): Promise<Readable> {
  return pipeline(await openZipEntry(data.path, entry, limits), new XmlGuard({ ...guard, limits }), () => {});
}

/** A cell's text past the cell limit (one exceljs joined from rich-text runs, each under XmlGuard's bound). */
function checkCellLength(text: string, row: number, column: number): void {
  if (text.length <= limits.maxCellChars) return;
  throw new ReadLimitError(`${sheetLabel} has a cell of ${text.length} characters at row ${row}, column ${column}`, { limit: 'maxCellChars', max: limits.maxCellChars, found: text.length });
}

/** exceljs refuses a cell reference past XFD with a bare "Out of bounds" error: say which limit it is. */
function pastLastColumn(error: unknown): unknown {
  const letters = error instanceof Error ? /^Out of bounds\. Invalid column letter: ([A-Z]+)/.exec(error.message)?.[1] : undefined;
  if (letters === undefined) return error;
  return new RunError('FILE_LIMIT', `refused: ${sheetLabel} has a cell in column ${letters}; a sheet ends at column XFD (16384), Excel's own limit`, {
    hint: 'export the sheet again from the program that made it, with the payouts in the first columns',
  });
}

try {
  const workbook = workbookParsers(data.path);
  // The workbook part carries date1904, which decides what a date serial means.
  await workbook._parseRels(await openPart(data.rels, { what: 'the workbook relationships' }));
  await workbook._parseWorkbook(await openPart(data.workbook, { what: 'the workbook' }));
  if (data.sharedStrings) for await (const _ of workbook._parseSharedStrings(await openPart(data.sharedStrings, { what: 'the workbook', sharedStrings: true })));
  if (data.styles) await workbook._parseStyles(await openPart(data.styles, { what: 'the styles' }));
  const chunks = await openPart(data.sheet, { what: sheetLabel });
  let reader: SheetReader | undefined;
  for (const event of workbook._parseWorksheet(chunks as AsyncIterable<Buffer>, data.sheetNo)) if (event.eventType === 'worksheet') reader = event.value as SheetReader;
  if (!reader) throw damaged(data.path, 'the sheet could not be opened');
  for await (const events of reader.parse()) {
    const rows: SheetRow[] = [];
    for (const event of events) {
      if (event.eventType !== 'row') continue;
      const row = event.value as Row;
      if (row.number > limits.maxRows) {
        throw new ReadLimitError(`${sheetLabel} has a row ${row.number}`, { limit: 'maxRows', max: limits.maxRows, found: row.number });
      }
      const values = row.values as CellValue[];
      if (values.length - 1 > limits.maxColumns) {
        throw new ReadLimitError(`${sheetLabel} has ${values.length - 1} columns in row ${row.number}`, { limit: 'maxColumns', max: limits.maxColumns, found: values.length - 1 });
      }
      const cells: SheetRow['cells'] = [];
      for (let column = 1; column < values.length; column++) {
        const value = values[column];
        if (value === undefined) continue;
        const cell = rawCellOf(value);
        if (cell) checkCellLength(cell.text, row.number, column);
        cells[column] = cell;
      }
      rows.push({ number: row.number, cells });
    }
    if (rows.length === 0) continue;
    await takeCredit(data.credits);
    const packed = packRows(rows);
    send({ type: 'rows', ...packed }, packedTransfer(packed));
  }
  send({ type: 'end' });
} catch (caught) {
  const error = pastLastColumn(caught);
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  send({
    type: 'error',
    message: error instanceof Error ? error.message : String(error),
    ...(typeof code === 'string' ? { code } : {}),
    ...(error instanceof RunError ? { runError: { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) } } : {}),
  });
}
