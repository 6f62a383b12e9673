import { describe, expect, it } from 'vitest';
import { loadFixture } from '../test-support/fixtures.ts';
import { conektaTransferLast4, conektaTransferPayeeId, mapConektaBalance, mapConektaPayee, mapConektaStatus, mapConektaTransfer } from './map-conekta-response.ts';

const fixture = (name: string) => loadFixture(import.meta.url, 'doc', name);
const eventObject = (name: string) => (fixture(name) as { data: { object: unknown } }).data.object;

describe('mapConektaStatus', () => {
  it.each([
    ['pending', 'pending'],
    ['in_transit', 'pending'],
    ['paid_out', 'paid'],
    ['failed', 'failed'],
    ['PAID_OUT', 'paid'],
    ['reversed?', 'pending'],
    [undefined, 'pending'],
  ] as const)('%s → %s', (status, state) => {
    expect(mapConektaStatus(status)).toBe(state);
  });
});

describe('mapConektaTransfer', () => {
  it('maps the documented create answer (destination with last4 only)', () => {
    expect(mapConektaTransfer(fixture('transfer-created.json'))).toEqual({
      payoutId: 'abcdefghijklmnopq1111111',
      state: 'pending',
      providerStatus: 'pending',
      amountMinor: 10000,
      currency: 'MXN',
      destination: '**************1000',
      createdAt: new Date(1676656070 * 1000),
      providerReference: '1111111',
    });
  });

  it('prefers the masked CLABE of the instruction over last4 alone', () => {
    expect(mapConektaTransfer(fixture('transfer-created.json'), '012***********4616').destination).toBe('012***********4616');
  });

  it('masks the full account number of the event shape', () => {
    const payout = mapConektaTransfer(fixture('event-payout-created.json'));
    expect(payout.destination).toBe('123***********5673');
    expect(JSON.stringify(payout)).not.toContain('123456789012345673');
  });

  it.each([
    ['event-payout-in-transit.json', 'pending', 'in_transit'],
  ])('%s → %s', (name, state, providerStatus) => {
    expect(mapConektaTransfer(fixture(name))).toMatchObject({ state, providerStatus, amountMinor: 1000 });
  });

  it('maps the paid_out and failed event objects', () => {
    expect(mapConektaTransfer(eventObject('event-payout-paid-out.json'))).toMatchObject({ state: 'paid', amountMinor: 1000 });
    expect(mapConektaTransfer(eventObject('event-payout-failed.json'))).toMatchObject({ state: 'failed', amountMinor: 676, providerStatus: 'failed' });
  });

  it('reads the reference from metadata', () => {
    expect(mapConektaTransfer({ id: 't', amount: 1, metadata: { order_id: 'A-1' } }).reference).toBe('A-1');
  });

  it.each([
    ['no id', { amount: 1 }],
    ['a decimal amount', { id: 't', amount: 10.5 }],
    ['a string amount', { id: 't', amount: '1000' }],
    ['another currency', { id: 't', amount: 1, currency: 'USD' }],
  ])('refuses %s', (_what, body) => {
    expect(() => mapConektaTransfer(body)).toThrow(expect.objectContaining({ kind: 'bad_response' }));
  });
});

describe('payee and destination readers', () => {
  it('reads the payee id of the documented payee answer', () => {
    expect(mapConektaPayee(fixture('payee-created.json'))).toEqual({ recipientId: 'payee_DePrueba' });
    expect(() => mapConektaPayee({})).toThrow(expect.objectContaining({ kind: 'bad_response' }));
  });

  it('finds payee_id and last4 in either transfer shape', () => {
    expect(conektaTransferPayeeId(fixture('transfer-created.json'))).toBe('payee_DePrueba');
    expect(conektaTransferPayeeId(fixture('event-payout-created.json'))).toBe('payee_dePrueba');
    expect(conektaTransferLast4(fixture('transfer-created.json'))).toBe('1000');
    expect(conektaTransferLast4(fixture('event-payout-created.json'))).toBe('5673');
  });
});

describe('mapConektaBalance', () => {
  it('reads the MXN available amount in centavos', () => {
    expect(mapConektaBalance({ available: [{ amount: 2500, currency: 'USD' }, { amount: 123456, currency: 'MXN' }] })).toEqual({ amountMinor: 123456, currency: 'MXN' });
  });

  it('is undefined without an MXN entry, and refuses a body without available', () => {
    expect(mapConektaBalance({ available: [] })).toBeUndefined();
    expect(() => mapConektaBalance({})).toThrow(expect.objectContaining({ kind: 'bad_response' }));
    expect(() => mapConektaBalance({ available: [{ amount: 1.5, currency: 'MXN' }] })).toThrow(expect.objectContaining({ kind: 'bad_response' }));
  });
});
