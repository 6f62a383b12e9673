import { describe, expect, it } from 'vitest';
import { parseZenriseEvent } from './parse-zenrise-event.ts';
import type { ParsedEvent, PayoutEvent } from '../../webhooks/payout-event.ts';

function payout(parsed: ParsedEvent): PayoutEvent {
  if (parsed.kind !== 'payout') throw new Error(`expected a payout event, got ${JSON.stringify(parsed)}`);
  return parsed.event;
}

// The simulator's shape (README-section.md, Webhooks); zenrise-payouts.txt gives the status words.
const transfer = (status: string, extra: Record<string, unknown> = {}) => ({
  id: '6f1c2f1e-0000-4000-8000-000000000001',
  amount: '1500.50',
  currency: 'ARS',
  status,
  type: 'TRANSFER',
  externalReference: 'ZR-000001',
  failureReason: null,
  createdAt: '2026-03-01T12:00:00.000Z',
  updatedAt: '2026-03-01T12:00:05.000Z',
  ...extra,
});

describe('parseZenriseEvent', () => {
  it('maps the lifecycle: Pending / InProgress pending, Accredited paid, Fail failed with its reason', () => {
    expect(payout(parseZenriseEvent({ event: 'transfer.create', data: transfer('Pending'), sentAt: '2026-03-01T12:00:00.000Z' })).state).toBe('pending');
    expect(payout(parseZenriseEvent({ event: 'transfer.update', data: transfer('InProgress'), sentAt: '2026-03-01T12:00:02.000Z' })).state).toBe('pending');
    const paid = payout(parseZenriseEvent({ event: 'transfer.finish', data: transfer('Accredited'), sentAt: '2026-03-01T12:00:05.000Z' }));
    expect(paid).toMatchObject({ provider: 'zenrise', payoutId: '6f1c2f1e-0000-4000-8000-000000000001', state: 'paid', providerStatus: 'Accredited', type: 'transfer.finish', reference: 'ZR-000001' });
    const failed = payout(parseZenriseEvent({ event: 'transfer.finish', data: transfer('Fail', { failureReason: 'The destination bank rejected the transfer' }) }));
    expect(failed).toMatchObject({ state: 'failed', failureMessage: 'The destination bank rejected the transfer' });
  });

  it("times the event by the transfer's updatedAt, so a late redelivery keeps its old time; sentAt otherwise", () => {
    const redelivered = payout(parseZenriseEvent({ event: 'transfer.create', data: transfer('Pending', { updatedAt: '2026-03-01T12:00:00.000Z' }), sentAt: '2026-03-01T13:00:00.000Z' }));
    expect(redelivered.occurredAt?.toISOString()).toBe('2026-03-01T12:00:00.000Z');
    const { updatedAt: _updatedAt, ...withoutUpdatedAt } = transfer('Pending');
    expect(payout(parseZenriseEvent({ event: 'transfer.create', data: withoutUpdatedAt, sentAt: '2026-03-01T13:00:00.000Z' })).occurredAt?.toISOString()).toBe('2026-03-01T13:00:00.000Z');
  });

  it('ignores other events and rejects bodies that are not transfer events', () => {
    expect(parseZenriseEvent({ event: 'wallet.deposit', data: {} })).toMatchObject({ kind: 'ignore', type: 'wallet.deposit' });
    expect(parseZenriseEvent('[]').kind).toBe('malformed');
    expect(parseZenriseEvent({ data: transfer('Pending') }).kind).toBe('malformed');
    expect(parseZenriseEvent({ event: 'transfer.finish' }).kind).toBe('malformed');
    expect(parseZenriseEvent({ event: 'transfer.finish', data: { ...transfer('Accredited'), id: '' } }).kind).toBe('malformed');
    // A finish without a status cannot say which end it reached.
    expect(parseZenriseEvent({ event: 'transfer.finish', data: { ...transfer('Accredited'), status: undefined } }).kind).toBe('malformed');
  });
});
