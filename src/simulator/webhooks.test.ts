import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { advance, call, conektaHeaders, openpayHeaders, openpayMerchantUrl, stats, zenriseLogin } from './sim-test-client.ts';
import { startSimulator, type RunningSimulator } from './start-simulator.ts';

interface Received {
  provider: string;
  body: { type?: string; event?: string; [key: string]: unknown };
}

describe('webhooks', () => {
  let receiver: Server;
  let sim: RunningSimulator;
  const received: Received[] = [];
  const types = (provider: string) => received.filter((r) => r.provider === provider).map((r) => r.body.type ?? r.body.event);

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        received.push({ provider: String(req.headers['x-simulator-provider']), body: JSON.parse(text) });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    sim = await startSimulator({ seed: 3, settleMs: 60_000, webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks` });
  });
  afterAll(async () => {
    await sim.close();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('sends Openpay payout.created then payout.succeeded as {type, event_date, transaction}', async () => {
    const created = await call(`${openpayMerchantUrl(sim)}/payouts`, {
      headers: openpayHeaders(),
      body: { method: 'bank_account', bank_account: { clabe: '012298026516924616', holder_name: 'X' }, amount: 10, description: 'd', order_id: 'wh-1' },
    });
    await vi.waitFor(() => expect(types('openpay')).toEqual(['payout.created']));
    await advance(sim, 60_000);
    await vi.waitFor(() => expect(types('openpay')).toEqual(['payout.created', 'payout.succeeded']));
    const done = received.filter((r) => r.provider === 'openpay')[1]!.body;
    expect(done).toMatchObject({ type: 'payout.succeeded', event_date: expect.stringMatching(/-06:00$/), transaction: { id: created.body.id, status: 'completed', order_id: 'wh-1' } });
  });

  it('sends Conekta payout.created then payout.paid_out in the event envelope', async () => {
    const base = sim.baseUrl('conekta');
    const payee = await call(`${base}/payees`, { headers: conektaHeaders(), body: { name: 'A', destinations: [{ type: 'bank_account', account_number: '012298026516924616', account_holder_name: 'A' }] } });
    const transfer = await call(`${base}/transfers`, { headers: conektaHeaders(), body: { payee_id: payee.body.id, amount: 1000, currency: 'MXN' } });
    // Deliveries are independent requests; waiting for each keeps the order observable.
    await vi.waitFor(() => expect(types('conekta')).toEqual(['payout.created']));
    await advance(sim, 60_000);
    await vi.waitFor(() => expect(types('conekta')).toEqual(['payout.created', 'payout.paid_out']));
    const paid = received.filter((r) => r.provider === 'conekta')[1]!.body;
    expect(paid).toMatchObject({
      object: 'event',
      type: 'payout.paid_out',
      livemode: false,
      data: { object: { id: transfer.body.id, object: 'transfer', status: 'paid_out', method: { _type: 'BankTransferPayoutMethod', account_number: '012298026516924616' } }, previous_attributes: { status: 'in_transit' } },
    });
  });

  it('sends Zenrise transfer.create, transfer.update and transfer.finish', async () => {
    const base = sim.baseUrl('zenrise');
    const auth = { authorization: await zenriseLogin(sim) };
    const account = await call(`${base}/v1/wallet/cbu-alias`, { headers: auth, body: { cbuAlias: 'termo.conejo.st' } });
    const transfer = await call(`${base}/v1/transfer-requests/add`, { headers: auth, body: { amount: 5, bankAccountId: account.body.bankAccountId, externalReference: 'wh-z' } });
    await vi.waitFor(() => expect(types('zenrise')).toEqual(['transfer.create']));
    await advance(sim, 30_000);
    await vi.waitFor(() => expect(types('zenrise')).toEqual(['transfer.create', 'transfer.update']));
    await advance(sim, 30_000);
    await vi.waitFor(() => expect(types('zenrise')).toEqual(['transfer.create', 'transfer.update', 'transfer.finish']));
    const statuses = received.filter((r) => r.provider === 'zenrise').map((r) => (r.body.data as { id: string; status: string }).status);
    expect(statuses).toEqual(['Pending', 'InProgress', 'Accredited']);
    expect((received.find((r) => r.body.event === 'transfer.finish')!.body.data as { id: string }).id).toBe(transfer.body.id);
  });

  it('never blocks a response on a dead receiver, and counts the failures', async () => {
    const dead = await startSimulator({ seed: 1, webhookUrl: 'http://127.0.0.1:9/unreachable' });
    try {
      const reply = await call(`${openpayMerchantUrl(dead)}/payouts`, {
        headers: openpayHeaders(),
        body: { method: 'bank_account', bank_account: { clabe: '012298026516924616', holder_name: 'X' }, amount: 1, description: 'd' },
      });
      expect(reply.status).toBe(200);
      await vi.waitFor(async () => expect((await stats(dead)).webhooks.failed).toBe(1));
    } finally {
      await dead.close();
    }
  });
});
