import { RESULT_COLUMNS } from '../domain/result-row.ts';
import type { ResultColumn, ResultRow } from '../domain/result-row.ts';
import { csvTextField } from './csv-text-field.ts';
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

/** A field we produce ourselves (row, amount, attempts) as csvField(resultField(…)) writes it: no text scan for an integer or a canonical amount. */
function ownField(column: 'row' | 'amount' | 'attempts', value: ResultRow[ResultColumn]): string {
  if (typeof value === 'number' || (column === 'amount' && isCanonicalAmount(value))) return resultField(column, value);
  return csvTextField(value);
}

/**
 * A results row as its CSV line, the same text as csvLine(resultRecord(row)) (result-record.test.ts) without the
 * array between them, and one pass over each text cell (csvTextField): written once per row of a million-row file.
 */
export function resultLine(row: ResultRow): string {
  return (
    `${ownField('row', row.row)},${csvTextField(row.order_id)},${csvTextField(row.provider)},` +
    `${csvTextField(row.status)},${csvTextField(row.error_code)},${csvTextField(row.error_message)},` +
    `${csvTextField(row.warning)},${ownField('amount', row.amount)},${csvTextField(row.currency)},` +
    `${csvTextField(row.account)},${csvTextField(row.name)},${csvTextField(row.provider_id)},` +
    `${csvTextField(row.provider_status)},${ownField('attempts', row.attempts)},${csvTextField(row.note)},` +
    csvTextField(row.updated_at)
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
