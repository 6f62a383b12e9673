import { describe, expect, it } from 'vitest';
import { loadFixture } from '../test-support/fixtures.ts';
import { mapOpenpayBalance, mapOpenpayPayout, mapOpenpayStatus, openpayAmountToMinor, openpayListItems } from './map-openpay-response.ts';

const fixture = (name: string) => loadFixture(import.meta.url, 'doc', name);

describe('mapOpenpayStatus', () => {
  it.each([
    ['in_progress', 'pending'],
    ['completed', 'paid'],
    ['failed', 'failed'],
    ['cancelled', 'failed'],
    ['COMPLETED', 'paid'],
    ['on_hold', 'pending'],
    ['', 'pending'],
    [undefined, 'pending'],
  ] as const)('%s → %s', (status, state) => {
    expect(mapOpenpayStatus(status)).toBe(state);
  });
});

describe('openpayAmountToMinor', () => {
  it.each([
    [10.5, 1050],
    [218.73, 21873],
    [500, 50000],
    [0.01, 1],
    [99999999.99, 9_999_999_999],
    [0.07, 7],
    [1.1, 110],
    ['1234.56', 123456],
  ])('%s → %i', (value, minor) => {
    expect(openpayAmountToMinor(value)).toBe(minor);
  });

  it.each([10.505, '10.5.1', null, undefined, '1e3', 1e21, Number.NaN])('refuses %s rather than rounding', (value) => {
    expect(() => openpayAmountToMinor(value)).toThrow(expect.objectContaining({ kind: 'bad_response' }));
  });
});

describe('mapOpenpayPayout', () => {
  it('maps the documented bank_account payout answer', () => {
    expect(mapOpenpayPayout(fixture('payout-bank-account.json'))).toEqual({
      payoutId: 'tr4f2atubqchinw71vfs',
      state: 'pending',
      providerStatus: 'in_progress',
      amountMinor: 1050,
      currency: 'MXN',
      reference: 'oid-1110011',
      destination: '012***********4616',
      createdAt: new Date('2014-05-26T22:23:03Z'),
      updatedAt: new Date('2014-05-26T22:23:03Z'),
    });
  });

  it('maps a completed payout (card: no CLABE to show)', () => {
    const payout = mapOpenpayPayout(fixture('payout-completed.json'));
    expect(payout).toMatchObject({ state: 'paid', providerStatus: 'completed', amountMinor: 1050, reference: 'oid-00021', providerReference: 'TRWPXHRGFEUB9EQDYVQZ' });
    expect(payout.destination).toBeUndefined();
  });

  it('never shows a full CLABE', () => {
    const payout = mapOpenpayPayout(fixture('transaction-object.json'));
    expect(payout.destination).toBe('012***********4616');
    expect(payout.amountMinor).toBe(50000);
  });

  it('keeps the failure reason of a failed payout', () => {
    const failed = { ...(fixture('transaction-object.json') as object), status: 'failed', error_message: 'Cuenta inexistente' };
    expect(mapOpenpayPayout(failed)).toMatchObject({ state: 'failed', failureMessage: 'Cuenta inexistente' });
  });

  it('reads only the fields it uses', () => {
    expect(mapOpenpayPayout({ id: 'tr1', amount: 1, status: 'completed', extra: { nested: true } })).toMatchObject({ payoutId: 'tr1', amountMinor: 100, state: 'paid' });
  });

  it.each([
    ['no id', { amount: 1 }],
    ['another currency', { id: 'tr1', amount: 1, currency: 'USD' }],
    ['a float amount', { id: 'tr1', amount: 0.123 }],
  ])('refuses %s', (_what, body) => {
    expect(() => mapOpenpayPayout(body)).toThrow(expect.objectContaining({ kind: 'bad_response' }));
  });
});

describe('openpayListItems', () => {
  it('reads the documented bare array', () => {
    expect(openpayListItems(fixture('payout-list.json')).map((item) => mapOpenpayPayout(item).payoutId)).toEqual(['tr4f2atubqchinw71vfs', 'trwpxhrgfeub9eqdyvqz']);
  });

  it('reads a {data} wrapper too', () => {
    expect(openpayListItems({ data: [{ id: 'a' }] })).toHaveLength(1);
  });
});

describe('mapOpenpayBalance', () => {
  it('reads the merchant balance exactly', () => {
    expect(mapOpenpayBalance(fixture('merchant.json'))).toEqual({ amountMinor: 21873, currency: 'MXN' });
  });

  it('refuses a merchant without a balance', () => {
    expect(() => mapOpenpayBalance({ id: 'm' })).toThrow(expect.objectContaining({ kind: 'bad_response' }));
  });
});
