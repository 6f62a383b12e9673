import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATOR_CREDENTIALS } from '../credentials.ts';
import { advance, basic, call, conektaHeaders, journal, stats, type Reply } from '../sim-test-client.ts';
import { startSimulator, type RunningSimulator } from '../start-simulator.ts';

// Bodies copied verbatim from conekta-dispersion.txt. The curl payee uses account 123456789012345678, whose CLABE
// check digit is wrong; the Python/Ruby examples use 123456789012345673, a valid CLABE.
const DOC_PAYEE_CURL = `{
    "name": "Jon Doe",
    "email": "[email protected]",
    "phone": "5555555555",
    "destinations": [{
      "type": "bank_account",
      "account_number": "123456789012345678",
      "account_holder_name": "Jon Doe Account"
    }]
}`;
const DOC_PAYEE_PYTHON = DOC_PAYEE_CURL.replace('123456789012345678', '123456789012345673');
const DOC_TRANSFER = `{
    "payee_id": "payee_DePrueba",
    "amount": 50000,
    "currency": "MXN"
  }`;
const DOC_KEY = 'key_DePruebaDeApi';
// The curl examples: -u key_DePruebaDeApi: with accept application/vnd.conekta-v2.0.0+json.
const docHeaders = { authorization: basic(DOC_KEY), accept: 'application/vnd.conekta-v2.0.0+json' };

function expectConektaError(reply: Reply, http: number, type: string): { message: string; debug_message: string; param: string | null; code: string } {
  expect(reply.status).toBe(http);
  expect(Object.keys(reply.body).sort()).toEqual(['details', 'log_id', 'object', 'type']);
  expect(reply.body).toMatchObject({ object: 'error', type });
  expect(reply.body.details).toHaveLength(1);
  expect(Object.keys(reply.body.details[0]).sort()).toEqual(['code', 'debug_message', 'message', 'param']);
  return reply.body.details[0];
}

describe('Conekta simulator, as documented in conekta-dispersion.txt', () => {
  let sim: RunningSimulator;
  let base: string;
  let payeeId: string;

  beforeAll(async () => {
    sim = await startSimulator({ seed: 5, settleMs: 60_000 });
    base = sim.baseUrl('conekta');
  });
  afterAll(() => sim.close());

  describe('payees', () => {
    it('creates the doc payee (Basic auth, API 2.0.0) and answers the documented shape', async () => {
      const reply = await call(`${base}/payees`, { headers: docHeaders, body: DOC_PAYEE_PYTHON });
      expect(reply.status).toBe(200);
      expect(Object.keys(reply.body).sort()).toEqual(['created_at', 'default_destination_id', 'destinations', 'email', 'id', 'livemode', 'name', 'object', 'phone']);
      expect(reply.body).toMatchObject({ object: 'payee', name: 'Jon Doe', email: '[email protected]', phone: '5555555555', livemode: false });
      expect(reply.body.id).toMatch(/^payee_\w+$/);
      const [destination] = reply.body.destinations;
      expect(destination).toMatchObject({ payee_id: reply.body.id, object: 'destination', type: 'bank_account', currency: 'MXN', last4: '5673', account_holder_name: 'Jon Doe Account' });
      expect(Object.keys(destination).sort()).toEqual(['account_holder_name', 'bank', 'created_at', 'currency', 'id', 'last4', 'object', 'payee_id', 'type']);
      expect(reply.body.default_destination_id).toBe(destination.id);
      payeeId = reply.body.id;
      expect((await call(`${base}/payees/${payeeId}`, { headers: docHeaders })).body).toEqual(reply.body);
    });

    it('rejects the curl payee, whose account number is not a valid CLABE, with the documented error', async () => {
      const detail = expectConektaError(await call(`${base}/payees`, { headers: docHeaders, body: DOC_PAYEE_CURL }), 422, 'parameter_validation_error');
      expect(detail.debug_message).toBe('The payee`s account number was invalid, please ensure that it is an 18 digit CLABE.');
    });

    it.each([
      ['17 digits', '12345678901234567'],
      ['letters', '12345678901234567a'],
    ])('rejects an account number of %s the same way', async (_what, account) => {
      const detail = expectConektaError(await call(`${base}/payees`, { headers: docHeaders, body: DOC_PAYEE_PYTHON.replace('123456789012345673', account) }), 422, 'parameter_validation_error');
      expect(detail.debug_message).toContain('18 digit CLABE');
    });

    it('keeps an account number sent as a JSON integer exactly (the doc table says Integer)', async () => {
      const reply = await call(`${base}/payees`, { headers: docHeaders, body: DOC_PAYEE_PYTHON.replace('"123456789012345673"', '123456789012345673') });
      expect(reply.status).toBe(200);
      expect(reply.body.destinations[0].last4).toBe('5673');
    });

    it('answers 404 resource_not_found_error for an unknown payee', async () => {
      expectConektaError(await call(`${base}/payees/payee_DePrueba`, { headers: docHeaders }), 404, 'resource_not_found_error');
    });
  });

  describe('transfers', () => {
    let transferId: string;

    it('rejects the doc transfer as is: payee_DePrueba does not exist here', async () => {
      const detail = expectConektaError(await call(`${base}/transfers`, { headers: docHeaders, body: DOC_TRANSFER }), 422, 'parameter_validation_error');
      expect(detail).toMatchObject({ debug_message: 'The payee could not be found', param: 'payee_id' });
    });

    it('creates the doc transfer for a created payee and answers the documented shape', async () => {
      const reply = await call(`${base}/transfers`, { headers: docHeaders, body: DOC_TRANSFER.replace('payee_DePrueba', payeeId) });
      expect(reply.status).toBe(200);
      expect(Object.keys(reply.body).sort()).toEqual(['amount', 'created_at', 'currency', 'destination', 'id', 'livemode', 'object', 'statement_description', 'statement_reference', 'status']);
      expect(reply.body).toMatchObject({ object: 'transfer', amount: 50000, currency: 'MXN', status: 'pending', livemode: false });
      expect(reply.body.destination).toMatchObject({ payee_id: payeeId, object: 'destination', type: 'bank_transfer', last4: '5673', account_holder_name: 'Jon Doe Account' });
      expect(reply.body.statement_reference).toMatch(/^\d{7}$/);
      expect(reply.body.statement_description).toBe(`Jon Doe Account ${reply.body.statement_reference}`);
      expect(reply.body.id).toMatch(/^[a-z0-9]{24}$/);
      transferId = reply.body.id;
    });

    it.each([
      ['currency USD', { currency: 'USD', amount: 1000 }, 'The provided currency is invalid', 'currency'],
      ['no amount', { currency: 'MXN' }, 'The transfer amount is required', 'amount'],
      ['amount 0', { currency: 'MXN', amount: 0 }, 'The transfer amount is required', 'amount'],
      ['a negative amount', { currency: 'MXN', amount: -100 }, 'The transfer amount is required', 'amount'],
    ])('rejects %s with the documented parameter_validation_error', async (_what, fields, message, param) => {
      const detail = expectConektaError(await call(`${base}/transfers`, { headers: docHeaders, body: { payee_id: payeeId, ...fields } }), 422, 'parameter_validation_error');
      expect(detail).toMatchObject({ debug_message: message, param });
    });

    it('rejects an amount with a fraction of a cent or as a string', async () => {
      expectConektaError(await call(`${base}/transfers`, { headers: docHeaders, body: { payee_id: payeeId, currency: 'MXN', amount: 100.5 } }), 422, 'parameter_validation_error');
      expectConektaError(await call(`${base}/transfers`, { headers: docHeaders, body: { payee_id: payeeId, currency: 'MXN', amount: '100' } }), 422, 'parameter_validation_error');
    });

    it('creates a second transfer when the same request is repeated: transfers have no idempotency key', async () => {
      const body = { payee_id: payeeId, amount: 777, currency: 'MXN', metadata: { order_id: 'conekta-dup-1' } };
      const first = await call(`${base}/transfers`, { headers: conektaHeaders(DOC_KEY), body });
      const second = await call(`${base}/transfers`, { headers: conektaHeaders(DOC_KEY), body });
      expect(first.status).toBe(200);
      expect(second.status).toBe(200);
      expect(second.body.id).not.toBe(first.body.id);
      expect(first.body.metadata).toEqual({ order_id: 'conekta-dup-1' });
      const entries = (await journal(sim)).filter((e) => e.reference === 'conekta-dup-1');
      expect(entries.map((e) => e.provider_id)).toEqual([first.body.id, second.body.id]);
      expect(entries[0]).toMatchObject({ provider: 'conekta', destination: '123456789012345673', amount_cents: 777, currency: 'MXN' });
    });

    it('moves pending → in_transit → paid_out on the simulated clock', async () => {
      const get = async () => (await call(`${base}/transfers/${transferId}`, { headers: docHeaders })).body.status;
      expect(await get()).toBe('pending');
      await advance(sim, 30_000);
      expect(await get()).toBe('in_transit');
      await advance(sim, 30_000);
      expect(await get()).toBe('paid_out');
    });

    it('answers 404 resource_not_found_error for an unknown transfer', async () => {
      expectConektaError(await call(`${base}/transfers/abcdefghijklmnopq1111111`, { headers: docHeaders }), 404, 'resource_not_found_error');
    });
  });

  describe('listing transfers', () => {
    let listSim: RunningSimulator;
    let url: string;
    const created: string[] = [];
    let payeeA: string;

    beforeAll(async () => {
      listSim = await startSimulator({ seed: 9 });
      url = listSim.baseUrl('conekta');
      const h = conektaHeaders();
      payeeA = (await call(`${url}/payees`, { headers: h, body: DOC_PAYEE_PYTHON })).body.id;
      const payeeB = (await call(`${url}/payees`, { headers: h, body: DOC_PAYEE_PYTHON.replace('123456789012345673', '012298026516924616') })).body.id;
      for (const [i, payee] of [payeeA, payeeB, payeeA, payeeA].entries()) {
        created.push((await call(`${url}/transfers`, { headers: h, body: { payee_id: payee, amount: 100 * (i + 1), currency: 'MXN', metadata: { order_id: `L${i}` } } })).body.id);
      }
    });
    afterAll(() => listSim.close());

    const list = (query: string) => call(`${url}/transfers${query}`, { headers: conektaHeaders() });

    it('answers the Conekta list shape, newest first, items with the payout method', async () => {
      const reply = await list('');
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ object: 'list', has_more: false, next_page_url: null, previous_page_url: null });
      expect(reply.body.data.map((t: { id: string }) => t.id)).toEqual([...created].reverse());
      expect(reply.body.data[0].method).toMatchObject({ _type: 'BankTransferPayoutMethod', object: 'bank_transfer_payout_method', account_number: '123456789012345673', account_holder: 'Jon Doe Account', payee_id: payeeA });
    });

    it('pages with limit and next/previous cursors', async () => {
      const first = await list('?limit=3');
      expect(first.body.has_more).toBe(true);
      expect(first.body.data.map((t: { id: string }) => t.id)).toEqual([created[3], created[2], created[1]]);
      const next = await call(first.body.next_page_url, { headers: conektaHeaders() });
      expect(next.body.data.map((t: { id: string }) => t.id)).toEqual([created[0]]);
      expect(next.body.has_more).toBe(false);
      const back = await call(next.body.previous_page_url, { headers: conektaHeaders() });
      expect(back.body.data.map((t: { id: string }) => t.id)).toEqual([created[3], created[2], created[1]]);
    });

    it('filters by payee_id, created_at and metadata', async () => {
      const byPayee = await list(`?payee_id=${payeeA}`);
      expect(byPayee.body.data.map((t: { id: string }) => t.id)).toEqual([created[3], created[2], created[0]]);
      const now = Math.floor(Date.now() / 1000);
      expect((await list(`?created_at[gte]=${now - 60}`)).body.data).toHaveLength(4);
      expect((await list(`?created_at[lt]=${now - 60}`)).body.data).toHaveLength(0);
      expect((await list('?metadata[order_id]=L2')).body.data.map((t: { id: string }) => t.id)).toEqual([created[2]]);
      expectConektaError(await list('?limit=251'), 422, 'parameter_validation_error');
    });
  });

  describe('authentication and API version', () => {
    it('answers 401 authentication_error without a key or with a key of the wrong shape', async () => {
      expectConektaError(await call(`${base}/transfers`, { headers: { accept: 'application/vnd.conekta-v2.3.0+json' } }), 401, 'authentication_error');
      const detail = expectConektaError(await call(`${base}/transfers`, { headers: conektaHeaders('sk_e568c42a6c384b7ab02cd47d2e407cab') }), 401, 'authentication_error');
      expect(detail.debug_message).toBe('Unrecognized access key');
    });

    it.each(['2.0.0', '2.1.0', '2.2.0', '2.3.0'])('accepts API version %s, with Bearer auth as the current SDK sends it', async (version) => {
      const reply = await call(`${base}/transfers?limit=1`, { headers: conektaHeaders(SIMULATOR_CREDENTIALS.conekta.privateKey, version) });
      expect(reply.status).toBe(200);
      expect(reply.headers['conekta-media-type']).toBe(`conekta-v${version}; format=application/json`);
    });

    it.each([
      ['no Accept header', {}],
      ['a plain JSON Accept', { accept: 'application/json' }],
      ['API version 1.0.0', { accept: 'application/vnd.conekta-v1.0.0+json' }],
      ['API version 2.4.0', { accept: 'application/vnd.conekta-v2.4.0+json' }],
    ])('refuses %s', async (_what, headers) => {
      const detail = expectConektaError(await call(`${base}/transfers`, { headers: { authorization: basic(DOC_KEY), ...headers } }), 400, 'parameter_validation_error');
      expect(detail.param).toBe('Accept');
    });

    it('keeps each private key apart', async () => {
      const other = await call(`${base}/payees/${payeeId}`, { headers: conektaHeaders('key_AnotherMerchant000') });
      expectConektaError(other, 404, 'resource_not_found_error');
    });
  });

  describe('balance', () => {
    it('answers processing_error 402 "Insufficient funds" beyond the balance, and moves nothing', async () => {
      const small = await startSimulator({ seed: 1, balanceMinor: 10_000 });
      try {
        const url = small.baseUrl('conekta');
        const payee = (await call(`${url}/payees`, { headers: docHeaders, body: DOC_PAYEE_PYTHON })).body.id;
        const detail = expectConektaError(await call(`${url}/transfers`, { headers: docHeaders, body: DOC_TRANSFER.replace('payee_DePrueba', payee) }), 402, 'processing_error');
        expect(detail.debug_message).toBe('Insufficient funds');
        expect(await journal(small)).toEqual([]);
        expect((await stats(small)).balances_cents).toEqual({});
        const balance = await call(`${url}/balance`, { headers: docHeaders });
        expect(balance.body).toEqual({ available: [{ amount: 10_000, currency: 'MXN' }] });
      } finally {
        await small.close();
      }
    });
  });
});
