import type { FeeSchedule } from '../config/config-types.ts';
import type { LateConflict } from '../dedupe/dedupe-in-file.ts';
import { dedupeAgainstLedger } from '../dedupe/dedupe-against-ledger.ts';
import type { Minor } from '../domain/money.ts';
import type { CheckedRow } from '../domain/payout-row.ts';
import type { ProviderId } from '../domain/provider-id.ts';
import type { RowStatus } from '../domain/row-status.ts';
import type { KeyOwner } from '../ledger/ledger-store.ts';
import { fundsShortfalls, PlanTotals, type FundsShortfall, type PlannedPayout, type PlanTotal } from './plan-batch.ts';

/** What the plan needs to know of the ledger and the providers before the file is planned (apply/read-plan-snapshot.ts). */
export interface PlanSnapshot {
  batchId: string;
  /** The batch is already in the ledger: this run resumes it. */
  resumed: boolean;
  /**
   * Every row of the file is in the ledger (the batch's planning-complete marker): what is sent is the batch's
   * unfinished rows as the ledger holds them. False for a new batch and for one whose planning a crash cut short,
   * whose totals come from the file again.
   */
  planned: boolean;
  /** Per `provider|currency`, the balance where the provider reports one. */
  balances: ReadonlyMap<string, Minor>;
}

/** The plan of a run: counts and totals only, whatever the size of the file (the rows stream through). */
export interface RunPlan {
  batchId: string;
  resumed: boolean;
  /** Rows of the file. */
  rows: number;
  /** Per verdict after the dedupe against earlier runs (valid, invalid, duplicate, conflict): how many rows. */
  verdicts: Partial<Record<RowStatus, number>>;
  /** What would be sent (or settled first): new valid rows, or a planned batch's unfinished rows. */
  totals: PlanTotal[];
  /** Non-empty: the batch does not fit the balance and nothing may be sent. */
  shortfalls: FundsShortfall[];
  /** Rows that are invalid, duplicate or conflict. */
  notPayable: number;
}

/** The order keys to look up in the ledger: those of the rows that are valid so far. */
export function keysToLookUp(rows: readonly CheckedRow[]): string[] {
  const keys = new Set<string>();
  for (const r of rows) if (r.status === 'valid' && r.payout) keys.add(r.payout.orderId);
  return [...keys];
}

/**
 * A row as the whole file judges it: an earlier row that a later one turned into a conflict (the first pass over the
 * file found it) is a conflict from the start, its DUPLICATE_ORDER_ID replaced by the conflict.
 */
export function withLateConflict(row: CheckedRow, late: LateConflict | undefined): CheckedRow {
  if (!late) return row;
  return { ...row, status: 'conflict', issues: [...row.issues.filter((x) => x.code !== 'DUPLICATE_ORDER_ID'), late.issue] };
}

/**
 * Pure: a chunk of checked rows and the owners of their keys in the ledger → the rows with their verdicts against
 * earlier runs (the ledger enforces the same rule again when the rows are written).
 */
export function planChunk(rows: readonly CheckedRow[], keyOwners: ReadonlyMap<string, KeyOwner>, batchId: string): CheckedRow[] {
  return rows.map((r) => (r.payout ? dedupeAgainstLedger(r, keyOwners.get(r.payout.orderId), batchId) : r));
}

/**
 * Builds the RunPlan as the planned rows stream by: it keeps counts and totals, never a row. For a planned batch
 * (snapshot.planned) the totals are of the ledger's unfinished rows, given with addLedgerPayable.
 */
export class RunPlanner {
  private readonly totals: PlanTotals;
  private readonly verdicts = new Map<RowStatus, number>();
  private rows = 0;

  constructor(
    private readonly snapshot: PlanSnapshot,
    fees: Record<ProviderId, FeeSchedule>,
  ) {
    this.totals = new PlanTotals(fees);
  }

  /** One row of the file after planChunk. */
  add(row: CheckedRow): void {
    this.rows += 1;
    this.verdicts.set(row.status, (this.verdicts.get(row.status) ?? 0) + 1);
    if (!this.snapshot.planned && row.status === 'valid' && row.payout) {
      this.totals.add({ provider: row.payout.provider, currency: row.payout.currency, amountMinor: row.payout.amountMinor });
    }
  }

  /** A planned batch's row still to be sent or settled (queued, not_sent, sending, unknown). */
  addLedgerPayable(payout: PlannedPayout): void {
    if (!this.snapshot.planned) throw new Error('ledger rows count toward the plan only for a batch whose planning is complete');
    this.totals.add(payout);
  }

  finish(): RunPlan {
    const totals = this.totals.list();
    let notPayable = 0;
    for (const [status, n] of this.verdicts) if (status !== 'valid') notPayable += n;
    return {
      batchId: this.snapshot.batchId,
      resumed: this.snapshot.resumed,
      rows: this.rows,
      verdicts: Object.fromEntries(this.verdicts),
      totals,
      shortfalls: fundsShortfalls(totals, this.snapshot.balances),
      notPayable,
    };
  }
}
