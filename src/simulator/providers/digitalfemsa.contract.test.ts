import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATOR_CREDENTIALS } from '../credentials.ts';
import { advance, basic, call, femsaHeaders, journal, stats, type Reply } from '../sim-test-client.ts';
import { startSimulator, type RunningSimulator } from '../start-simulator.ts';

// Bodies copied verbatim from digitalfemsa-cashout.txt (the email is the doc's own scraped placeholder).
const DOC_CUSTOMER = `{
"name": "User",
"email": "[email protected]",
"phone": "5566982096"
}`;
const DOC_ORDER = `{
"currency": "MXN",
"amount": 3000,
"customer_info": {
"customer_id": "cus_2oAokFrKM7CyVxGJm"
},
"allowed_payout_methods": ["cashout"],
"reason": "Referencia de retiro en efectivo",
"payout": { "payout_method": { "type": "cashout" } },
"metadata": { "custom_client_id": "12345" }
}`;
const HOURS = 3_600_000;
// The doc example response's keys.
const ORDER_KEYS = ['allowed_payout_methods', 'amount', 'created_at', 'currency', 'customer_info', 'expires_at', 'id', 'livemode', 'metadata', 'object', 'payouts', 'reason', 'reference', 'status', 'updated_at'];

function expectFemsaError(reply: Reply, http: number, type: string): { message: string; debug_message: string; param: string | null } {
  expect(reply.status).toBe(http);
  expect(reply.body).toMatchObject({ object: 'error', type });
  expect(reply.body.log_id).toMatch(/^[0-9a-f]{24}$/);
  return reply.body.details[0];
}

describe('Digital FEMSA cash-out simulator, as documented in digitalfemsa-cashout.txt', () => {
  let sim: RunningSimulator;
  let base: string;
  let customerId: string;
  const headers = femsaHeaders();
  const createOrder = (body: string | object, h: Record<string, string> = headers) => call(`${base}/payout_orders`, { headers: h, body });

  beforeAll(async () => {
    sim = await startSimulator({ seed: 31, settleMs: 60_000, balanceMinor: 100_000 });
    base = sim.baseUrl('digitalfemsa');
  });
  afterAll(() => sim.close());

  it('creates the doc customer and answers the documented shape', async () => {
    const reply = await call(`${base}/customers`, { headers, body: DOC_CUSTOMER });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ livemode: false, name: 'User', email: '[email protected]', phone: '5566982096', object: 'customer', corporate: false });
    expect(Object.keys(reply.body).sort()).toEqual(['corporate', 'created_at', 'email', 'id', 'livemode', 'name', 'object', 'phone']);
    expect(reply.body.id).toMatch(/^cus_\w{17}$/);
    customerId = reply.body.id;
  });

  it('requires name and email for a customer', async () => {
    expect(expectFemsaError(await call(`${base}/customers`, { headers, body: { email: 'a@b.mx' } }), 422, 'parameter_validation_error').param).toBe('name');
    expect(expectFemsaError(await call(`${base}/customers`, { headers, body: { name: 'User' } }), 422, 'parameter_validation_error').param).toBe('email');
  });

  it('rejects the doc payout order as is: its customer does not exist here', async () => {
    const detail = expectFemsaError(await createOrder(DOC_ORDER), 422, 'parameter_validation_error');
    expect(detail.param).toBe('customer_info.customer_id');
  });

  let orderId: string;

  it('creates the doc payout order for a created customer and answers the documented shape', async () => {
    const reply = await createOrder(DOC_ORDER.replace('cus_2oAokFrKM7CyVxGJm', customerId));
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body).sort()).toEqual(ORDER_KEYS);
    expect(reply.body).toMatchObject({
      amount: 3000,
      currency: 'MXN',
      allowed_payout_methods: ['cashout'],
      reason: 'Referencia de retiro en efectivo',
      livemode: false,
      customer_info: { id: customerId, name: 'User', email: '[email protected]', phone: '5566982096' },
      object: 'payout_order',
      metadata: { custom_client_id: '12345' },
      status: 'pending',
    });
    expect(reply.body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(reply.body.reference).toMatch(/^\d{16}$/);
    // The doc example: created_at 1668117996, expires_at 1668290795 — 48 hours.
    expect(reply.body.expires_at - reply.body.created_at).toBe(48 * 3600);
    expect(reply.body.payouts).toEqual([
      { id: expect.stringMatching(/^payout_\w{17}$/), amount: 3000, currency: 'MXN', payout_order_id: reply.body.id, object: 'payout', expires_at: reply.body.expires_at, livemode: false, status: 'pending' },
    ]);
    orderId = reply.body.id;
    expect((await call(`${base}/payout_orders/${orderId}`, { headers })).body).toEqual(reply.body);
    const [entry] = (await journal(sim)).filter((e) => e.provider_id === orderId);
    expect(entry).toMatchObject({ provider: 'digitalfemsa', reference: '12345', destination: '[email protected]', amount_cents: 3000, currency: 'MXN', status: 'pending' });
  });

  it.each([
    ['an amount not ending in 00', { amount: 3050 }, 'amount'],
    ['an amount of 0', { amount: 0 }, 'amount'],
    ['an amount as a string', { amount: '3000' }, 'amount'],
    ['a currency other than MXN', { currency: 'USD' }, 'currency'],
    ['a reason over 40 characters', { reason: 'x'.repeat(41) }, 'reason'],
    ['no reason', { reason: undefined }, 'reason'],
    ['a payout method other than cashout', { allowed_payout_methods: ['card'] }, 'allowed_payout_methods'],
    ['metadata that is not a hash', { metadata: 'x' }, 'metadata'],
  ])('rejects %s (parameter_validation_error 422)', async (_what, change, param) => {
    const body = { ...JSON.parse(DOC_ORDER.replace('cus_2oAokFrKM7CyVxGJm', customerId)), ...change };
    expect(expectFemsaError(await createOrder(body), 422, 'parameter_validation_error').param).toBe(param);
  });

  it('lists payout orders in the Conekta list shape, filtered by metadata or search', async () => {
    const second = await createOrder({ ...JSON.parse(DOC_ORDER.replace('cus_2oAokFrKM7CyVxGJm', customerId)), metadata: { custom_client_id: '999' } });
    const all = await call(`${base}/payout_orders`, { headers });
    expect(all.body).toMatchObject({ object: 'list', has_more: false });
    expect(all.body.data.map((o: { id: string }) => o.id)).toEqual([second.body.id, orderId]);
    const byMetadata = await call(`${base}/payout_orders?metadata[custom_client_id]=12345`, { headers });
    expect(byMetadata.body.data.map((o: { id: string }) => o.id)).toEqual([orderId]);
    const byReference = await call(`${base}/payout_orders?search=${second.body.reference}`, { headers });
    expect(byReference.body.data.map((o: { id: string }) => o.id)).toEqual([second.body.id]);
  });

  it('cancels a pending order and gives the money back; a second cancel is refused', async () => {
    const order = await createOrder(DOC_ORDER.replace('cus_2oAokFrKM7CyVxGJm', customerId));
    const account = `digitalfemsa:${SIMULATOR_CREDENTIALS.digitalfemsa.privateKey}`;
    const before = (await stats(sim)).balances_cents[account];
    const cancelled = await call(`${base}/payout_orders/${order.body.id}/cancel`, { method: 'PUT', headers });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ id: order.body.id, status: 'cancelled', payouts: [{ status: 'cancelled' }] });
    expect((await stats(sim)).balances_cents[account]).toBe(before + 3000);
    expectFemsaError(await call(`${base}/payout_orders/${order.body.id}/cancel`, { method: 'PUT', headers }), 422, 'processing_error');
    expect((await journal(sim)).find((e) => e.provider_id === order.body.id)?.status).toBe('cancelled');
  });

  it('marks an order paid once the customer collects it (settle)', async () => {
    await advance(sim, 60_000);
    expect((await call(`${base}/payout_orders/${orderId}`, { headers })).body.status).toBe('paid');
  });

  it('answers processing_error 402 beyond the balance', async () => {
    const reply = await createOrder({ ...JSON.parse(DOC_ORDER.replace('cus_2oAokFrKM7CyVxGJm', customerId)), amount: 10_000_000 });
    expect(expectFemsaError(reply, 402, 'processing_error').debug_message).toBe('Insufficient funds');
  });

  it('answers 404 for an unknown order', async () => {
    expectFemsaError(await call(`${base}/payout_orders/9a67e7ef-784b-468f-be54-06bc9c1834fb`, { headers }), 404, 'resource_not_found_error');
  });

  describe('authentication and API version', () => {
    it('accepts Basic (as the doc) and Bearer with the key', async () => {
      expect((await call(`${base}/payout_orders`, { headers })).status).toBe(200);
      expect((await call(`${base}/payout_orders`, { headers: { ...headers, authorization: `Bearer ${SIMULATOR_CREDENTIALS.digitalfemsa.privateKey}` } })).status).toBe(200);
    });

    it('refuses a missing or malformed key with authentication_error 401', async () => {
      expectFemsaError(await call(`${base}/payout_orders`, { headers: { accept: headers.accept } }), 401, 'authentication_error');
      expectFemsaError(await call(`${base}/payout_orders`, { headers: { ...headers, authorization: basic('sk_123456789012') } }), 401, 'authentication_error');
    });

    it('refuses an Accept header other than application/vnd.app-v2.1.0+json', async () => {
      expectFemsaError(await call(`${base}/payout_orders`, { headers: { authorization: headers.authorization } }), 400, 'parameter_validation_error');
      expectFemsaError(await call(`${base}/payout_orders`, { headers: { ...headers, accept: 'application/vnd.conekta-v2.3.0+json' } }), 400, 'parameter_validation_error');
    });
  });
});

describe('Digital FEMSA expiry of uncollected orders', () => {
  it('expires an uncollected order after 48 simulated hours and returns the money', async () => {
    // settle_fail=1: the customer never collects the cash.
    const sim = await startSimulator({ seed: 2, faults: 'settle_fail=1', settleMs: 1000, balanceMinor: 10_000 });
    try {
      const base = sim.baseUrl('digitalfemsa');
      const headers = femsaHeaders();
      const customer = await call(`${base}/customers`, { headers, body: DOC_CUSTOMER });
      const order = await call(`${base}/payout_orders`, { headers, body: DOC_ORDER.replace('cus_2oAokFrKM7CyVxGJm', customer.body.id) });
      const account = `digitalfemsa:${SIMULATOR_CREDENTIALS.digitalfemsa.privateKey}`;
      expect((await stats(sim)).balances_cents[account]).toBe(7_000);
      await advance(sim, 47 * HOURS);
      expect((await call(`${base}/payout_orders/${order.body.id}`, { headers })).body.status).toBe('pending');
      await advance(sim, 1 * HOURS);
      const expired = await call(`${base}/payout_orders/${order.body.id}`, { headers });
      expect(expired.body).toMatchObject({ status: 'expired', payouts: [{ status: 'expired' }] });
      expect((await stats(sim)).balances_cents[account]).toBe(10_000);
      expect((await journal(sim))[0]).toMatchObject({ provider_id: order.body.id, status: 'expired' });
      const cancel = await call(`${base}/payout_orders/${order.body.id}/cancel`, { method: 'PUT', headers });
      expect(cancel.status).toBe(422);
    } finally {
      await sim.close();
    }
  });
});
