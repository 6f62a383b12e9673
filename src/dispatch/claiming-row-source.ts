import type { LedgerStore, RowLeasing } from '../ledger/ledger-store.ts';
import type { DispatchRow } from './dispatch-types.ts';
import { instructionFromRow } from './instruction-from-row.ts';

/**
 * Where the dispatch loop takes its rows from when several workers share a batch: a few at a time, each held for
 * this worker (a row lease) until it is done with it.
 */
export interface RowSource {
  /** Up to `limit` rows to pay now, in-flight rows first; [] when none is free right now. */
  claim(limit: number): Promise<DispatchRow[]>;
  /** Done with the row (its outcome is recorded, or it was lost): it goes back to the ledger and is not taken again this run. */
  done(rowId: number): void;
  /** True while this worker may still send the row's request (its lease is held, with time to run). */
  holds(rowId: number): boolean;
  /** Rows other live workers hold: with none and nothing to claim, the batch is done for this worker. */
  heldElsewhere(): Promise<number>;
  /** Hands back every row still held (end of the dispatch). */
  close(): Promise<void>;
  /** How long to wait before claiming again while other workers hold rows. */
  readonly pollMs: number;
}

/** The row source of a store with row leases (PostgreSQL): rows claimed with FOR UPDATE SKIP LOCKED. */
export function claimingRowSource(ledger: LedgerStore & RowLeasing, batchId: string, options: { pollMs?: number } = {}): RowSource {
  /** Rows this worker took this run: never claimed again by it (a row it left unknown waits for the next run). */
  const tried = new Set<number>();
  let toRelease: number[] = [];
  const flush = async () => {
    if (toRelease.length === 0) return;
    const ids = toRelease;
    toRelease = [];
    await ledger.releaseRows(ids);
  };
  return {
    pollMs: options.pollMs ?? Math.min(250, Math.max(25, Math.floor(ledger.leaseMs / 10))),
    async claim(limit) {
      await flush();
      const rows = await ledger.claimRows(batchId, limit, { exclude: [...tried] });
      const claimed: DispatchRow[] = [];
      for (const row of rows) {
        tried.add(row.id);
        const instruction = instructionFromRow(row);
        if (!instruction) throw new Error(`ledger row ${row.id} is missing payout fields`);
        claimed.push({
          rowId: row.id,
          row: row.rowNumber,
          provider: row.provider,
          status: row.status as DispatchRow['status'],
          attempts: row.attempts,
          ...(row.sentAt ? { sentAt: row.sentAt } : {}),
          ...(row.tookOver ? { takenOver: { leaseEndedMsAgo: row.leaseEndedMsAgo ?? 0 } } : {}),
          instruction,
        });
      }
      return claimed;
    },
    done(rowId) {
      toRelease.push(rowId);
    },
    holds: (rowId) => ledger.holdsLease(rowId),
    heldElsewhere: () => ledger.heldElsewhere(batchId),
    async close() {
      await flush();
    },
  };
}
