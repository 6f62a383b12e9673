import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DispatchResult } from '../dispatch/dispatch-batch.ts';
import type { DispatchRow } from '../dispatch/dispatch-types.ts';
import { openSqliteLedger } from '../ledger/sqlite/open-sqlite-ledger.ts';
import type { SqliteLedger } from '../ledger/sqlite/sqlite-ledger.ts';
import { manualClock, openBatchInput, queuedRow, tempLedger } from '../ledger/test-support/fixtures.ts';
import { batchIdFor } from '../ledger/batch-identity.ts';
import type { RunPlan } from '../plan/plan-run.ts';
import { applyRunPlan } from './apply-run-plan.ts';

let tmp: ReturnType<typeof tempLedger>;
let ledger: SqliteLedger;
beforeEach(() => {
  tmp = tempLedger();
  ledger = openSqliteLedger(tmp.path, { now: manualClock().now });
});
afterEach(async () => {
  await ledger.close();
  tmp.cleanup();
});

const batch = openBatchInput('apply', 'openpay', 6);
const batchId = batchIdFor(batch.fileHash, batch.provider, { environment: batch.environment, account: batch.account });
const plan: RunPlan = { batchId, resumed: false, rows: 6, verdicts: { valid: 6 }, totals: [], shortfalls: [], notPayable: 0 };
const CHUNKS = [[queuedRow(2, 'K-2'), queuedRow(3, 'K-3')], [queuedRow(4, 'K-4'), queuedRow(5, 'K-5')], [queuedRow(6, 'K-6'), queuedRow(7, 'K-7')]];

/** Applies the plan, writing the chunks until `crashAfter` of them are written (then throws, as a crash would stop). */
async function apply(crashAfter = Infinity) {
  const dispatched: DispatchRow[][] = [];
  let writes = 0;
  const run = applyRunPlan({
    ledger,
    plan,
    batch,
    balances: new Map(),
    capturedAt: new Date(),
    onInvalid: 'skip',
    interrupted: () => false,
    writeRows: async () => {
      writes += 1;
      for (const [i, chunk] of CHUNKS.entries()) {
        if (i >= crashAfter) throw new Error('killed between chunks');
        await ledger.insertRows(batchId, chunk);
      }
    },
    dispatch: async (rows): Promise<DispatchResult> => {
      dispatched.push(rows);
      return { progress: { total: rows.length, done: 0, paidOrPending: 0, failed: 0, unknown: 0, notSent: 0, inFlight: 0 }, halted: new Map(), peakHeld: 0 };
    },
  });
  return { run, dispatched, writes: () => writes };
}

describe('apply a run plan in chunks', () => {
  it('a failure between chunks dispatches nothing and leaves the batch not planned; the next run writes the rest and dispatches every row once', async () => {
    const crashed = await apply(1);
    await expect(crashed.run).rejects.toThrow('killed between chunks');
    expect(crashed.dispatched).toEqual([]);
    const half = await ledger.getBatch(batchId);
    expect(half).toMatchObject({ status: 'planned' });
    expect(half!.plannedAt).toBeUndefined();
    expect((await ledger.countsByStatus(batchId)).queued.count).toBe(2);
    expect(await ledger.batchLockOwner(batchId)).toBeUndefined();

    const resumed = await apply();
    await expect(resumed.run).resolves.toMatchObject({ kind: 'dispatched', rows: 6 });
    expect(resumed.writes()).toBe(1);
    expect(resumed.dispatched).toHaveLength(1);
    expect(resumed.dispatched[0]!.map((r) => r.row)).toEqual([2, 3, 4, 5, 6, 7]);
    expect((await ledger.getBatch(batchId))!.plannedAt).toBeDefined();
  });

  it('a batch whose planning is complete is not written again', async () => {
    await (await apply()).run;
    const again = await apply();
    await again.run;
    expect(again.writes()).toBe(0);
    // The stub sent nothing, so the first run released its rows as not_sent: they are requeued from the ledger.
    expect(again.dispatched[0]!.map((r) => r.row)).toEqual([2, 3, 4, 5, 6, 7]);
    expect((await ledger.countsByStatus(batchId)).queued.count + (await ledger.countsByStatus(batchId)).not_sent.count).toBe(6);
  });
});

describe('apply a run plan with the queued rows in pages', () => {
  it('hands the queued rows to the dispatch page by page, each page read from the ledger when the dispatch reaches it', async () => {
    const seen: number[][] = [];
    let handed: { rows: DispatchRow[]; total: number } | undefined;
    const result = await applyRunPlan({
      ledger,
      plan,
      batch,
      balances: new Map(),
      capturedAt: new Date(),
      onInvalid: 'skip',
      interrupted: () => false,
      queuedPageRows: 2,
      writeRows: async () => {
        for (const chunk of CHUNKS) await ledger.insertRows(batchId, chunk);
      },
      dispatch: async (rows, queued): Promise<DispatchResult> => {
        handed = { rows, total: queued!.total };
        for await (const page of queued!.pages) {
          seen.push(page.map((r) => r.row));
          // Rows that leave `queued` before their page is read (another worker took them, the run stopped) are not handed out.
          if (seen.length === 2) await ledger.releaseQueued(batchId, 'aborted');
        }
        return { progress: { total: queued!.total, done: 0, paidOrPending: 0, failed: 0, unknown: 0, notSent: 0, inFlight: 0 }, halted: new Map(), peakHeld: 0 };
      },
    });
    expect(result).toMatchObject({ kind: 'dispatched', rows: 6 });
    expect(handed).toEqual({ rows: [], total: 6 });
    expect(seen).toEqual([[2, 3], [4, 5]]);
  });
});
