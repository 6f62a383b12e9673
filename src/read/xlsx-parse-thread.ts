import { parentPort, workerData } from 'node:worker_threads';
import type { CellValue, Row } from 'exceljs';
import { RunError } from '../run-error.ts';
import { rawCellOf } from './xlsx-cell.ts';
import { packedTransfer, packRows, type SheetRow, type XlsxThreadData, type XlsxThreadMessage } from './xlsx-thread-protocol.ts';
import { damaged, workbookParsers, type SheetReader } from './xlsx-workbook.ts';
import { openZipEntry } from './zip-archive.ts';

/**
 * The XLSX parsing thread: exceljs's parsers read the shared strings, the styles and the sheet (nearly all of a
 * workbook's work) here, while the main thread validates the rows already sent. Batches in flight are bounded by
 * credits the reader grants.
 */
const data = workerData as XlsxThreadData;
const port = parentPort!;
let credits = data.credits;
let waiting: (() => void) | undefined;
port.on('message', (message: { credits: number }) => {
  credits += message.credits;
  waiting?.();
  waiting = undefined;
});
const send = (message: XlsxThreadMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

try {
  const workbook = workbookParsers(data.path);
  // The workbook part carries date1904, which decides what a date serial means.
  await workbook._parseRels(await openZipEntry(data.path, data.rels));
  await workbook._parseWorkbook(await openZipEntry(data.path, data.workbook));
  if (data.sharedStrings) for await (const _ of workbook._parseSharedStrings(await openZipEntry(data.path, data.sharedStrings)));
  if (data.styles) await workbook._parseStyles(await openZipEntry(data.path, data.styles));
  const chunks = await openZipEntry(data.path, data.sheet);
  let reader: SheetReader | undefined;
  for (const event of workbook._parseWorksheet(chunks as AsyncIterable<Buffer>, data.sheetNo)) if (event.eventType === 'worksheet') reader = event.value as SheetReader;
  if (!reader) throw damaged(data.path, 'the sheet could not be opened');
  for await (const events of reader.parse()) {
    const rows: SheetRow[] = [];
    for (const event of events) {
      if (event.eventType !== 'row') continue;
      const row = event.value as Row;
      const values = row.values as CellValue[];
      const cells: SheetRow['cells'] = [];
      for (let column = 1; column < values.length; column++) {
        const value = values[column];
        if (value !== undefined) cells[column] = rawCellOf(value);
      }
      rows.push({ number: row.number, cells });
    }
    if (rows.length === 0) continue;
    while (credits <= 0) await new Promise<void>((resolve) => (waiting = resolve));
    credits--;
    const packed = packRows(rows);
    send({ type: 'rows', ...packed }, packedTransfer(packed));
  }
  send({ type: 'end' });
} catch (error) {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  send({
    type: 'error',
    message: error instanceof Error ? error.message : String(error),
    ...(typeof code === 'string' ? { code } : {}),
    ...(error instanceof RunError ? { runError: { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) } } : {}),
  });
}
