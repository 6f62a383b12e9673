/** Test support for the report modules: ledger rows and history entries as the SQLite store returns them. */
import type { HistoryEntry, LedgerRow } from '../../ledger/ledger-store.ts';

export const T0 = new Date('2026-03-02T15:00:00.000Z');
export const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);

export function ledgerRow(id: number, overrides: Partial<LedgerRow> = {}): LedgerRow {
  return {
    id,
    batchId: 'b1',
    rowNumber: id + 1,
    provider: 'openpay',
    environment: 'simulator',
    orderKey: `OP-${id}`,
    amountMinor: 100_000,
    currency: 'MXN',
    accountMasked: '012***********7897',
    name: `Payee ${id}`,
    status: 'paid',
    attempts: 1,
    providerPayoutId: `tr${id}`,
    providerStatus: 'completed',
    sentAt: at(id),
    createdAt: T0,
    updatedAt: at(100 + id),
    ...overrides,
  };
}

export function historyEntry(rowId: number, to: HistoryEntry['to'], when: Date, overrides: Partial<HistoryEntry> = {}): HistoryEntry {
  return { id: 0, rowId, batchId: 'b1', at: when, from: null, to, cause: 'sync', attempt: 1, ...overrides };
}
