import { collectRows } from '../../src/ledger/collect-rows.ts';
import type { LedgerRow } from '../../src/ledger/ledger-store.ts';
import { openLedger } from '../../src/ledger/open-ledger.ts';
import type { RowStatus } from '../../src/domain/row-status.ts';

/**
 * Changes a payout at the simulated provider as the provider itself would (`POST /__admin/mutate`: a status, an
 * amount, a deletion, a payout made outside this tool); throws unless the simulator accepted it. Returns its answer.
 */
export async function mutateAtProvider(simUrl: string, body: object): Promise<Record<string, unknown>> {
  const response = await fetch(`${simUrl}/__admin/mutate`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`__admin/mutate answered ${response.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** Every row of the ledger file at `path` in one of `statuses`, read through the store (opened, read, closed). */
export async function ledgerRows(path: string, statuses: readonly RowStatus[]): Promise<LedgerRow[]> {
  const ledger = await openLedger(path);
  try {
    return await collectRows(ledger.rowsByStatus(null, [...statuses]));
  } finally {
    await ledger.close();
  }
}
