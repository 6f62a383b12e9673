import type { ResultRow } from '../domain/result-row.ts';
import { writeCsvText } from './csv-text-field.ts';
import { isCanonicalAmount } from './format-amount.ts';
import { resultField } from './result-record.ts';

/**
 * results.csv lines written straight into a buffer: the bytes of `${resultLine(row)}\n` in UTF-8
 * (result-line-bytes.test.ts), without the line as a string. A million-row file would otherwise make a string per
 * row, each a tree of its 31 pieces, only to encode it and drop it.
 */

/** Bytes enough for the row's line: 9 a UTF-16 unit of text (writeCsvText), 2 quotes a field, the commas, the newline. */
export function resultLineBound(row: ResultRow): number {
  const text =
    row.order_id.length +
    row.provider.length +
    row.status.length +
    row.error_code.length +
    row.error_message.length +
    row.warning.length +
    row.amount.length +
    row.currency.length +
    row.account.length +
    row.name.length +
    row.provider_id.length +
    row.provider_status.length +
    row.note.length +
    row.updated_at.length;
  // Two integers (row, attempts) of at most 17 characters each, 16 fields' quotes, 15 commas and the newline.
  return 9 * text + 2 * 17 + 2 * 16 + 16;
}

const COMMA = 0x2c;
const NEWLINE = 0x0a;

/** An integer field (row, attempts) or a canonical amount: ASCII that needs no escaping, copied as it is. */
function writeAscii(bytes: Buffer, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) bytes[at++] = text.charCodeAt(i);
  return at;
}

function writeOwn(bytes: Buffer, at: number, column: 'row' | 'attempts', value: number | ''): number {
  return value === '' ? at : writeAscii(bytes, at, resultField(column, value));
}

function writeAmount(bytes: Buffer, at: number, amount: string): number {
  return isCanonicalAmount(amount) ? writeAscii(bytes, at, amount) : writeCsvText(bytes, at, amount);
}

/** Writes the row's line and its `\n` at `at` (room for resultLineBound(row) bytes); returns where it ends. */
export function writeResultLine(bytes: Buffer, at: number, row: ResultRow): number {
  // Unrolled, in RESULT_COLUMNS order.
  at = writeOwn(bytes, at, 'row', row.row);
  bytes[at++] = COMMA;
  at = writeCsvText(bytes, at, row.order_id);
  bytes[at++] = COMMA;
  at = writeCsvText(bytes, at, row.provider);
  bytes[at++] = COMMA;
  at = writeCsvText(bytes, at, row.status);
  bytes[at++] = COMMA;
  at = writeCsvText(bytes, at, row.error_code);
  bytes[at++] = COMMA;
  at = writeCsvText(bytes, at, row.error_message);
  bytes[at++] = COMMA;
  at = writeCsvText(bytes, at, row.warning);
  bytes[at++] = COMMA;
  at = writeAmount(bytes, at, row.amount);
  bytes[at++] = COMMA;
  at = writeCsvText(bytes, at, row.currency);
  bytes[at++] = COMMA;
  at = writeCsvText(bytes, at, row.account);
  bytes[at++] = COMMA;
  at = writeCsvText(bytes, at, row.name);
  bytes[at++] = COMMA;
  at = writeCsvText(bytes, at, row.provider_id);
  bytes[at++] = COMMA;
  at = writeCsvText(bytes, at, row.provider_status);
  bytes[at++] = COMMA;
  at = writeOwn(bytes, at, 'attempts', row.attempts);
  bytes[at++] = COMMA;
  at = writeCsvText(bytes, at, row.note);
  bytes[at++] = COMMA;
  at = writeCsvText(bytes, at, row.updated_at);
  bytes[at++] = NEWLINE;
  return at;
}
