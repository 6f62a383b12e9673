import { describe, expect, it } from 'vitest';
import { loadFixture } from '../test-support/fixtures.ts';
import { parseOpenpayEvent } from './parse-openpay-event.ts';
import type { ParsedEvent, PayoutEvent } from '../../webhooks/payout-event.ts';

// openpay-api.txt, Objeto Transacción (a payout in progress), kept in fixtures/doc/.
const transaction = loadFixture(import.meta.url, 'doc', 'transaction-object.json') as Record<string, unknown>;

function payout(parsed: ParsedEvent): PayoutEvent {
  if (parsed.kind !== 'payout') throw new Error(`expected a payout event, got ${JSON.stringify(parsed)}`);
  return parsed.event;
}

describe('parseOpenpayEvent', () => {
  it('reads payout.succeeded: the transaction id, paid, order_id and event_date with its offset', () => {
    const event = payout(parseOpenpayEvent({ type: 'payout.succeeded', event_date: '2013-11-22T15:09:38-06:00', transaction: { ...transaction, status: 'completed' } }));
    expect(event).toMatchObject({ provider: 'openpay', payoutId: 'trehwr2zarltvae56vxl', state: 'paid', providerStatus: 'completed', type: 'payout.succeeded', reference: '000001' });
    expect(event.occurredAt?.toISOString()).toBe('2013-11-22T21:09:38.000Z');
  });

  it('reads payout.failed with its error message, and payout.created as pending', () => {
    const failed = payout(parseOpenpayEvent({ type: 'payout.failed', event_date: '2013-11-22T15:09:38-06:00', transaction: { ...transaction, status: 'failed', error_message: 'Cuenta inexistente' } }));
    expect(failed).toMatchObject({ state: 'failed', failureMessage: 'Cuenta inexistente' });
    expect(payout(parseOpenpayEvent({ type: 'payout.created', event_date: '2013-11-14T18:29:35-06:00', transaction })).state).toBe('pending');
  });

  it('falls back on the type when the transaction has no status', () => {
    const { status: _status, ...withoutStatus } = transaction;
    expect(payout(parseOpenpayEvent({ type: 'payout.succeeded', transaction: withoutStatus }))).toMatchObject({ state: 'paid', providerStatus: 'completed' });
    expect(payout(parseOpenpayEvent({ type: 'payout.failed', transaction: withoutStatus }))).toMatchObject({ state: 'failed' });
  });

  it('acknowledges the verification notification and keeps its code for the operator', () => {
    expect(parseOpenpayEvent({ type: 'verification', event_date: '2024-01-01T00:00:00-06:00', verification_code: 'Xyz123' })).toEqual({
      kind: 'ignore',
      type: 'verification',
      reason: 'webhook verification',
      verificationCode: 'Xyz123',
    });
  });

  it('ignores events that are not about payouts and rejects bodies that are not events', () => {
    expect(parseOpenpayEvent({ type: 'charge.succeeded', transaction: { id: 'x', status: 'completed' } })).toMatchObject({ kind: 'ignore' });
    expect(parseOpenpayEvent(null).kind).toBe('malformed');
    expect(parseOpenpayEvent({ transaction }).kind).toBe('malformed');
    expect(parseOpenpayEvent({ type: 'payout.succeeded' }).kind).toBe('malformed');
    expect(parseOpenpayEvent({ type: 'payout.succeeded', transaction: { status: 'completed' } }).kind).toBe('malformed');
    expect(parseOpenpayEvent({ type: 'payout.refunded', transaction: { id: 'x' } }).kind).toBe('malformed');
  });

  it('leaves the time out when event_date is not a date', () => {
    expect(payout(parseOpenpayEvent({ type: 'payout.created', event_date: 'yesterday', transaction })).occurredAt).toBeUndefined();
  });
});
