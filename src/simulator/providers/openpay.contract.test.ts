import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATOR_CREDENTIALS } from '../credentials.ts';
import { advance, basic, call, journal, openpayHeaders, openpayMerchantUrl, type Reply } from '../sim-test-client.ts';
import { startSimulator, type RunningSimulator } from '../start-simulator.ts';

// Request bodies below are copied verbatim from openpay-api.txt (curl / JavaScript / Ruby examples).
const DOC_BANK_PAYOUT = `{
   "method":"bank_account",
   "bank_account":{
      "clabe":"012298026516924616",
      "holder_name":"Mi empresa"
   },
   "amount":100.00,
   "description":"Retiro de saldo semanal",
   "order_id":"oid-1110011"
}`;
const DOC_CUSTOMER = `{
   "name": "customer name",
   "email": "customer_email@me.com",
   "requires_account": false 
   }`;
const DOC_BANK_ACCOUNT = `{
   "clabe":"032180000118359719",
   "alias":"Cuenta principal",
   "holder_name":"Juan Hernández Sánchez"
}`;
const DOC_ID_PAYOUT_RUBY = (destinationId: string) => `{
     "method": "bank_account",
     "destination_id": "${destinationId}",
     "amount": 10.50,
     "description": "Retiro de saldo semanal",
     "order_id": "oid-00021"
   }`;
const DOC_ID_PAYOUT_CURL = `{
    "method": "card",
    "destination_id": "k3d54sd3mdjf75udjfvoc",
    "amount": 10.50,
    "description": "Retiro de saldo semanal",
    "order_id": "oid-00021"
}`;

const ERROR_KEYS = ['category', 'description', 'error_code', 'http_code', 'request_id'];
// openpay-api.txt "Pago a cuenta bancaria" example response, plus customer_id.
const TRANSACTION_KEYS = ['amount', 'authorization', 'bank_account', 'creation_date', 'currency', 'customer_id', 'description', 'error_message', 'id', 'method', 'operation_date', 'operation_type', 'order_id', 'status', 'transaction_type'];

function expectOpenpayError(reply: Reply, http: number, code: number): void {
  expect(reply.status).toBe(http);
  expect(Object.keys(reply.body).sort()).toEqual(ERROR_KEYS);
  expect(reply.body).toMatchObject({ http_code: http, error_code: code });
  expect(reply.body.request_id).toMatch(/^[0-9a-f-]{36}$/);
}

describe('Openpay simulator, as documented in openpay-api.txt', () => {
  let sim: RunningSimulator;
  let base: string;
  const auth = openpayHeaders();
  const post = (path: string, body: unknown, headers: Record<string, string> = auth) => call(`${base}${path}`, { body, headers });
  const get = (path: string, headers: Record<string, string> = auth) => call(`${base}${path}`, { headers });

  beforeAll(async () => {
    sim = await startSimulator({ seed: 7, balanceMinor: 1_000_000_00, settleMs: 60_000 });
    base = openpayMerchantUrl(sim);
  });
  afterAll(() => sim.close());

  describe('authentication (HTTP Basic, private key as user, blank password)', () => {
    it('answers 1002/401 without a key or with a key of the wrong shape', async () => {
      expectOpenpayError(await get('/payouts', {}), 401, 1002);
      expectOpenpayError(await get('/payouts', { authorization: basic('not-a-key') }), 401, 1002);
      expectOpenpayError(await get('/payouts', { authorization: `Bearer ${SIMULATOR_CREDENTIALS.openpay.privateKey}` }), 401, 1002);
    });

    it('answers 1010/403 to a public key', async () => {
      expectOpenpayError(await get('/payouts', { authorization: basic('pk_1234567890abcdef1234567890abcdef') }), 403, 1010);
    });

    it('accepts the doc example key (any sk_ key) and keeps each merchant apart', async () => {
      const other = call(`${sim.baseUrl('openpay')}/v1/mzdtln0bmtms6o3kck8f`, { headers: { authorization: basic('sk_e568c42a6c384b7ab02cd47d2e407cab') } });
      expect((await other).status).toBe(200);
      expect((await other).body).toMatchObject({ id: 'mzdtln0bmtms6o3kck8f', status: 'active', balance: 1_000_000 });
    });
  });

  describe('customers and bank accounts', () => {
    let customerId: string;
    let bankAccountId: string;

    it('creates a customer from the doc request', async () => {
      const reply = await post('/customers', DOC_CUSTOMER);
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ name: 'customer name', last_name: null, email: 'customer_email@me.com', phone_number: null, address: null, external_id: null });
      expect(reply.body.id).toMatch(/^[a-z0-9]{20}$/);
      expect(reply.body.creation_date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-06:00$/);
      customerId = reply.body.id;
      expect((await get(`/customers/${customerId}`)).body).toEqual(reply.body);
    });

    it('answers the doc error example for an unknown customer', async () => {
      const reply = await get('/customers/m4hqp35pswl02mmc567');
      expectOpenpayError(reply, 404, 1005);
      expect(reply.body).toMatchObject({ category: 'request', description: "The customer with id 'm4hqp35pswl02mmc567' does not exist" });
    });

    it('answers 2003/409 when the external_id is already used', async () => {
      expect((await post('/customers', { name: 'A', email: 'a@example.mx', external_id: 'cliente1' })).status).toBe(200);
      expectOpenpayError(await post('/customers', { name: 'B', email: 'b@example.mx', external_id: 'cliente1' }), 409, 2003);
    });

    it('rejects a customer without email (1001)', async () => {
      expectOpenpayError(await post('/customers', { name: 'x' }), 400, 1001);
    });

    it('registers a bank account from the doc request and answers like the doc example', async () => {
      const reply = await post(`/customers/${customerId}/bankaccounts`, DOC_BANK_ACCOUNT);
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ clabe: '032XXXXXXXXXX59719', bank_code: '032', bank_name: 'IXE', alias: 'Cuenta principal', holder_name: 'Juan Hernández Sánchez' });
      expect(Object.keys(reply.body).sort()).toEqual(['alias', 'bank_code', 'bank_name', 'clabe', 'creation_date', 'holder_name', 'id']);
      bankAccountId = reply.body.id;
      expect((await get(`/customers/${customerId}/bankaccounts/${bankAccountId}`)).body).toEqual(reply.body);
      expect((await get(`/customers/${customerId}/bankaccounts?limit=2`)).body).toEqual([reply.body]);
    });

    it('answers 2001/409 when the CLABE is already registered for the customer', async () => {
      expectOpenpayError(await post(`/customers/${customerId}/bankaccounts`, DOC_BANK_ACCOUNT), 409, 2001);
    });

    it('pays to a registered destination_id (Ruby doc body)', async () => {
      const reply = await post(`/customers/${customerId}/payouts`, DOC_ID_PAYOUT_RUBY(bankAccountId));
      expect(reply.status).toBe(200);
      expect(reply.text).toContain('"amount":10.50');
      expect(reply.body).toMatchObject({ method: 'bank_account', status: 'in_progress', order_id: 'oid-00021', customer_id: customerId, bank_account: { clabe: '032XXXXXXXXXX59719', bank_code: '032', holder_name: 'Juan Hernández Sánchez' } });
      // A customer-level payout belongs to the customer's account, not the merchant's.
      expectOpenpayError(await get(`/payouts/${reply.body.id}`), 404, 1005);
      expect((await get(`/customers/${customerId}/payouts/${reply.body.id}`)).body.id).toBe(reply.body.id);
      expect((await get(`/customers/${customerId}/payouts`)).body.map((p: { id: string }) => p.id)).toEqual([reply.body.id]);
    });

    it('answers 1005/404 for the doc destination_id, which is not registered here', async () => {
      const reply = await post(`/customers/${customerId}/payouts`, DOC_ID_PAYOUT_CURL.replace('"card"', '"bank_account"'));
      expectOpenpayError(reply, 404, 1005);
    });

    it('does not simulate card payouts (the curl example uses method card): 1003/422', async () => {
      expectOpenpayError(await post(`/customers/${customerId}/payouts`, DOC_ID_PAYOUT_CURL), 422, 1003);
    });

    it('deletes a bank account with an empty answer', async () => {
      const added = await post(`/customers/${customerId}/bankaccounts`, { clabe: '072910007380090615', holder_name: 'Teofilo Velazco' });
      const deleted = await call(`${base}/customers/${customerId}/bankaccounts/${added.body.id}`, { method: 'DELETE', headers: auth });
      expect(deleted.status).toBe(204);
      expect(deleted.text).toBe('');
      expectOpenpayError(await get(`/customers/${customerId}/bankaccounts/${added.body.id}`), 404, 1005);
    });
  });

  describe('payouts to a bank account (merchant level)', () => {
    let payoutId: string;

    it('creates the doc payout and answers the documented transaction object', async () => {
      const reply = await post('/payouts', DOC_BANK_PAYOUT);
      expect(reply.status).toBe(200);
      expect(Object.keys(reply.body).sort()).toEqual(TRANSACTION_KEYS);
      expect(reply.text).toContain('"amount":100.00');
      expect(reply.body).toMatchObject({
        authorization: null,
        method: 'bank_account',
        operation_type: 'out',
        transaction_type: 'payout',
        status: 'in_progress',
        currency: 'MXN',
        description: 'Retiro de saldo semanal',
        error_message: null,
        order_id: 'oid-1110011',
        bank_account: { clabe: '012XXXXXXXXXX24616', bank_code: '012', bank_name: 'BANCOMER', alias: null, holder_name: 'Mi empresa' },
        customer_id: null,
      });
      expect(reply.body.id).toMatch(/^tr[a-z0-9]{18}$/);
      payoutId = reply.body.id;
    });

    it('answers 1006/409 when the order_id is reused, at merchant or customer level', async () => {
      const again = await post('/payouts', DOC_BANK_PAYOUT);
      expectOpenpayError(again, 409, 1006);
      // openpay-api.txt: order_id "Debe ser único entre todas las transacciones" — oid-00021 was used by a customer payout.
      const reused = await post('/payouts', { method: 'bank_account', bank_account: { clabe: '012298026516924616', holder_name: 'X' }, amount: 5, description: 'd', order_id: 'oid-00021' });
      expectOpenpayError(reused, 409, 1006);
      expect((await journal(sim)).filter((e) => e.reference === 'oid-1110011')).toHaveLength(1);
    });

    it('lets another merchant use the same order_id', async () => {
      const other = await call(`${openpayMerchantUrl(sim, 'mother0000000000000x')}/payouts`, { body: DOC_BANK_PAYOUT, headers: auth });
      expect(other.status).toBe(200);
    });

    it('reads the payout back, in_progress until it settles, then completed', async () => {
      const before = await get(`/payouts/${payoutId}`);
      expect(before.body).toMatchObject({ id: payoutId, status: 'in_progress', authorization: null });
      await advance(sim, 60_000);
      const after = await get(`/payouts/${payoutId}`);
      expect(after.body).toMatchObject({ id: payoutId, status: 'completed', authorization: payoutId.toUpperCase(), error_message: null });
    });

    it.each([
      ['a CLABE with a bad check digit', { clabe: '012298026516924617', holder_name: 'X' }, 422, 1003],
      ['a CLABE of 17 digits', { clabe: '01229802651692461', holder_name: 'X' }, 400, 1001],
      ['a CLABE sent as a number', { clabe: 12298026516924616, holder_name: 'X' }, 400, 1001],
      ['no holder_name', { clabe: '012298026516924616' }, 400, 1001],
    ])('rejects %s', async (_what, bankAccount, http, code) => {
      expectOpenpayError(await post('/payouts', { method: 'bank_account', bank_account: bankAccount, amount: 1, description: 'd' }), http, code);
    });

    it.each([
      ['more than two decimals', '10.555'],
      ['zero', '0'],
      ['a negative amount', '-5.00'],
      ['a non-number', '"diez"'],
    ])('rejects an amount with %s (1001)', async (_what, amount) => {
      const body = `{"method":"bank_account","bank_account":{"clabe":"012298026516924616","holder_name":"X"},"amount":${amount},"description":"d"}`;
      expectOpenpayError(await post('/payouts', body), 400, 1001);
    });

    it('reads an amount literal exactly, and accepts it as a string', async () => {
      const exact = await post('/payouts', '{"method":"bank_account","bank_account":{"clabe":"012298026516924616","holder_name":"X"},"amount":0.07,"description":"d"}');
      expect(exact.text).toContain('"amount":0.07');
      const text = await post('/payouts', { method: 'bank_account', bank_account: { clabe: '012298026516924616', holder_name: 'X' }, amount: '12.30', description: 'd' });
      expect(text.text).toContain('"amount":12.30');
      const entries = await journal(sim);
      expect(entries.filter((e) => e.provider_id === exact.body.id || e.provider_id === text.body.id).map((e) => e.amount_cents)).toEqual([7, 1230]);
    });

    it.each([
      ['no description', { method: 'bank_account', bank_account: { clabe: '012298026516924616', holder_name: 'X' }, amount: 1 }],
      ['no destination', { method: 'bank_account', amount: 1, description: 'd' }],
      ['no method', { bank_account: { clabe: '012298026516924616', holder_name: 'X' }, amount: 1, description: 'd' }],
      ['an order_id over 100 characters', { method: 'bank_account', bank_account: { clabe: '012298026516924616', holder_name: 'X' }, amount: 1, description: 'd', order_id: 'x'.repeat(101) }],
    ])('rejects a payout with %s (1001)', async (_what, body) => {
      expectOpenpayError(await post('/payouts', body), 400, 1001);
    });

    it('answers 1009/413 to a body over 1 MiB', async () => {
      expectOpenpayError(await post('/payouts', { method: 'bank_account', description: 'x'.repeat(1 << 20) }), 413, 1009);
    });

    it('rejects a body that is not JSON (1001)', async () => {
      expectOpenpayError(await post('/payouts', '{"method":'), 400, 1001);
    });

    it('answers 1005/404 for an unknown payout or route', async () => {
      expectOpenpayError(await get('/payouts/trnotthere0000000000'), 404, 1005);
      expectOpenpayError(await get('/charges'), 404, 1005);
    });
  });

  describe('listing payouts', () => {
    let listSim: RunningSimulator;
    let url: string;
    const ids: string[] = [];

    beforeAll(async () => {
      // A pinned clock: 2026-06-15 12:00 in Mexico City (UTC-6), far from a day boundary on either side.
      listSim = await startSimulator({ seed: 11, wallClock: () => Date.parse('2026-06-15T18:00:00Z') });
      url = openpayMerchantUrl(listSim);
      for (const [i, amount] of ['10.00', '20.00', '30.00', '40.00'].entries()) {
        const reply = await call(`${url}/payouts`, { headers: auth, body: `{"method":"bank_account","bank_account":{"clabe":"012298026516924616","holder_name":"X"},"amount":${amount},"description":"d","order_id":"list-${i}"}` });
        ids.push(reply.body.id);
      }
    });
    afterAll(() => listSim.close());

    const list = async (query: string) => (await call(`${url}/payouts${query}`, { headers: auth })).body.map((p: { order_id: string }) => p.order_id);

    it('lists newest first, 10 by default, with offset and limit', async () => {
      expect(await list('')).toEqual(['list-3', 'list-2', 'list-1', 'list-0']);
      expect(await list('?offset=1&limit=2')).toEqual(['list-2', 'list-1']);
    });

    it('filters by amount with raw or encoded brackets', async () => {
      expect(await list('?amount[gte]=20&amount[lte]=30.00')).toEqual(['list-2', 'list-1']);
      expect(await list('?amount%5Bgte%5D=20&amount%5Blte%5D=30.00')).toEqual(['list-2', 'list-1']);
      expect(await list('?amount=40')).toEqual(['list-3']);
    });

    it('filters by creation day (yyyy-mm-dd, Mexico City) with raw brackets, as the SDK sends them', async () => {
      const today = '2026-06-15';
      expect(await list('?creation=2026-06-14')).toEqual([]);
      expect(await list('?creation=2026-06-16')).toEqual([]);
      expect(await list(`?creation[gte]=${today}&creation[lte]=${today}&limit=2`)).toEqual(['list-3', 'list-2']);
      expect(await list(`?creation=${today}`)).toHaveLength(4);
      expect(await list('?creation[lte]=2013-11-01')).toEqual([]);
      expect(await list('?creation[gte]=2013-11-01&limit=2&payout_type=AUTOMATIC')).toEqual([]);
    });

    it('rejects bad filters (1001)', async () => {
      expectOpenpayError(await call(`${url}/payouts?creation[gte]=01/11/2013`, { headers: auth }), 400, 1001);
      expectOpenpayError(await call(`${url}/payouts?limit=500`, { headers: auth }), 400, 1001);
      expectOpenpayError(await call(`${url}/payouts?amount[gte]=1.001`, { headers: auth }), 400, 1001);
    });
  });

  describe('merchant balance', () => {
    it('GET /v1/{merchant_id} answers the merchant with its balance after payouts', async () => {
      const small = await startSimulator({ seed: 3, balanceMinor: 50_000 });
      try {
        const url = openpayMerchantUrl(small);
        const merchant = await call(url, { headers: auth });
        expect(merchant.status).toBe(200);
        expect(Object.keys(merchant.body).sort()).toEqual(['balance', 'clabe', 'creation_date', 'email', 'id', 'name', 'phone', 'status']);
        expect(merchant.text).toContain('"balance":500.00');
        await call(`${url}/payouts`, { headers: auth, body: DOC_BANK_PAYOUT });
        expect((await call(url, { headers: auth })).text).toContain('"balance":400.00');
      } finally {
        await small.close();
      }
    });

    it('answers 4001/412 when the balance does not cover the payout, and moves nothing', async () => {
      const small = await startSimulator({ seed: 3, balanceMinor: 9_999 });
      try {
        const url = openpayMerchantUrl(small);
        expectOpenpayError(await call(`${url}/payouts`, { headers: auth, body: DOC_BANK_PAYOUT }), 412, 4001);
        expect((await call(url, { headers: auth })).text).toContain('"balance":99.99');
        expect(await journal(small)).toEqual([]);
      } finally {
        await small.close();
      }
    });
  });

  describe('paging through a long payout list', () => {
    let longSim: RunningSimulator;
    let url: string;
    const orders: string[] = [];

    beforeAll(async () => {
      longSim = await startSimulator({ seed: 12 });
      url = openpayMerchantUrl(longSim);
      for (let i = 0; i < 230; i++) {
        const body = `{"method":"bank_account","bank_account":{"clabe":"012298026516924616","holder_name":"X"},"amount":${10 + (i % 7)}.00,"description":"d","order_id":"long-${i}"}`;
        expect((await call(`${url}/payouts`, { headers: auth, body })).status).toBe(200);
        orders.push(`long-${i}`);
      }
    });
    afterAll(() => longSim.close());

    const page = async (query: string) => (await call(`${url}/payouts${query}`, { headers: auth })).body.map((p: { order_id: string; id: string }) => p.order_id);

    it('gives every payout once, newest first, page after page, the same as pages asked out of order', async () => {
      const newestFirst = [...orders].reverse();
      const sequential = [...(await page('?offset=0&limit=100')), ...(await page('?offset=100&limit=100')), ...(await page('?offset=200&limit=100'))];
      expect(sequential).toEqual(newestFirst);
      // Out of order (nothing to resume from), and with a filter: the same items as a fresh walk gives.
      expect(await page('?offset=100&limit=50')).toEqual(newestFirst.slice(100, 150));
      expect(await page('?offset=10&limit=5')).toEqual(newestFirst.slice(10, 15));
      const twelves = newestFirst.filter((o) => Number(o.slice(5)) % 7 === 2);
      expect([...(await page('?amount=12&limit=20')), ...(await page('?amount=12&offset=20&limit=20'))]).toEqual(twelves);
    });

    it('starts over when a payout is deleted between two pages', async () => {
      const first = await page('?offset=0&limit=100');
      const ids = (await call(`${url}/payouts?offset=0&limit=1`, { headers: auth })).body as Array<{ id: string }>;
      // The newest payout goes: every later page moves up by one.
      expect((await call(`${longSim.url}/__admin/mutate`, { body: { provider: 'openpay', provider_id: ids[0]!.id, delete: true } })).status).toBe(200);
      const second = await page('?offset=100&limit=100');
      const newestFirst = [...orders].reverse().slice(1);
      expect(first[0]).toBe('long-229');
      expect(second).toEqual(newestFirst.slice(100, 200));
    });
  });
});
