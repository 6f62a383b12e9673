import { formatMinor } from '../domain/money.ts';
import type { ResultRow } from '../domain/result-row.ts';
import type { LedgerRow } from '../ledger/ledger-store.ts';
import { providerOfRow } from '../domain/row-provider.ts';

/** A ledger row as a line of results.csv: masked account, canonical amount, the provider's id and status. */
export function resultRowFromLedger(row: LedgerRow): ResultRow {
  const input = row.input ?? {};
  return {
    row: row.rowNumber,
    order_id: row.orderKey ?? input.orderId ?? '',
    // A row naming none of our providers shows what its cell said, as validate's results do: it belongs to none.
    provider: providerOfRow(row) ?? input.provider ?? '',
    status: row.status,
    error_code: row.errorCode ?? '',
    error_message: row.errorMessage ?? '',
    warning: row.warning ?? '',
    amount: row.amountMinor !== undefined ? formatMinor(row.amountMinor) : (input.amount ?? ''),
    currency: row.currency ?? input.currency ?? '',
    account: row.accountMasked ?? input.account ?? '',
    name: row.name ?? input.name ?? '',
    provider_id: row.providerPayoutId ?? '',
    provider_status: row.providerStatus ?? '',
    attempts: row.attempts || '',
    note: row.note ?? '',
    updated_at: row.updatedAt.toISOString(),
  };
}
