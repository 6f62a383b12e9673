import { BalancesApi, Configuration, TransfersApi } from 'conekta';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATOR_CREDENTIALS } from '../credentials.ts';
import { advance, call, conektaHeaders } from '../sim-test-client.ts';
import { startSimulator, type RunningSimulator } from '../start-simulator.ts';

/**
 * The official Conekta SDK (conekta 9, API 2.3.0: Bearer key + Accept application/vnd.conekta-v2.3.0+json) pointed at
 * the simulator. The SDK has no payees API and its TransfersApi only reads (getTransfer, getTransfers), so the payee
 * and the transfer are created over plain HTTP with the same headers, then read back through the SDK.
 */
describe('Conekta official SDK against the simulator', () => {
  let sim: RunningSimulator;
  let config: Configuration;
  let transferId: string;
  let payeeId: string;

  beforeAll(async () => {
    sim = await startSimulator({ seed: 21, settleMs: 60_000, balanceMinor: 1_000_000 });
    config = new Configuration({ accessToken: SIMULATOR_CREDENTIALS.conekta.privateKey, basePath: sim.baseUrl('conekta') });
    const payee = await call(`${sim.baseUrl('conekta')}/payees`, {
      headers: conektaHeaders(),
      body: { name: 'Jon Doe', email: 'jon@example.com', phone: '5555555555', destinations: [{ type: 'bank_account', account_number: '012298026516924616', account_holder_name: 'Jon Doe Account' }] },
    });
    payeeId = payee.body.id;
    const transfer = await call(`${sim.baseUrl('conekta')}/transfers`, { headers: conektaHeaders(), body: { payee_id: payeeId, amount: 50000, currency: 'MXN' } });
    expect(transfer.status).toBe(200);
    transferId = transfer.body.id;
  });
  afterAll(() => sim.close());

  it('reads a transfer back with TransfersApi.getTransfer', async () => {
    const { status, data } = await new TransfersApi(config).getTransfer(transferId);
    expect(status).toBe(200);
    expect(data).toMatchObject({ id: transferId, object: 'transfer', amount: 50000, currency: 'MXN', status: 'pending' });
    expect(data.destination).toMatchObject({ payee_id: payeeId, last4: '4616', account_holder_name: 'Jon Doe Account' });
  });

  it('lists transfers with TransfersApi.getTransfers and sees the settled status', async () => {
    await advance(sim, 60_000);
    const { data } = await new TransfersApi(config).getTransfers(undefined, undefined, 10);
    expect(data.object).toBe('list');
    expect(data.has_more).toBe(false);
    expect(data.data?.map((t) => [t.id, t.status, t.method?.account_number])).toEqual([[transferId, 'paid_out', '012298026516924616']]);
  });

  it('reads the balance with BalancesApi.getBalance', async () => {
    const { data } = await new BalancesApi(config).getBalance();
    expect(data.available).toEqual([{ amount: 1_000_000 - 50000, currency: 'MXN' }]);
  });

  it('surfaces a simulator error as the SDK error with the Conekta error body', async () => {
    const failure = await new TransfersApi(config).getTransfer('abcdefghijklmnopq1111111').then(
      () => undefined,
      (error: { response?: { status: number; data: { type: string; object: string } } }) => error.response,
    );
    expect(failure?.status).toBe(404);
    expect(failure?.data).toMatchObject({ object: 'error', type: 'resource_not_found_error' });
  });

  it('is refused with a wrong key, as authentication_error', async () => {
    const wrong = new Configuration({ accessToken: 'not_a_key', basePath: sim.baseUrl('conekta') });
    const failure = await new TransfersApi(wrong).getTransfers().then(
      () => undefined,
      (error: { response?: { status: number; data: { type: string } } }) => error.response,
    );
    expect(failure?.status).toBe(401);
    expect(failure?.data.type).toBe('authentication_error');
  });
});
