import { describe, expect, it } from 'vitest';
import { loadFixture } from '../test-support/fixtures.ts';
import { femsaOrderKeys, mapFemsaCustomer, mapFemsaPayoutOrder, mapFemsaStatus } from './map-digitalfemsa-response.ts';

const fixture = (name: string) => loadFixture(import.meta.url, 'doc', name);

describe('mapFemsaStatus', () => {
  it.each([
    ['pending', { state: 'pending' }],
    ['paid', { state: 'paid' }],
    ['claimed', { state: 'paid' }],
    ['closed', { state: 'paid' }],
    ['expired', { state: 'failed', expired: true }],
    ['cancelled', { state: 'failed' }],
    ['canceled', { state: 'failed' }],
    ['something_new', { state: 'pending' }],
    [undefined, { state: 'pending' }],
  ] as const)('%s → %o', (status, mapped) => {
    expect(mapFemsaStatus(status)).toEqual(mapped);
  });
});

describe('mapFemsaPayoutOrder', () => {
  it('maps the documented payout_order answer', () => {
    expect(mapFemsaPayoutOrder(fixture('payout-order.json'))).toEqual({
      payoutId: '9a67e7ef-784b-468f-be54-06bc9c1834fb',
      state: 'pending',
      providerStatus: 'pending',
      amountMinor: 3000,
      currency: 'MXN',
      // the doc's address is obfuscated and has no '@': nothing of it is shown
      destination: '***',
      createdAt: new Date(1668117996 * 1000),
      updatedAt: new Date(1668117998 * 1000),
      providerReference: '1025292250000330',
    });
  });

  it('masks the customer email and reads our metadata', () => {
    const order = { id: 'po1', amount: 10000, status: 'expired', customer_info: { email: 'juan.perez@example.com' }, metadata: { order_id: 'CASH-1', request_key: 'k' } };
    expect(mapFemsaPayoutOrder(order)).toMatchObject({ destination: 'j***@example.com', reference: 'CASH-1', state: 'failed', expired: true });
    expect(femsaOrderKeys(order)).toEqual({ orderId: 'CASH-1', requestKey: 'k' });
  });

  it.each([
    ['no id', { amount: 1 }],
    ['a decimal amount', { id: 'x', amount: 30.5 }],
    ['another currency', { id: 'x', amount: 100, currency: 'USD' }],
  ])('refuses %s', (_what, body) => {
    expect(() => mapFemsaPayoutOrder(body)).toThrow(expect.objectContaining({ kind: 'bad_response' }));
  });
});

describe('mapFemsaCustomer', () => {
  it('reads the documented customer id', () => {
    expect(mapFemsaCustomer(fixture('customer.json'))).toEqual({ recipientId: 'cus_2pwMQPxiLJ8WzzqZJ' });
  });
});
