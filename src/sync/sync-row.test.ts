import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LedgerRow, LedgerStore } from '../ledger/ledger-store.ts';
import { openLedger } from '../ledger/open-ledger.ts';
import { openBatchInput, tempLedger } from '../ledger/test-support/fixtures.ts';
import { closeHttpAgent } from '../providers/http-client.ts';
import { getProvider } from '../providers/registry.ts';
import { testSession } from '../providers/test-support/session.ts';
import { SIMULATOR_CREDENTIALS, startSimulator, type RunningSimulator } from '../simulator/index.ts';
import { recheckReturnedRow, syncRow, type SyncRowContext } from './sync-row.ts';

/** syncRow against the real simulator and a real ledger file: the cases the command-level tests do not reach. */
let sim: RunningSimulator;
let tmp: ReturnType<typeof tempLedger>;
let ledger: LedgerStore;
let batchId: string;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 21, settleMs: 600_000 });
});
afterAll(async () => {
  await closeHttpAgent();
  await sim.close();
});
beforeEach(async () => {
  tmp = tempLedger();
  ledger = await openLedger(tmp.path);
  batchId = (await ledger.openBatch(openBatchInput('sync-row'))).batch.id;
});
afterEach(async () => {
  await ledger.close();
  tmp.cleanup();
});

const ctx = (): SyncRowContext => ({
  provider: getProvider('openpay'),
  session: testSession('openpay', sim.baseUrl('openpay'), SIMULATOR_CREDENTIALS),
  environment: 'simulator',
  ledger,
  maxAttempts: 2,
});

/** A row sent once (valid CLABE), left in `status` with or without a payout id. */
async function sentRow(orderKey: string, status: 'pending' | 'unknown', providerPayoutId?: string): Promise<LedgerRow> {
  const rowNumber = (await ledger.countsByStatus(batchId)).queued.count + 100 + orderKey.length;
  await ledger.insertRows(batchId, [{ rowNumber, status: 'queued', orderKey, amountMinor: 12_345, currency: 'MXN', account: { kind: 'clabe', number: '012180001183597198', bankCode: '012' }, name: 'Ana' }]);
  const id = (await ledger.getRowByNumber(batchId, rowNumber))!.id;
  const lock = await ledger.acquireBatchLock(batchId);
  const [mark] = await ledger.markSending([{ rowId: id }]);
  await ledger.recordOutcomes([{ rowId: id, to: status, cause: status === 'pending' ? 'provider_accepted' : 'timeout', attempt: mark!.attempt, ...(providerPayoutId ? { providerPayoutId, providerStatus: 'in_progress' } : {}) }]);
  await lock.release();
  return (await ledger.getRow(id))!;
}

async function createAtProvider(orderId: string): Promise<string> {
  const created = await getProvider('openpay').createPayout(ctx().session, {
    requestKey: 'k'.repeat(32),
    orderId,
    amountMinor: 12_345,
    currency: 'MXN',
    account: { kind: 'clabe', number: '012180001183597198', bankCode: '012' },
    name: 'Ana',
  });
  return created.payoutId;
}

describe('syncRow', () => {
  it('keeps a pending row as it is when the provider no longer knows its payout, and says so', async () => {
    const payoutId = await createAtProvider('SR-GONE');
    const row = await sentRow('SR-GONE', 'pending', payoutId);
    await fetch(`${sim.url}/__admin/mutate`, { method: 'POST', body: JSON.stringify({ provider: 'openpay', provider_id: payoutId, delete: true }) });

    const result = await syncRow(row, ctx());
    expect(result).toMatchObject({ verdict: 'unknown', via: 'status', before: 'pending', after: 'pending', changed: false, errorCode: '1005' });
    expect((await ledger.getRow(row.id))!.status).toBe('pending');
    expect((await ledger.history(row.id)).map((h) => h.cause)).toEqual(['planned', 'sent', 'provider_accepted']);
  });

  it('records a final state the provider reports, keeping its status word and payout id', async () => {
    const payoutId = await createAtProvider('SR-FAIL');
    const row = await sentRow('SR-FAIL', 'pending', payoutId);
    await fetch(`${sim.url}/__admin/mutate`, { method: 'POST', body: JSON.stringify({ provider: 'openpay', provider_id: payoutId, status: 'failed' }) });

    expect(await syncRow(row, ctx())).toMatchObject({ verdict: 'found', after: 'failed', changed: true, providerStatus: 'failed' });
    expect(await ledger.getRow(row.id)).toMatchObject({ status: 'failed', providerStatus: 'failed', providerPayoutId: payoutId, errorCode: 'PROVIDER_FAILED' });
    // Asking again records nothing new.
    expect(await syncRow((await ledger.getRow(row.id))!, ctx())).toMatchObject({ verdict: 'found', changed: false });
  });

  it('does not overwrite what another writer recorded while the lookup was in flight', async () => {
    const row = await sentRow('SR-RACE', 'unknown');
    // A webhook settles the row after sync read it; sync's lookup then finds the payout (the same order id).
    const payoutId = await createAtProvider('SR-RACE');
    await ledger.applyProviderState(row.id, 'paid', { cause: 'webhook', providerPayoutId: payoutId, providerStatus: 'completed' });

    const result = await syncRow(row, ctx());
    expect(result).toMatchObject({ verdict: 'found', after: 'paid', changed: false });
    expect(await ledger.getRow(row.id)).toMatchObject({ status: 'paid', providerStatus: 'completed' });
  });

  it('skips a pending row without a payout id instead of resending it', async () => {
    const row = { ...await sentRow('SR-NOID', 'pending', 'placeholder'), providerPayoutId: undefined } as LedgerRow;
    expect(await syncRow(row, ctx())).toMatchObject({ verdict: 'skipped', errorCode: 'NO_PAYOUT_ID', changed: false });
    const journal = (await (await fetch(`${sim.url}/__admin/journal`)).json()) as Array<{ reference: string }>;
    expect(journal.filter((e) => e.reference === 'SR-NOID')).toEqual([]);
  });
});

describe('recheckReturnedRow', () => {
  const mutate = (body: Record<string, unknown>) => fetch(`${sim.url}/__admin/mutate`, { method: 'POST', body: JSON.stringify(body) });

  /** A row paid, then returned (paid → failed, RETURNED), as sync records a return. */
  async function returnedRow(orderKey: string): Promise<{ row: LedgerRow; payoutId: string }> {
    const payoutId = await createAtProvider(orderKey);
    const sent = await sentRow(orderKey, 'pending', payoutId);
    await ledger.applyProviderState(sent.id, 'paid', { cause: 'sync', providerStatus: 'completed' });
    await ledger.applyProviderState(sent.id, 'failed', { cause: 'sync', providerStatus: 'failed', errorCode: 'RETURNED', errorMessage: 'returned' });
    return { row: (await ledger.getRow(sent.id))!, payoutId };
  }

  it('leaves the return standing while the provider still shows the payout failed', async () => {
    const { row, payoutId } = await returnedRow('RR-STILL');
    await mutate({ provider: 'openpay', provider_id: payoutId, status: 'failed' });
    const result = await recheckReturnedRow(row, ctx());
    expect(result).toMatchObject({ verdict: 'found', recheck: true, after: 'failed', changed: false });
    expect(result.finding).toBeUndefined();
    expect(await ledger.getRow(row.id)).toMatchObject({ status: 'failed', errorCode: 'RETURNED' });
  });

  it('records the reversal of a return, and flags at once a payout now of another amount', async () => {
    const { row, payoutId } = await returnedRow('RR-BACK');
    await mutate({ provider: 'openpay', provider_id: payoutId, status: 'completed' });
    expect(await recheckReturnedRow(row, ctx())).toMatchObject({ verdict: 'found', before: 'failed', after: 'paid', changed: true, finding: 'return_reversed', providerStatus: 'completed' });
    expect((await ledger.history(row.id)).at(-1)).toMatchObject({ from: 'failed', to: 'paid', cause: 'return_reversed' });

    const other = await returnedRow('RR-AMOUNT');
    await mutate({ provider: 'openpay', provider_id: other.payoutId, status: 'completed', amount_cents: 12_000 });
    expect(await recheckReturnedRow(other.row, ctx())).toMatchObject({ after: 'paid', finding: 'amount_changed', errorCode: 'AMOUNT_CHANGED' });
    expect(await ledger.getRow(other.row.id)).toMatchObject({ status: 'paid', errorCode: 'AMOUNT_CHANGED' });
  });

  it('puts a PAID_TWICE row back to RETURNED once the provider fails its payout again', async () => {
    const { row, payoutId } = await returnedRow('RR-TWICE');
    // A later row takes the order id after the return (as a later batch through another provider would).
    const later = (await ledger.openBatch(openBatchInput('sync-row-later'))).batch.id;
    await ledger.insertRows(later, [{ rowNumber: 2, status: 'queued', orderKey: 'RR-TWICE', amountMinor: 12_345, currency: 'MXN', account: { kind: 'clabe', number: '012180001183597198', bankCode: '012' }, name: 'Ana' }]);
    await mutate({ provider: 'openpay', provider_id: payoutId, status: 'completed' });
    expect(await recheckReturnedRow(row, ctx())).toMatchObject({ after: 'failed', changed: true, finding: 'paid_twice', errorCode: 'PAID_TWICE', owner: { batchId: later, rowNumber: 2 } });

    await mutate({ provider: 'openpay', provider_id: payoutId, status: 'failed' });
    const flagged = (await ledger.getRow(row.id))!;
    expect(flagged.errorCode).toBe('PAID_TWICE');
    expect(await recheckReturnedRow(flagged, ctx())).toMatchObject({ after: 'failed', changed: true, finding: 'returned', errorCode: 'RETURNED' });
    expect(await ledger.getRow(row.id)).toMatchObject({ status: 'failed', errorCode: 'RETURNED', providerStatus: 'failed' });
  });

  it('does not move a row the provider rejected (failed, never paid) even if its payout shows paid', async () => {
    const payoutId = await createAtProvider('RR-REJECTED');
    const sent = await sentRow('RR-REJECTED', 'pending', payoutId);
    await ledger.applyProviderState(sent.id, 'failed', { cause: 'sync', providerStatus: 'failed' });
    await mutate({ provider: 'openpay', provider_id: payoutId, status: 'completed' });
    expect(await recheckReturnedRow((await ledger.getRow(sent.id))!, ctx())).toMatchObject({ after: 'failed', changed: false });
    expect((await ledger.getRow(sent.id))!.status).toBe('failed');
  });
});
