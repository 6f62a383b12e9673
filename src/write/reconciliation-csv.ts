import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { formatMinor } from '../domain/money.ts';
import type { ReconciliationException } from '../report/exceptions.ts';
import { QUOTE_ALSO } from './csv-line.ts';
import { escapeCell } from './escape-cell.ts';
import { exclusiveWriteStream } from './output-file.ts';

export const EXCEPTIONS_CSV_COLUMNS = [
  'type',
  'provider',
  'order_id',
  'provider_id',
  'ledger_status',
  'provider_status',
  'currency',
  'ledger_amount',
  'provider_amount',
  'ledger_destination',
  'provider_destination',
  'batch_id',
  'row',
  'action',
  'detail',
] as const;

/**
 * exceptions.csv: the Exceptions sheet of reconciliation.xlsx for scripts (--format csv or both). The Summary's
 * formulas need a workbook, so reconciliation.xlsx is written whatever the format; this is its one table a
 * nightly job acts on.
 */
export async function writeExceptionsCsv(path: string, exceptions: readonly ReconciliationException[]): Promise<void> {
  const stringifier = stringify({ bom: true, header: true, columns: [...EXCEPTIONS_CSV_COLUMNS], quoted_match: QUOTE_ALSO });
  const done = pipeline(stringifier, exclusiveWriteStream(path));
  for (const e of exceptions) {
    const record = [
      e.type,
      e.provider,
      escapeCell(e.orderId ?? ''),
      escapeCell(e.providerPayoutId ?? ''),
      e.ledgerStatus ?? '',
      escapeCell(e.providerStatus ?? ''),
      escapeCell(e.currency ?? ''),
      e.ledgerAmountMinor !== undefined ? formatMinor(e.ledgerAmountMinor) : '',
      e.providerAmountMinor !== undefined ? formatMinor(e.providerAmountMinor) : '',
      escapeCell(e.ledgerDestination ?? ''),
      escapeCell(e.providerDestination ?? ''),
      e.batchId ?? '',
      e.rowNumber !== undefined ? String(e.rowNumber) : '',
      e.action,
      escapeCell(e.detail),
    ];
    if (!stringifier.write(record)) await new Promise((resolve) => stringifier.once('drain', resolve));
  }
  stringifier.end();
  await done;
}
