import { RESULT_COLUMNS } from '../domain/result-row.ts';
import type { ResultColumn, ResultRow } from '../domain/result-row.ts';
import { csvField } from './csv-line.ts';
import { escapeCell } from './escape-cell.ts';
import { isCanonicalAmount } from './format-amount.ts';

/** Column positions in results.csv, so readers of our own file index a record without a lookup per cell. */
export const RESULT_INDEX = Object.fromEntries(RESULT_COLUMNS.map((column, i) => [column, i])) as Record<
  ResultColumn,
  number
>;

/**
 * One results field as written to the CSV. Text from input is escaped; what we produce ourselves is not: the row
 * number and attempts are integers, and a canonical amount ("-12.50" on a statement) must stay a number for
 * whoever opens the CSV. An amount that is not canonical is what the file said, so it is escaped like any text.
 */
export function resultField(column: ResultColumn, value: ResultRow[ResultColumn]): string {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new TypeError(`results ${column} must be an integer, got ${value}`);
    return String(value);
  }
  if (column === 'amount' && isCanonicalAmount(value)) return value;
  return escapeCell(value);
}

/** A results row as the CSV record, in RESULT_COLUMNS order. */
export function resultRecord(row: ResultRow): string[] {
  // Unrolled rather than a loop over RESULT_COLUMNS: this runs once per row of a million-row file.
  return [
    resultField('row', row.row),
    escapeCell(row.order_id),
    escapeCell(row.provider),
    escapeCell(row.status),
    escapeCell(row.error_code),
    escapeCell(row.error_message),
    escapeCell(row.warning),
    resultField('amount', row.amount),
    escapeCell(row.currency),
    escapeCell(row.account),
    escapeCell(row.name),
    escapeCell(row.provider_id),
    escapeCell(row.provider_status),
    resultField('attempts', row.attempts),
    escapeCell(row.note),
    escapeCell(row.updated_at),
  ];
}

/**
 * A results row as its CSV line, the same text as csvLine(resultRecord(row)) (result-record.test.ts) without the
 * array between them: written once per row of a million-row file.
 */
export function resultLine(row: ResultRow): string {
  return (
    `${csvField(resultField('row', row.row))},${csvField(escapeCell(row.order_id))},${csvField(escapeCell(row.provider))},` +
    `${csvField(escapeCell(row.status))},${csvField(escapeCell(row.error_code))},${csvField(escapeCell(row.error_message))},` +
    `${csvField(escapeCell(row.warning))},${csvField(resultField('amount', row.amount))},${csvField(escapeCell(row.currency))},` +
    `${csvField(escapeCell(row.account))},${csvField(escapeCell(row.name))},${csvField(escapeCell(row.provider_id))},` +
    `${csvField(escapeCell(row.provider_status))},${csvField(resultField('attempts', row.attempts))},${csvField(escapeCell(row.note))},` +
    csvField(escapeCell(row.updated_at))
  );
}

/** Applies a patch to a record already in CSV form; every patched value goes through the same escaping. */
export function patchRecord(record: string[], update: Partial<ResultRow>): string[] {
  const patched = record.slice();
  for (const column of RESULT_COLUMNS) {
    const value = update[column];
    if (value !== undefined) patched[RESULT_INDEX[column]] = resultField(column, value);
  }
  return patched;
}
