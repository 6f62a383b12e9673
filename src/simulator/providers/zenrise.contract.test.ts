import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATOR_CREDENTIALS } from '../credentials.ts';
import { advance, call, journal, stats, zenriseLogin, type Reply } from '../sim-test-client.ts';
import { startSimulator, type RunningSimulator } from '../start-simulator.ts';

function expectZenriseError(reply: Reply, status: number, message: string): void {
  expect(reply.status).toBe(status);
  expect(reply.body).toMatchObject({ statusCode: status, message });
  expect(typeof reply.body.error).toBe('string');
}

describe('Zenrise simulator, as described in zenrise-payouts.txt', () => {
  let sim: RunningSimulator;
  let base: string;
  let auth: { authorization: string };
  const register = (body: unknown, headers = auth) => call(`${base}/v1/wallet/cbu-alias`, { headers, body });
  const add = (body: unknown) => call(`${base}/v1/transfer-requests/add`, { headers: auth, body });
  const check = (id: string) => call(`${base}/v1/transfer-requests/check-is-processed/${id}`, { headers: auth });

  beforeAll(async () => {
    sim = await startSimulator({ seed: 41, settleMs: 60_000, balanceMinor: 1_000_000 });
    base = sim.baseUrl('zenrise');
    auth = { authorization: await zenriseLogin(sim) };
  });
  afterAll(() => sim.close());

  describe('login', () => {
    it('hands a bearer token back in the response Authorization header', async () => {
      const reply = await call(`${base}/v1/users/api-login`, { body: SIMULATOR_CREDENTIALS.zenrise });
      expect(reply.status).toBe(200);
      expect(reply.headers.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
      expect(reply.body).toMatchObject({ clientId: SIMULATOR_CREDENTIALS.zenrise.clientId, expiresIn: 900 });
    });

    it('refuses wrong credentials (401) and a body without them (400)', async () => {
      expectZenriseError(await call(`${base}/v1/users/api-login`, { body: { clientId: SIMULATOR_CREDENTIALS.zenrise.clientId, secretId: 'wrong' } }), 401, 'Invalid credentials');
      expectZenriseError(await call(`${base}/v1/users/api-login`, { body: {} }), 400, 'clientId and secretId are required');
    });

    it('refuses requests without a token or with an unknown one', async () => {
      expectZenriseError(await register({ cbuAlias: 'pepe.pepe.po' }, { authorization: '' }), 401, 'Unauthorized');
      expectZenriseError(await register({ cbuAlias: 'pepe.pepe.po' }, { authorization: 'Bearer not.a.token' }), 401, 'Unauthorized');
    });

    it('expires the token after 15 simulated minutes', async () => {
      const own = await startSimulator({ seed: 1 });
      try {
        const token = await zenriseLogin(own);
        const url = `${own.baseUrl('zenrise')}/v1/wallet/cbu-alias`;
        expect((await call(url, { headers: { authorization: token }, body: { cbuAlias: 'pepe.pepe.po' } })).status).toBe(200);
        await advance(own, 15 * 60_000);
        expectZenriseError(await call(url, { headers: { authorization: token }, body: { cbuAlias: 'pepe.pepe.po' } }), 401, 'Token expired');
        const fresh = await zenriseLogin(own);
        expect((await call(url, { headers: { authorization: fresh }, body: { cbuAlias: 'pepe.pepe.po' } })).status).toBe(200);
      } finally {
        await own.close();
      }
    });
  });

  describe('registering destinations (POST /wallet/cbu-alias) with every DEV test value', () => {
    it.each([
      ['0990100808100040477100', 'CBU_CVU'],
      ['0880610330061000073700', 'CBU_CVU'],
      ['0000128000000000000000', 'CBU_CVU'],
      ['0000200000000000000010', 'CBU_CVU'],
      ['ruben.monitor.po', 'ALIAS'],
      ['pepe.pepe.po', 'ALIAS'],
      ['termo.conejo.st', 'ALIAS'],
      ['silla.puerta.pt', 'ALIAS'],
    ])('registers the successful test account %s (200, type %s)', async (value, type) => {
      const reply = await register({ cbuAlias: value, bankAccountType: 'PAYOUT' });
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ type, bankAccountType: 'PAYOUT', currency: 'ARS', [type === 'ALIAS' ? 'alias' : 'cbu']: value });
      expect(reply.body.bankAccountId).toMatch(/^[0-9a-f-]{36}$/);
    });

    it.each([
      ['the USD CBU', '0980610330061000073700', 'The CBU/CVU belongs to a USD account; only ARS accounts can be registered'],
      ['the USD alias', 'silla.factura.pm', 'The CBU/CVU belongs to a USD account; only ARS accounts can be registered'],
      ['the nonexistent CVU', '0000222000000000000000', 'The CBU/CVU is not correct'],
      ['the nonexistent alias', 'langosta.gato.po', 'The alias for CBU/CVU does not exist'],
      ['the inactive CVU', '0000999000000000000010', 'The CBU/CVU is not active'],
      ['the inactive CBU', '0109100808100040477100', 'The CBU/CVU is not active'],
    ])('refuses %s with 400 and the documented message', async (_what, value, message) => {
      expectZenriseError(await register({ cbuAlias: value }), 400, message);
    });

    it.each([
      ['a CBU with valid BCRA check digits', '2850590940090418135201', 200],
      ['a CBU with a wrong second check digit', '2850590940090418135202', 400],
      ['a CBU with a wrong first check digit', '2850591940090418135201', 400],
      ['21 digits', '285059094009041813520', 400],
      ['a well-formed alias', 'mi-alias.01', 200],
      ['an alias shorter than 6', 'ab.cd', 400],
      ['an alias longer than 20', 'a'.repeat(21), 400],
      ['an alias with a space', 'mi alias', 400],
    ])('checks other accounts: %s → %i', async (_what, value, status) => {
      expect((await register({ cbuAlias: value })).status).toBe(status);
    });

    it('gives the same bankAccountId when an account is registered again, and honours WITHDRAW', async () => {
      const first = await register({ cbuAlias: 'ruben.monitor.po' });
      const again = await register({ cbuAlias: 'ruben.monitor.po' });
      expect(again.body.bankAccountId).toBe(first.body.bankAccountId);
      const withdraw = await register({ cbuAlias: 'ruben.monitor.po', bankAccountType: 'WITHDRAW' });
      expect(withdraw.body).toMatchObject({ bankAccountType: 'WITHDRAW' });
      expect(withdraw.body.bankAccountId).not.toBe(first.body.bankAccountId);
      expectZenriseError(await register({ cbuAlias: 'ruben.monitor.po', bankAccountType: 'SAVINGS' }), 400, 'bankAccountType must be WITHDRAW or PAYOUT');
    });

    it('serves the path as the doc writes it, without /v1', async () => {
      expect((await call(`${base}/wallet/cbu-alias`, { headers: auth, body: { cbuAlias: 'pepe.pepe.po' } })).status).toBe(200);
    });
  });

  describe('transfers (POST /v1/transfer-requests/add)', () => {
    let bankAccountId: string;
    let transferId: string;

    beforeAll(async () => {
      bankAccountId = (await register({ cbuAlias: '0000128000000000000000' })).body.bankAccountId;
    });

    it('creates a Pending transfer, amount in decimal pesos read exactly', async () => {
      const reply = await add('{"amount":1500.50,"bankAccountId":"' + bankAccountId + '","externalReference":"zr-1","type":"TRANSFER","description":"Pago proveedor"}');
      expect(reply.status).toBe(200);
      expect(reply.text).toContain('"amount":1500.50');
      expect(reply.body).toMatchObject({ currency: 'ARS', status: 'Pending', type: 'TRANSFER', externalReference: 'zr-1', bankAccountId, description: 'Pago proveedor', failureReason: null, destination: { type: 'CBU_CVU', cbu: '0000128000000000000000', alias: null } });
      transferId = reply.body.id;
      const [entry] = (await journal(sim)).filter((e) => e.provider_id === transferId);
      expect(entry).toMatchObject({ provider: 'zenrise', reference: 'zr-1', destination: '0000128000000000000000', amount_cents: 150050, currency: 'ARS', status: 'Pending' });
    });

    it('returns the existing request for a repeated externalReference, even with another amount', async () => {
      const again = await add({ amount: 99, bankAccountId, externalReference: 'zr-1', type: 'TRANSFER' });
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(transferId);
      expect(again.text).toContain('"amount":1500.50');
      expect((await journal(sim)).filter((e) => e.reference === 'zr-1')).toHaveLength(1);
    });

    it('creates a new request each time when there is no externalReference', async () => {
      const a = await add({ amount: '10', bankAccountId });
      const b = await add({ amount: '10', bankAccountId });
      expect(a.body.id).not.toBe(b.body.id);
    });

    it.each([
      ['more than two decimals', { amount: 10.555 }, 'amount must have at most 2 decimals'],
      ['a zero amount', { amount: 0 }, 'amount must be greater than 0'],
      ['no amount', { amount: undefined }, 'amount is required'],
      ['an unknown bankAccountId', { bankAccountId: '00000000-0000-4000-8000-000000000000' }, 'The bankAccountId does not exist; register the account with /wallet/cbu-alias first'],
      ['type REFUND', { type: 'REFUND' }, 'type REFUND is not supported by the simulator'],
    ])('refuses %s with 400', async (_what, change, message) => {
      expectZenriseError(await add({ amount: 5, bankAccountId, type: 'TRANSFER', ...change }), 400, message);
    });

    it('moves Pending → InProgress → Accredited, reported by check-is-processed', async () => {
      const first = await check(transferId);
      expect(first.body).toMatchObject({ id: transferId, status: 'Pending', isProcessed: false });
      await advance(sim, 30_000);
      expect((await check(transferId)).body).toMatchObject({ status: 'InProgress', isProcessed: false });
      await advance(sim, 30_000);
      expect((await check(transferId)).body).toMatchObject({ status: 'Accredited', isProcessed: true });
    });

    it('answers 404 for an unknown transfer request', async () => {
      expectZenriseError(await check('00000000-0000-4000-8000-000000000000'), 404, 'Transfer request not found');
    });

    it('answers 400 "Insufficient funds" beyond the balance', async () => {
      const before = (await stats(sim)).balances_cents[`zenrise:${SIMULATOR_CREDENTIALS.zenrise.clientId}`];
      expectZenriseError(await add({ amount: '100000000.00', bankAccountId }), 400, 'Insufficient funds');
      expect((await stats(sim)).balances_cents[`zenrise:${SIMULATOR_CREDENTIALS.zenrise.clientId}`]).toBe(before);
    });
  });

  it('ends a transfer the bank rejects (settle_fail) in Fail and gives the money back', async () => {
    const failing = await startSimulator({ seed: 4, faults: 'settle_fail=1', settleMs: 60_000, balanceMinor: 500_000 });
    try {
      const url = failing.baseUrl('zenrise');
      const headers = { authorization: await zenriseLogin(failing) };
      const account = await call(`${url}/v1/wallet/cbu-alias`, { headers, body: { cbuAlias: 'pepe.pepe.po' } });
      const transfer = await call(`${url}/v1/transfer-requests/add`, { headers, body: { amount: 1234.56, bankAccountId: account.body.bankAccountId, externalReference: 'zr-fail' } });
      const key = `zenrise:${SIMULATOR_CREDENTIALS.zenrise.clientId}`;
      expect((await stats(failing)).balances_cents[key]).toBe(500_000 - 123_456);
      await advance(failing, 60_000);
      const done = await call(`${url}/v1/transfer-requests/check-is-processed/${transfer.body.id}`, { headers });
      expect(done.body).toMatchObject({ status: 'Fail', isProcessed: true, failureReason: expect.any(String) });
      expect((await stats(failing)).balances_cents[key]).toBe(500_000);
    } finally {
      await failing.close();
    }
  });
});
