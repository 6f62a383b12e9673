import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LedgerStore } from '../ledger/ledger-store.ts';
import { openLedger } from '../ledger/open-ledger.ts';
import { openBatchInput, queuedRow, tempLedger } from '../ledger/test-support/fixtures.ts';
import { applyPayoutEvent } from './apply-payout-event.ts';
import type { PayoutEvent } from './payout-event.ts';

let tmp: ReturnType<typeof tempLedger>;
let ledger: LedgerStore;
let batchId: string;
const rowId: Record<string, number> = {};

beforeEach(async () => {
  tmp = tempLedger();
  ledger = await openLedger(tmp.path);
  batchId = (await ledger.openBatch(openBatchInput('webhook-batch'))).batch.id;
  await ledger.insertRows(batchId, [queuedRow(2, 'OP-1'), queuedRow(3, 'OP-2'), queuedRow(4, 'OP-3'), queuedRow(5, 'OP-4')]);
  for (const n of [2, 3, 4, 5]) rowId[`OP-${n - 1}`] = (await ledger.getRowByNumber(batchId, n))!.id;
  const lock = await ledger.acquireBatchLock(batchId);
  const marks = await ledger.markSending(Object.values(rowId).map((id) => ({ rowId: id })));
  // OP-1 and OP-2 accepted by the provider; OP-3 still in flight (no payout id yet); OP-4 left alone for later.
  await ledger.recordOutcomes([
    { rowId: rowId['OP-1']!, to: 'pending', cause: 'provider_accepted', attempt: marks[0]!.attempt, providerPayoutId: 'tr_1', providerStatus: 'in_progress' },
    { rowId: rowId['OP-2']!, to: 'pending', cause: 'provider_accepted', attempt: marks[1]!.attempt, providerPayoutId: 'tr_2', providerStatus: 'in_progress' },
  ]);
  await lock.release();
});

afterEach(async () => {
  await ledger.close();
  tmp.cleanup();
});

const at = (s: number) => new Date(Date.UTC(2026, 2, 1, 12, 0, s));
const event = (payoutId: string, state: PayoutEvent['state'], providerStatus: string, occurredAt?: Date, extra: Partial<PayoutEvent> = {}): PayoutEvent => ({
  provider: 'openpay',
  payoutId,
  state,
  providerStatus,
  type: `payout.${providerStatus}`,
  ...(occurredAt ? { occurredAt } : {}),
  ...extra,
});

describe('applyPayoutEvent', () => {
  it('applies a paid event once: the same event again changes nothing', async () => {
    expect(await applyPayoutEvent(ledger, event('tr_1', 'paid', 'completed', at(10)))).toMatchObject({ kind: 'applied', changed: true, status: 'paid' });
    expect(await applyPayoutEvent(ledger, event('tr_1', 'paid', 'completed', at(10)))).toMatchObject({ kind: 'applied', changed: false, status: 'paid' });
    const history = await ledger.history(rowId['OP-1']!);
    expect(history.filter((h) => h.cause === 'webhook')).toHaveLength(1);
    expect(history.at(-1)).toMatchObject({ from: 'pending', to: 'paid', cause: 'webhook', providerStatus: 'completed' });
    expect(history.at(-1)!.providerEventAt?.toISOString()).toBe(at(10).toISOString());
  });

  it('never lets an older event overwrite a newer one, final or not', async () => {
    // Out of order: paid, then the older "created" → stays paid.
    await applyPayoutEvent(ledger, event('tr_1', 'paid', 'completed', at(10)));
    expect(await applyPayoutEvent(ledger, event('tr_1', 'pending', 'in_progress', at(1)))).toMatchObject({ changed: false, status: 'paid' });
    // An older failure does not reverse a newer payment either (a newer one would: paid → failed is a reversal).
    expect(await applyPayoutEvent(ledger, event('tr_1', 'failed', 'failed', at(5)))).toMatchObject({ changed: false, status: 'paid', ignored: 'older' });
    expect(await ledger.getRow(rowId['OP-1']!)).toMatchObject({ status: 'paid', providerStatus: 'completed' });

    // Not final: the newer status word stays when an older event arrives late.
    await applyPayoutEvent(ledger, event('tr_2', 'pending', 'in_transit', at(20)));
    expect(await applyPayoutEvent(ledger, event('tr_2', 'pending', 'pending', at(15)))).toMatchObject({ changed: false, ignored: 'older' });
    expect(await ledger.getRow(rowId['OP-2']!)).toMatchObject({ status: 'pending', providerStatus: 'in_transit' });
  });

  it('records a failure with the provider message', async () => {
    await applyPayoutEvent(ledger, event('tr_2', 'failed', 'failed', at(30), { failureMessage: 'Cuenta inexistente' }));
    expect(await ledger.getRow(rowId['OP-2']!)).toMatchObject({ status: 'failed', errorCode: 'PROVIDER_FAILED', errorMessage: 'Cuenta inexistente' });
  });

  it('asks for redelivery when the event overtook the payout id (the row is ours by reference but has no id yet)', async () => {
    const early = event('tr_3', 'pending', 'in_progress', at(2), { reference: 'OP-3' });
    expect(await applyPayoutEvent(ledger, early)).toMatchObject({ kind: 'not_recorded_yet', rowId: rowId['OP-3'], status: 'sending' });
    expect((await ledger.getRow(rowId['OP-3']!))!.status).toBe('sending');
    // The dispatcher's group commit lands; the redelivered event now applies.
    await ledger.recordOutcomes([{ rowId: rowId['OP-3']!, to: 'pending', cause: 'provider_accepted', attempt: 1, providerPayoutId: 'tr_3', providerStatus: 'in_progress' }]);
    expect(await applyPayoutEvent(ledger, { ...early, state: 'paid', providerStatus: 'completed', occurredAt: at(9) })).toMatchObject({ kind: 'applied', changed: true, status: 'paid' });
  });

  it('acknowledges events for payouts it never made', async () => {
    expect(await applyPayoutEvent(ledger, event('tr_nobody', 'paid', 'completed', at(1)))).toEqual({ kind: 'unknown_payout' });
    expect(await applyPayoutEvent(ledger, event('tr_nobody', 'paid', 'completed', at(1), { reference: 'OP-999' }))).toEqual({ kind: 'unknown_payout' });
    // Payout ids are per provider: the same id at another provider is not this row.
    expect(await applyPayoutEvent(ledger, { ...event('tr_1', 'paid', 'completed'), provider: 'conekta' })).toEqual({ kind: 'unknown_payout' });
    expect((await ledger.getRow(rowId['OP-1']!))!.status).toBe('pending');
  });

  it('flags a second payout under a reference whose row holds another payout id', async () => {
    expect(await applyPayoutEvent(ledger, event('tr_other', 'paid', 'completed', at(1), { reference: 'OP-1' }))).toEqual({
      kind: 'unaccounted_payout',
      rowId: rowId['OP-1'],
      batchId,
      status: 'pending',
      rowPayoutId: 'tr_1',
    });
    expect((await ledger.getRow(rowId['OP-1']!))!.status).toBe('pending');
  });

  it('reports an event the ledger refuses for the row instead of throwing', async () => {
    // OP-4: timed out with a payout id seen, then a lookup proved nothing was performed → not_sent.
    const id = rowId['OP-4']!;
    await ledger.recordOutcomes([
      { rowId: id, to: 'unknown', cause: 'timeout', attempt: 1, providerPayoutId: 'tr_4' },
      { rowId: id, to: 'not_sent', cause: 'lookup_found_nothing', attempt: 1 },
    ]);
    expect(await applyPayoutEvent(ledger, event('tr_4', 'paid', 'completed', at(1)))).toMatchObject({ kind: 'illegal', rowId: id, from: 'not_sent', to: 'paid' });
    expect((await ledger.getRow(id))!.status).toBe('not_sent');
  });
});
