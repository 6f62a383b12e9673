import { beforeEach, describe, expect, it } from 'vitest';
import { batchIdFor } from './batch-identity.ts';
import { LedgerError } from './ledger-error.ts';
import type { LedgerScope, LedgerStore } from './ledger-store.ts';
import { hashOf, manualClock, openBatchInput, queuedRow } from './test-support/fixtures.ts';
import { describeLedgerStores } from './test-support/ledger-stores.ts';

/** Environments never mix: batches, key ownership and recipients per environment (and provider account), on both stores. */
const SIM: LedgerScope = { environment: 'simulator', account: 'merchant:m1' };
const LIVE: LedgerScope = { environment: 'live', account: 'merchant:m1' };

describeLedgerStores('environments', (h) => {
let clock: ReturnType<typeof manualClock>;
const open = (): Promise<LedgerStore> => h.open({ now: clock.now });
beforeEach(() => {
  clock = manualClock();
});

describe('batch identity', () => {
  it('the same file and provider is one batch per environment and per account', async () => {
    const ledger = await open();
    const sim = await ledger.openBatch(openBatchInput('file', 'openpay', 1, SIM));
    const live = await ledger.openBatch(openBatchInput('file', 'openpay', 1, LIVE));
    const otherMerchant = await ledger.openBatch(openBatchInput('file', 'openpay', 1, { environment: 'live', account: 'merchant:m2' }));
    expect(new Set([sim.batch.id, live.batch.id, otherMerchant.batch.id]).size).toBe(3);
    expect([sim.created, live.created, otherMerchant.created]).toEqual([true, true, true]);
    expect(live.batch).toMatchObject({ id: batchIdFor(hashOf('file'), 'openpay', LIVE), environment: 'live', account: 'merchant:m1' });
    // Resumes on the same target.
    expect((await ledger.openBatch(openBatchInput('file', 'openpay', 1, LIVE))).created).toBe(false);
  });

  it('refuses an environment or an account it does not know', () => {
    expect(() => batchIdFor(hashOf('x'), 'openpay', { environment: 'unknown' as never, account: 'a' })).toThrow(LedgerError);
    expect(() => batchIdFor(hashOf('x'), 'openpay', { environment: 'live', account: '' })).toThrow(LedgerError);
  });
});

describe('key ownership per environment', () => {
  it('the same order_key owned in the simulator and on live: both rows are queued, each owner in its environment', async () => {
    const ledger = await open();
    const sim = (await ledger.openBatch(openBatchInput('rehearsal', 'openpay', 1, SIM))).batch;
    const live = (await ledger.openBatch(openBatchInput('real', 'openpay', 1, LIVE))).batch;
    expect((await ledger.insertRows(sim.id, [queuedRow(2, 'K-1')])).demoted).toEqual([]);
    expect((await ledger.insertRows(live.id, [queuedRow(2, 'K-1')])).demoted).toEqual([]);
    const simRow = (await ledger.getRowByNumber(sim.id, 2))!;
    const liveRow = (await ledger.getRowByNumber(live.id, 2))!;
    expect([simRow.status, liveRow.status]).toEqual(['queued', 'queued']);
    expect([simRow.environment, liveRow.environment]).toEqual(['simulator', 'live']);
    expect((await ledger.findKeyOwners('simulator', ['K-1'])).get('K-1')).toMatchObject({ rowId: simRow.id, environment: 'simulator', ownsKey: true });
    expect((await ledger.findKeyOwners('live', ['K-1'])).get('K-1')).toMatchObject({ rowId: liveRow.id, environment: 'live', ownsKey: true });
    expect((await ledger.findKeyOwners('sandbox', ['K-1'])).size).toBe(0);
  });

  it('within one environment the key still has one owner: a second live batch gets a duplicate', async () => {
    const ledger = await open();
    const first = (await ledger.openBatch(openBatchInput('live-a', 'openpay', 1, LIVE))).batch;
    const second = (await ledger.openBatch(openBatchInput('live-b', 'conekta', 1, { environment: 'live', account: 'key:abc' }))).batch;
    await ledger.insertRows(first.id, [queuedRow(2, 'K-2')]);
    const { demoted } = await ledger.insertRows(second.id, [queuedRow(2, 'K-2')]);
    expect(demoted).toEqual([expect.objectContaining({ status: 'duplicate', owner: expect.objectContaining({ batchId: first.id, environment: 'live' }) })]);
    expect((await ledger.getRowByNumber(second.id, 2))!.errorCode).toBe('DUPLICATE_ORDER_ID');
  });

  it('a not_sent row is requeued when only another environment owns its key', async () => {
    const ledger = await open();
    const live = (await ledger.openBatch(openBatchInput('interrupted', 'openpay', 1, LIVE))).batch;
    await ledger.insertRows(live.id, [queuedRow(2, 'K-3')]);
    await ledger.releaseQueued(live.id, 'interrupted');
    const sim = (await ledger.openBatch(openBatchInput('rehearsal-3', 'openpay', 1, SIM))).batch;
    await ledger.insertRows(sim.id, [queuedRow(2, 'K-3')]);
    expect(await ledger.requeueNotSent(live.id)).toEqual({ requeued: 1, demoted: [] });
  });
});

describe('recipients per environment and account', () => {
  it('a payee made on the simulator is not read on live, nor under another account', async () => {
    const ledger = await open();
    await ledger.saveRecipient(SIM, 'conekta', '002180000000000002', 'payee_sim');
    expect(await ledger.getRecipient(SIM, 'conekta', '002180000000000002')).toBe('payee_sim');
    expect(await ledger.getRecipient(LIVE, 'conekta', '002180000000000002')).toBeUndefined();
    expect(await ledger.getRecipient({ environment: 'simulator', account: 'merchant:other' }, 'conekta', '002180000000000002')).toBeUndefined();
    await ledger.saveRecipient(LIVE, 'conekta', '002180000000000002', 'payee_live');
    expect(await ledger.getRecipient(LIVE, 'conekta', '002180000000000002')).toBe('payee_live');
    expect(await ledger.getRecipient(SIM, 'conekta', '002180000000000002')).toBe('payee_sim');
  });
});
});
