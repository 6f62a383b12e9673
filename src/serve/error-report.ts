import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { int, text, XlsxFile, type SheetRow } from '../report/xlsx-sheet.ts';
import { csvLine } from '../write/csv-line.ts';
import { escapeCell } from '../write/escape-cell.ts';
import type { ReviewRow, ReviewStore } from './review-store.ts';

/** One line per issue of a row with problems, as the review page shows it. */
export interface ErrorRecord {
  /** The row number a spreadsheet shows (header = 1). */
  row: number;
  orderId?: string;
  status: string;
  /** The header as in the file. */
  column?: string;
  code: string;
  severity: 'error' | 'warning';
  message: string;
  /** The cell's value as the review page shows it: an account only masked (bank code + last 4). */
  value?: string;
}

export const ERROR_REPORT_COLUMNS = ['row', 'order_id', 'status', 'column', 'code', 'severity', 'message', 'value'] as const;

const PAGE = 5_000;

/** The review's rows with issues, page by page from the store, one record per issue. */
export async function* errorRecords(store: ReviewStore, id: string): AsyncGenerator<ErrorRecord> {
  for (let offset = 0; ; offset += PAGE) {
    const { rows } = await store.rows(id, { offset, limit: PAGE });
    for (const r of rows) yield* recordsOf(r);
    if (rows.length < PAGE) return;
  }
}

function recordsOf(r: ReviewRow): ErrorRecord[] {
  return r.issues.map((i) => {
    // The review rows keep cells by field with the account already masked (plan-upload.ts reviewRows).
    const value = i.field !== undefined ? r.cells?.[i.field] : undefined;
    return {
      row: r.row,
      ...(r.orderId !== undefined ? { orderId: r.orderId } : {}),
      status: r.status,
      ...(i.column !== undefined ? { column: i.column } : {}),
      code: i.code,
      severity: i.severity,
      message: i.message,
      ...(value !== undefined ? { value } : {}),
    };
  });
}

/** errors.csv: every text cell through the formula guard (a file's order_id or value may start with `=`). */
export async function errorReportCsv(store: ReviewStore, id: string): Promise<string> {
  const lines = [csvLine(ERROR_REPORT_COLUMNS)];
  for await (const e of errorRecords(store, id)) {
    lines.push(csvLine([String(e.row), escapeCell(e.orderId ?? ''), e.status, escapeCell(e.column ?? ''), e.code, e.severity, escapeCell(e.message), escapeCell(e.value ?? '')]));
  }
  return `${lines.join('\n')}\n`;
}

/** errors.xlsx in the house style of the reports (report/xlsx-sheet.ts), built in `tmpDir` and removed once read. */
export async function errorReportXlsx(store: ReviewStore, id: string, tmpDir: string): Promise<Buffer> {
  const rows: SheetRow[] = [{ cells: ERROR_REPORT_COLUMNS.map((c) => text(c)) }];
  for await (const e of errorRecords(store, id)) {
    rows.push({ cells: [int(e.row), text(e.orderId), text(e.status), text(e.column), text(e.code), text(e.severity), text(e.message, false), text(e.value)] });
  }
  await mkdir(tmpDir, { recursive: true });
  // A generated name: never one taken from the upload.
  const path = join(tmpDir, `errors-${randomUUID()}.xlsx`);
  try {
    const file = new XlsxFile(path);
    file.addSheet({ name: 'Errors', rows, headerRow: 1 });
    await file.commit();
    return await readFile(path);
  } finally {
    await rm(path, { force: true });
  }
}
