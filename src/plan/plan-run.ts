import type { FeeSchedule } from '../config/config-types.ts';
import { dedupeAgainstLedger } from '../dedupe/dedupe-against-ledger.ts';
import type { Minor } from '../domain/money.ts';
import type { CheckedRow } from '../domain/payout-row.ts';
import type { ProviderId } from '../domain/provider-id.ts';
import type { KeyOwner, LedgerRowInput } from '../ledger/ledger-store.ts';
import { ledgerRowInput } from './ledger-row-input.ts';
import { fundsShortfalls, planTotals, type FundsShortfall, type PlannedPayout, type PlanTotal } from './plan-batch.ts';

/** What the plan needs to know of the ledger and the providers, read before planning (apply/read-plan-snapshot.ts). */
export interface PlanSnapshot {
  batchId: string;
  /** The batch is already in the ledger: this run resumes it. */
  resumed: boolean;
  /** Per order_id (one payout intent whatever provider carries it), the row that owns the key or last released it. */
  keyOwners: ReadonlyMap<string, KeyOwner>;
  /** For a resumed batch: its rows still to be sent or settled (queued, not_sent, sending, unknown). */
  resumedPayable: readonly PlannedPayout[];
  /** Per `provider|currency`, the balance where the provider reports one. */
  balances: ReadonlyMap<string, Minor>;
}

export interface RunPlan {
  batchId: string;
  resumed: boolean;
  /** Every row of the file with its verdict after the dedupe against earlier runs. */
  rows: CheckedRow[];
  /** The rows as the ledger writes them (valid → queued; the rest keep their verdict). */
  rowsToWrite: LedgerRowInput[];
  /** What would be sent (or settled first): new valid rows, or a resumed batch's unfinished rows. */
  toSend: PlannedPayout[];
  totals: PlanTotal[];
  /** Non-empty: the batch does not fit the balance and nothing may be sent. */
  shortfalls: FundsShortfall[];
  /** Rows that are invalid, duplicate or conflict. */
  notPayable: number;
}

/** The order keys to look up in the ledger, per provider: those of the rows that are valid so far. */
export function keysToLookUp(rows: readonly CheckedRow[]): string[] {
  const keys = new Set<string>();
  for (const r of rows) if (r.status === 'valid' && r.payout) keys.add(r.payout.orderId);
  return [...keys];
}

/**
 * Pure: the checked rows of a file and a snapshot of the ledger and balances → what the run will write and send.
 * The dedupe against earlier runs happens here (the ledger enforces the same rule again when the rows are written).
 */
export function planRun(rows: readonly CheckedRow[], snapshot: PlanSnapshot, fees: Record<ProviderId, FeeSchedule>): RunPlan {
  const planned = rows.map((r) =>
    r.payout ? dedupeAgainstLedger(r, snapshot.keyOwners.get(r.payout.orderId), snapshot.batchId) : r,
  );
  const toSend = snapshot.resumed
    ? [...snapshot.resumedPayable]
    : planned.flatMap((r) => (r.status === 'valid' && r.payout ? [{ provider: r.payout.provider, currency: r.payout.currency, amountMinor: r.payout.amountMinor }] : []));
  const totals = planTotals(toSend, fees);
  return {
    batchId: snapshot.batchId,
    resumed: snapshot.resumed,
    rows: planned,
    rowsToWrite: planned.map(ledgerRowInput),
    toSend,
    totals,
    shortfalls: fundsShortfalls(totals, snapshot.balances),
    notPayable: planned.filter((r) => r.status !== 'valid').length,
  };
}
