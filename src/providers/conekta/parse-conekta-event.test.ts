import { describe, expect, it } from 'vitest';
import { loadFixture } from '../test-support/fixtures.ts';
import { parseConektaEvent } from './parse-conekta-event.ts';
import type { ParsedEvent, PayoutEvent } from '../../webhooks/payout-event.ts';

// The doc's own examples (conekta-dispersion.txt), kept in fixtures/doc/.
const CONEKTA = import.meta.url;
const fixture = (name: string) => loadFixture(CONEKTA, 'doc', name);

function payout(parsed: ParsedEvent): PayoutEvent {
  if (parsed.kind !== 'payout') throw new Error(`expected a payout event, got ${JSON.stringify(parsed)}`);
  return parsed.event;
}

describe('parseConektaEvent', () => {
  it('reads payout.paid_out: the transfer id, paid, and the event time (created_at, Unix seconds)', () => {
    const event = payout(parseConektaEvent(fixture('event-payout-paid-out.json')));
    expect(event).toMatchObject({ provider: 'conekta', payoutId: 'abcdefghijklmnopq1111111', state: 'paid', providerStatus: 'paid_out', type: 'payout.paid_out', eventId: 'abcdefghijklmnopq1111111' });
    expect(event.occurredAt?.toISOString()).toBe(new Date(1601910621 * 1000).toISOString());
  });

  it('reads payout.failed, but does not trust an event time earlier than the transfer itself (the doc example)', () => {
    const event = payout(parseConektaEvent(fixture('event-payout-failed.json')));
    expect(event).toMatchObject({ state: 'failed', providerStatus: 'failed', type: 'payout.failed' });
    // created_at 16019106 would make this event older than anything and so never applied.
    expect(event.occurredAt).toBeUndefined();
  });

  it('reads the bare transfer the doc shows for payout.created, by its status, without an event time', () => {
    const created = payout(parseConektaEvent(fixture('event-payout-created.json')));
    expect(created).toMatchObject({ payoutId: 'abcdefghijklmnopq1111111', state: 'pending', providerStatus: 'pending', type: 'transfer' });
    expect(created.occurredAt).toBeUndefined();
    // The doc's "payout.paid_out" example is a transfer still in_transit: not final.
    expect(payout(parseConektaEvent(fixture('event-payout-in-transit.json')))).toMatchObject({ state: 'pending', providerStatus: 'in_transit' });
  });

  it('takes the state from the transfer status, the type only when the status is missing', () => {
    const envelope = (type: string, object: Record<string, unknown>) => ({ id: 'evt_1', object: 'event', type, created_at: 1_700_000_100, data: { object } });
    expect(payout(parseConektaEvent(envelope('payout.paid_out', { id: 'tr_1', status: 'in_transit', created_at: 1_700_000_000 }))).state).toBe('pending');
    expect(payout(parseConektaEvent(envelope('payout.paid_out', { id: 'tr_1', created_at: 1_700_000_000 })))).toMatchObject({ state: 'paid', providerStatus: 'paid_out' });
    expect(payout(parseConektaEvent(envelope('payout.failed', { id: 'tr_1' })))).toMatchObject({ state: 'failed' });
    expect(payout(parseConektaEvent(envelope('payout.created', { id: 'tr_1' })))).toMatchObject({ state: 'pending', providerStatus: 'pending' });
  });

  it('keeps the order id our request put in metadata, to recognise our rows', () => {
    const event = payout(parseConektaEvent({ type: 'payout.created', created_at: 1_700_000_000, data: { object: { id: 'tr_9', status: 'pending', metadata: { order_id: 'CK-1', request_key: 'k' } } } }));
    expect(event.reference).toBe('CK-1');
  });

  it('ignores events that are not about payouts and rejects bodies that are not events', () => {
    expect(parseConektaEvent({ type: 'charge.paid', data: { object: { id: 'ch_1' } } })).toMatchObject({ kind: 'ignore', type: 'charge.paid' });
    expect(parseConektaEvent('nope').kind).toBe('malformed');
    expect(parseConektaEvent([]).kind).toBe('malformed');
    expect(parseConektaEvent({ data: { object: { id: 'tr_1' } } }).kind).toBe('malformed');
    expect(parseConektaEvent({ type: 'payout.paid_out', data: {} }).kind).toBe('malformed');
    expect(parseConektaEvent({ type: 'payout.paid_out', data: { object: { status: 'paid_out' } } }).kind).toBe('malformed');
    expect(parseConektaEvent({ type: 'payout.updated', data: { object: { id: 'tr_1' } } }).kind).toBe('malformed');
  });

  it('reads Digital FEMSA events the same way, with its status words and its order id', () => {
    const order = (status: string) => ({ type: `payout_order.${status}`, created_at: 1_700_000_100, data: { object: { id: 'a1b2c3d4-0000-4000-8000-000000000001', object: 'payout_order', status, created_at: 1_700_000_000, metadata: { order_id: 'DF-1' } } } });
    expect(payout(parseConektaEvent(order('paid'), 'digitalfemsa'))).toMatchObject({ provider: 'digitalfemsa', state: 'paid', reference: 'DF-1' });
    expect(payout(parseConektaEvent(order('expired'), 'digitalfemsa'))).toMatchObject({ state: 'failed', providerStatus: 'expired' });
    // A payout (the cash-out inside an order) names its order: the ledger knows the order id.
    const cashout = { type: 'payout.paid', data: { object: { id: 'payout_1', object: 'payout', payout_order_id: 'order-uuid', status: 'paid' } } };
    expect(payout(parseConektaEvent(cashout, 'digitalfemsa'))).toMatchObject({ payoutId: 'order-uuid', state: 'paid' });
  });
});
