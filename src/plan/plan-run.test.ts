import { describe, expect, it } from 'vitest';
import { defaultProviderConfig } from '../config/default-config.ts';
import { checkedRowFingerprint } from '../dedupe/dedupe-against-ledger.ts';
import type { CheckedRow } from '../domain/payout-row.ts';
import { PROVIDER_IDS, type ProviderId } from '../domain/provider-id.ts';
import type { KeyOwner } from '../ledger/ledger-store.ts';
import { keysToLookUp, planChunk, RunPlanner, withLateConflict, type PlanSnapshot } from './plan-run.ts';

const fees = Object.fromEntries(PROVIDER_IDS.map((id) => [id, { ...defaultProviderConfig(id, 'simulator').fees }])) as Record<ProviderId, ReturnType<typeof defaultProviderConfig>['fees']>;
fees.openpay = { fixedMinor: 800, percentBps: 0, ivaBps: 1600 };

const valid = (row: number, orderId: string, amountMinor: number): CheckedRow => ({
  row,
  status: 'valid',
  issues: [],
  input: { orderId },
  payout: { row, provider: 'openpay', orderId, amountMinor, currency: 'MXN', account: { kind: 'clabe', number: '646180109400135624', bankCode: '646' }, name: 'Ana' },
});
const invalid = (row: number): CheckedRow => ({ row, status: 'invalid', issues: [{ code: 'AMOUNT_FORMAT', severity: 'error', row, message: 'bad' }] as CheckedRow['issues'], input: {} });
const snapshot = (over: Partial<PlanSnapshot> = {}): PlanSnapshot => ({ batchId: 'b-now', resumed: false, planned: false, balances: new Map(), ...over });

describe('plan of a run, streaming', () => {
  it('counts verdicts and totals the valid rows with fees, holding no row', () => {
    const planner = new RunPlanner(snapshot({ balances: new Map([['openpay|MXN', 20_000]]) }), fees);
    for (const r of [valid(2, 'A', 10_000), invalid(3), valid(4, 'B', 5_000)]) planner.add(r);
    const plan = planner.finish();
    expect(plan).toMatchObject({ batchId: 'b-now', resumed: false, rows: 3, verdicts: { valid: 2, invalid: 1 }, notPayable: 1 });
    expect(plan.totals).toEqual([{ provider: 'openpay', currency: 'MXN', count: 2, amountMinor: 15_000, feeMinor: 1600, ivaMinor: 256, debitMinor: 16_856 }]);
    expect(plan.shortfalls).toEqual([]);
  });

  it('reports a shortfall when the totals with fees exceed the balance', () => {
    const planner = new RunPlanner(snapshot({ balances: new Map([['openpay|MXN', 10_000]]) }), fees);
    planner.add(valid(2, 'A', 10_000));
    expect(planner.finish().shortfalls).toEqual([{ provider: 'openpay', currency: 'MXN', balanceMinor: 10_000, requiredMinor: 10_928 }]);
  });

  it('for a batch whose planning is complete, totals the ledger rows still to send, not the file', () => {
    const planner = new RunPlanner(snapshot({ resumed: true, planned: true }), fees);
    planner.add(valid(2, 'A', 10_000));
    planner.addLedgerPayable({ provider: 'openpay', currency: 'MXN', amountMinor: 3_000 });
    const plan = planner.finish();
    expect(plan.resumed).toBe(true);
    expect(plan.verdicts).toEqual({ valid: 1 });
    expect(plan.totals.map((t) => [t.count, t.amountMinor])).toEqual([[1, 3_000]]);
  });

  it('for a batch a crash left half planned, totals the file again and refuses ledger rows', () => {
    const planner = new RunPlanner(snapshot({ resumed: true, planned: false }), fees);
    planner.add(valid(2, 'A', 10_000));
    expect(() => planner.addLedgerPayable({ provider: 'openpay', currency: 'MXN', amountMinor: 1 })).toThrow();
    expect(planner.finish().totals.map((t) => [t.count, t.amountMinor])).toEqual([[1, 10_000]]);
  });

  it('a late conflict turns the row into a conflict from the start, replacing its duplicate issue', () => {
    const dup: CheckedRow = { ...valid(5, 'A', 10_000), status: 'duplicate', issues: [{ code: 'DUPLICATE_ORDER_ID', severity: 'error', row: 5, message: 'dup' }] as CheckedRow['issues'] };
    const late = { issue: { code: 'CONFLICTING_ORDER_ID', severity: 'error', row: 5, message: 'conflict' } as CheckedRow['issues'][number], previousStatus: 'duplicate' as const, currency: 'MXN' as const, amountMinor: 10_000 };
    const out = withLateConflict(dup, late);
    expect(out.status).toBe('conflict');
    expect(out.issues.map((i) => i.code)).toEqual(['CONFLICTING_ORDER_ID']);
    expect(withLateConflict(dup, undefined)).toBe(dup);
  });

  it('dedupes a chunk against the key owners of earlier batches, not of its own batch', () => {
    const a = valid(2, 'A', 10_000);
    const b = valid(3, 'B', 10_000);
    const c = valid(4, 'C', 10_000);
    const owner = (batchId: string, row: CheckedRow): KeyOwner => ({ rowId: 1, batchId, rowNumber: 9, provider: 'openpay', environment: 'simulator', status: 'paid', fingerprint: checkedRowFingerprint(row)!, ownsKey: true });
    const owners = new Map([['A', owner('b-earlier', a)], ['B', owner('b-now', b)]]);
    expect(keysToLookUp([a, b, c, invalid(5)])).toEqual(['A', 'B', 'C']);
    expect(planChunk([a, b, c, invalid(5)], owners, 'b-now').map((r) => r.status)).toEqual(['duplicate', 'valid', 'valid', 'invalid']);
  });
});
