import { MAX_EVENT_CLOCK_SKEW_MS } from '../ledger/transitions.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LedgerStore } from '../ledger/ledger-store.ts';
import { openLedger } from '../ledger/open-ledger.ts';
import { openBatchInput, queuedRow, tempLedger } from '../ledger/test-support/fixtures.ts';
import type { ProviderPayout } from '../providers/payout-provider.ts';
import { ProviderError } from '../providers/provider-error.ts';
import { eventLedgerFor, followPayoutEvent, type PayoutFetcher } from './follow-payout-event.ts';
import type { PayoutEvent } from './payout-event.ts';
import { messageText } from '../messages/stored-message.ts';

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

/** What an event claims. */
const event = (payoutId: string, state: PayoutEvent['state'], providerStatus: string, extra: Partial<PayoutEvent> = {}): PayoutEvent => ({
  provider: 'openpay',
  payoutId,
  state,
  providerStatus,
  type: `payout.${providerStatus}`,
  occurredAt: at(50),
  ...extra,
});

/** What the provider's API shows, by payout id; every call is recorded. */
function provider(views: Record<string, Partial<ProviderPayout> | Error>) {
  const calls: string[] = [];
  const fetch: PayoutFetcher = async (p, id) => {
    calls.push(`${p}:${id}`);
    const view = views[id];
    if (view instanceof Error) throw view;
    if (!view) throw new ProviderError({ kind: 'not_found', message: `no payout ${id}`, retryable: false, outcomeUnknown: false });
    return { payoutId: id, state: 'pending', providerStatus: 'in_progress', amountMinor: 10_000, currency: 'MXN', ...view };
  };
  return { fetch, calls };
}

const follow = (fetch: PayoutFetcher, e: PayoutEvent) => followPayoutEvent(eventLedgerFor(ledger, 'simulator'), fetch, e);

describe('followPayoutEvent', () => {
  it('records what the provider shows, not what the event claims', async () => {
    // A "paid" event for a payout the provider still shows in progress: the row stays pending.
    const api = provider({ tr_1: { state: 'pending', providerStatus: 'in_progress', updatedAt: at(5) } });
    expect(await follow(api.fetch, event('tr_1', 'paid', 'completed'))).toMatchObject({ kind: 'applied', status: 'pending', providerStatus: 'in_progress' });
    expect(await ledger.getRow(rowId['OP-1']!)).toMatchObject({ status: 'pending', providerStatus: 'in_progress' });
    // A "failed" event for a payout the provider shows paid: the row is paid.
    const paid = provider({ tr_2: { state: 'paid', providerStatus: 'completed', updatedAt: at(9) } });
    expect(await follow(paid.fetch, event('tr_2', 'failed', 'failed'))).toMatchObject({ kind: 'applied', changed: true, status: 'paid', providerStatus: 'completed' });
    expect(await ledger.getRow(rowId['OP-2']!)).toMatchObject({ status: 'paid', providerStatus: 'completed', errorCode: undefined });
    expect((await ledger.history(rowId['OP-2']!)).at(-1)).toMatchObject({ from: 'pending', to: 'paid', cause: 'webhook', providerStatus: 'completed', providerEventAt: at(9) });
    expect([...api.calls, ...paid.calls]).toEqual(['openpay:tr_1', 'openpay:tr_2']);
  });

  it('records a failure with the provider message, once', async () => {
    const api = provider({ tr_2: { state: 'failed', providerStatus: 'failed', failureMessage: 'Cuenta inexistente', updatedAt: at(30) } });
    expect(await follow(api.fetch, event('tr_2', 'failed', 'failed'))).toMatchObject({ kind: 'applied', changed: true, status: 'failed' });
    expect(await follow(api.fetch, event('tr_2', 'failed', 'failed'))).toMatchObject({ kind: 'applied', changed: false, status: 'failed' });
    const failed = await ledger.getRow(rowId['OP-2']!);
    expect(failed).toMatchObject({ status: 'failed', errorCode: 'PROVIDER_FAILED' });
    // The provider's own words, quoted as they came inside the sentence of each language.
    expect(messageText(failed!.errorMessage, 'es')).toBe('El proveedor informa el pago como fallido: "Cuenta inexistente"');
    expect(messageText(failed!.errorMessage, 'en')).toBe('The provider reports the payout failed: "Cuenta inexistente"');
    expect((await ledger.history(rowId['OP-2']!)).filter((h) => h.cause === 'webhook')).toHaveLength(1);
  });

  it('a provider time in the future is clamped by the ledger, so it cannot freeze the row', async () => {
    const api = provider({ tr_1: { state: 'pending', providerStatus: 'in_transit', updatedAt: new Date('2099-01-01T00:00:00Z') } });
    await follow(api.fetch, event('tr_1', 'pending', 'in_transit'));
    const stored = (await ledger.getRow(rowId['OP-1']!))!.providerUpdatedAt!.getTime();
    expect(stored).toBeLessThanOrEqual(Date.now() + MAX_EVENT_CLOCK_SKEW_MS);
    const later = provider({ tr_1: { state: 'paid', providerStatus: 'completed', updatedAt: new Date(stored + 1000) } });
    expect(await follow(later.fetch, event('tr_1', 'paid', 'completed'))).toMatchObject({ changed: true, status: 'paid' });
  });

  it('records nothing when the provider cannot be asked, and says the event must come again', async () => {
    const api = provider({ tr_1: new ProviderError({ kind: 'server', message: 'HTTP 503', retryable: true, outcomeUnknown: false }) });
    expect(await follow(api.fetch, event('tr_1', 'paid', 'completed'))).toMatchObject({ kind: 'provider_unavailable', rowId: rowId['OP-1'] });
    expect((await ledger.getRow(rowId['OP-1']!))!.status).toBe('pending');
  });

  it('flags a payout id the ledger holds but the provider does not have', async () => {
    expect(await follow(provider({}).fetch, event('tr_1', 'failed', 'failed'))).toMatchObject({ kind: 'provider_has_no_payout', rowId: rowId['OP-1'], status: 'pending' });
    expect((await ledger.getRow(rowId['OP-1']!))!.status).toBe('pending');
  });

  it('asks for redelivery when the event overtook the payout id, without asking the provider', async () => {
    const api = provider({ tr_3: { state: 'paid', providerStatus: 'completed' } });
    const early = event('tr_3', 'paid', 'completed', { reference: 'OP-3' });
    expect(await follow(api.fetch, early)).toMatchObject({ kind: 'not_recorded_yet', rowId: rowId['OP-3'], status: 'sending' });
    expect(api.calls).toEqual([]);
    await ledger.recordOutcomes([{ rowId: rowId['OP-3']!, to: 'pending', cause: 'provider_accepted', attempt: 1, providerPayoutId: 'tr_3', providerStatus: 'in_progress' }]);
    expect(await follow(api.fetch, early)).toMatchObject({ kind: 'applied', changed: true, status: 'paid' });
  });

  it('never asks the provider about payouts it did not make', async () => {
    const api = provider({ tr_nobody: { state: 'paid' } });
    expect(await follow(api.fetch, event('tr_nobody', 'paid', 'completed'))).toEqual({ kind: 'unknown_payout' });
    expect(await follow(api.fetch, event('tr_nobody', 'paid', 'completed', { reference: 'OP-999' }))).toEqual({ kind: 'unknown_payout' });
    // Payout ids are per provider: the same id at another provider is not this row.
    expect(await follow(api.fetch, { ...event('tr_1', 'paid', 'completed'), provider: 'conekta' })).toEqual({ kind: 'unknown_payout' });
    expect(api.calls).toEqual([]);
  });

  it('keeps a second payout the provider confirms under a reference whose row holds another payout id', async () => {
    const api = provider({ tr_other: { state: 'paid', providerStatus: 'completed', reference: 'OP-1', amountMinor: 12_345 } });
    expect(await follow(api.fetch, event('tr_other', 'paid', 'completed', { reference: 'OP-1' }))).toEqual({
      kind: 'unaccounted_payout',
      rowId: rowId['OP-1'],
      batchId,
      status: 'pending',
      rowPayoutId: 'tr_1',
      providerPayoutId: 'tr_other',
      providerStatus: 'completed',
      recorded: true,
    });
    expect(api.calls).toEqual(['openpay:tr_other']);
    expect((await ledger.getRow(rowId['OP-1']!))!.status).toBe('pending');
    expect(await ledger.unaccountedPayouts('simulator')).toMatchObject([
      { provider: 'openpay', providerPayoutId: 'tr_other', reference: 'OP-1', rowId: rowId['OP-1'], batchId, state: 'paid', amountMinor: 12_345, source: 'webhook' },
    ]);
    // Seen again: one entry, refreshed.
    await follow(api.fetch, event('tr_other', 'paid', 'completed', { reference: 'OP-1' }));
    expect(await ledger.unaccountedPayouts('simulator')).toHaveLength(1);
  });

  it('keeps nothing the provider does not confirm: no such payout, another reference, no reference, or failed (no money moved)', async () => {
    const api = provider({ tr_theirs: { state: 'paid', reference: 'SOMEONE-ELSE' }, tr_noref: { state: 'paid' }, tr_failed: { state: 'failed', providerStatus: 'failed', reference: 'OP-1' } });
    // The event's reference alone is the sender's word: a payout the provider shows under no order id is not ours.
    expect(await follow(api.fetch, event('tr_noref', 'paid', 'completed', { reference: 'OP-1' }))).toEqual({ kind: 'unknown_payout' });
    expect(await follow(api.fetch, event('tr_forged', 'paid', 'completed', { reference: 'OP-1' }))).toEqual({ kind: 'unknown_payout' });
    expect(await follow(api.fetch, event('tr_theirs', 'paid', 'completed', { reference: 'OP-1' }))).toEqual({ kind: 'unknown_payout' });
    expect(await follow(api.fetch, event('tr_failed', 'failed', 'failed', { reference: 'OP-1' }))).toMatchObject({ kind: 'unaccounted_payout', recorded: false });
    const down = provider({ tr_down: new ProviderError({ kind: 'network', message: 'down', retryable: true, outcomeUnknown: false }) });
    expect(await follow(down.fetch, event('tr_down', 'paid', 'completed', { reference: 'OP-1' }))).toMatchObject({ kind: 'provider_unavailable', rowId: rowId['OP-1'] });
    expect(await ledger.unaccountedPayouts('simulator')).toEqual([]);
  });

  it('reports a state the ledger refuses for the row instead of throwing', async () => {
    // OP-4: timed out with a payout id seen, then a lookup proved nothing was performed → not_sent.
    const id = rowId['OP-4']!;
    await ledger.recordOutcomes([
      { rowId: id, to: 'unknown', cause: 'timeout', attempt: 1, providerPayoutId: 'tr_4' },
      { rowId: id, to: 'not_sent', cause: 'lookup_found_nothing', attempt: 1 },
    ]);
    const api = provider({ tr_4: { state: 'paid', providerStatus: 'completed' } });
    expect(await follow(api.fetch, event('tr_4', 'paid', 'completed'))).toMatchObject({ kind: 'illegal', rowId: id, from: 'not_sent', to: 'paid' });
    expect((await ledger.getRow(id))!.status).toBe('not_sent');
  });
});
