import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATOR_CREDENTIALS } from './credentials.ts';
import { advance, call, conektaHeaders, femsaHeaders, journal, openpayHeaders, openpayMerchantUrl, stats, zenriseLogin } from './sim-test-client.ts';
import { startSimulator, type RunningSimulator } from './start-simulator.ts';

const payout = (orderId: string) =>
  `{"method":"bank_account","bank_account":{"clabe":"012298026516924616","holder_name":"Mi empresa"},"amount":25.00,"description":"Retiro","order_id":"${orderId}"}`;

describe('admin endpoints', () => {
  let sim: RunningSimulator;
  let journalPath: string;
  const mutate = (body: unknown) => call(`${sim.url}/__admin/mutate`, { body });

  beforeAll(async () => {
    journalPath = join(mkdtempSync(join(tmpdir(), 'sim-admin-')), 'journal.jsonl');
    sim = await startSimulator({ seed: 8, journalPath, settleMs: 60_000 });
  });
  afterAll(() => sim.close());

  it('journals every money movement, and appends it to the JSONL file before answering', async () => {
    const reply = await call(`${openpayMerchantUrl(sim)}/payouts`, { headers: openpayHeaders(), body: payout('adm-1') });
    const lines = readFileSync(journalPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([
      {
        event: 'created',
        provider: 'openpay',
        provider_id: reply.body.id,
        reference: 'adm-1',
        destination: '012298026516924616',
        amount_cents: 2500,
        currency: 'MXN',
        status: 'in_progress',
        created_at: expect.stringMatching(/Z$/),
        source: 'api',
      },
    ]);
    await advance(sim, 60_000);
    const after = readFileSync(journalPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(after[1]).toMatchObject({ event: 'status', provider_id: reply.body.id, status: 'completed' });
    expect(await journal(sim)).toEqual([expect.objectContaining({ provider_id: reply.body.id, status: 'completed' })]);
    expect((await call(`${sim.url}/__admin/journal?provider=conekta`)).body).toEqual([]);
  });

  it('reports stats: requests, busiest second, 429s, faults, balances and the clock', async () => {
    const s = await stats(sim);
    expect(s.providers.openpay).toMatchObject({ requests: 1, peak_requests_per_second: 1, responses_429: 0, rate_limited: 0 });
    expect(Object.keys(s.faults).sort()).toEqual(['drop_after_commit', 'http429', 'http500', 'http503', 'latency', 'settle_fail', 'timeout']);
    expect(s).toMatchObject({ seed: 8, clock_offset_ms: 60_000, balances_cents: { [`openpay:${SIMULATOR_CREDENTIALS.openpay.merchantId}`]: 1_000_000_000_000 - 2500 } });
  });

  it('refuses a bad advance', async () => {
    expect((await call(`${sim.url}/__admin/advance?ms=-5`, { method: 'POST' })).status).toBe(400);
    expect((await call(`${sim.url}/__admin/advance`, { method: 'POST' })).status).toBe(400);
  });

  it('changes a payout behind the client: status and amount show in the provider API', async () => {
    const created = await call(`${openpayMerchantUrl(sim)}/payouts`, { headers: openpayHeaders(), body: payout('adm-2') });
    const changed = await mutate({ provider: 'openpay', provider_id: created.body.id, status: 'failed', amount_cents: 2600 });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ provider_id: created.body.id, status: 'failed', amount_cents: 2600 });
    const seen = await call(`${openpayMerchantUrl(sim)}/payouts/${created.body.id}`, { headers: openpayHeaders() });
    expect(seen.body).toMatchObject({ status: 'failed' });
    expect(seen.text).toContain('"amount":26.00');
    // A final status set by hand is not overwritten by settlement.
    await advance(sim, 60_000);
    expect((await call(`${openpayMerchantUrl(sim)}/payouts/${created.body.id}`, { headers: openpayHeaders() })).body.status).toBe('failed');
    expect((await mutate({ provider: 'openpay', provider_id: created.body.id, status: 'paid_out' })).status).toBe(400);
  });

  it('answers a status word the documentation does not name, never final; documented words and junk are refused', async () => {
    const created = await call(`${openpayMerchantUrl(sim)}/payouts`, { headers: openpayHeaders(), body: payout('adm-word') });
    const changed = await mutate({ provider: 'openpay', provider_id: created.body.id, undocumented_status: 'on_hold' });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ provider_id: created.body.id, status: 'on_hold' });
    expect((await call(`${openpayMerchantUrl(sim)}/payouts/${created.body.id}`, { headers: openpayHeaders() })).body.status).toBe('on_hold');
    expect((await mutate({ provider: 'openpay', provider_id: created.body.id, undocumented_status: 'completed' })).status).toBe(400);
    expect((await mutate({ provider: 'openpay', provider_id: created.body.id, undocumented_status: 'on hold; drop' })).status).toBe(400);
    expect((await mutate({ provider: 'openpay', provider_id: created.body.id, undocumented_status: 'x', status: 'failed' })).status).toBe(400);
  });

  it('deletes a payout: the provider forgets it (404, order_id free again), the journal keeps it', async () => {
    const created = await call(`${openpayMerchantUrl(sim)}/payouts`, { headers: openpayHeaders(), body: payout('adm-3') });
    expect((await mutate({ provider: 'openpay', provider_id: created.body.id, delete: true })).body).toMatchObject({ deleted: true });
    expect((await call(`${openpayMerchantUrl(sim)}/payouts/${created.body.id}`, { headers: openpayHeaders() })).status).toBe(404);
    const again = await call(`${openpayMerchantUrl(sim)}/payouts`, { headers: openpayHeaders(), body: payout('adm-3') });
    expect(again.status).toBe(200);
    const entries = (await journal(sim)).filter((e) => e.reference === 'adm-3');
    expect(entries.map((e) => [e.provider_id, e.deleted ?? false])).toEqual([
      [created.body.id, true],
      [again.body.id, false],
    ]);
    expect((await mutate({ provider: 'openpay', provider_id: created.body.id, status: 'completed' })).status).toBe(404);
  });

  it('creates an Openpay payout the client did not make; its order_id is then taken', async () => {
    const created = await mutate({ provider: 'openpay', create: { amount_cents: 1234, destination: '032180000118359719', reference: 'adm-extra' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ provider: 'openpay', reference: 'adm-extra', amount_cents: 1234, source: 'admin', status: 'in_progress' });
    const listed = await call(`${openpayMerchantUrl(sim)}/payouts?amount=12.34`, { headers: openpayHeaders() });
    expect(listed.body.map((p: { id: string }) => p.id)).toEqual([created.body.provider_id]);
    const clash = await call(`${openpayMerchantUrl(sim)}/payouts`, { headers: openpayHeaders(), body: payout('adm-extra') });
    expect(clash.body).toMatchObject({ error_code: 1006 });
  });

  it('creates payouts for the other providers, visible through their APIs', async () => {
    const conekta = await mutate({ provider: 'conekta', create: { amount_cents: 500, destination: '012298026516924616', reference: 'ck-extra' } });
    const transfer = await call(`${sim.baseUrl('conekta')}/transfers/${conekta.body.provider_id}`, { headers: conektaHeaders() });
    expect(transfer.body).toMatchObject({ amount: 500, metadata: { order_id: 'ck-extra' }, destination: { last4: '4616' } });

    const femsa = await mutate({ provider: 'digitalfemsa', create: { amount_cents: 2000, destination: 'cliente@example.mx', reference: 'fm-extra' } });
    const order = await call(`${sim.baseUrl('digitalfemsa')}/payout_orders/${femsa.body.provider_id}`, { headers: femsaHeaders() });
    expect(order.body).toMatchObject({ amount: 2000, status: 'pending', customer_info: { email: 'cliente@example.mx' }, metadata: { order_id: 'fm-extra' } });

    const zenrise = await mutate({ provider: 'zenrise', create: { amount_cents: 150, destination: 'pepe.pepe.po', reference: 'zr-extra' } });
    const auth = { authorization: await zenriseLogin(sim) };
    const account = await call(`${sim.baseUrl('zenrise')}/v1/wallet/cbu-alias`, { headers: auth, body: { cbuAlias: 'pepe.pepe.po' } });
    // The client's request with the same externalReference gets the admin-made transfer back.
    const replay = await call(`${sim.baseUrl('zenrise')}/v1/transfer-requests/add`, { headers: auth, body: { amount: 1.5, bankAccountId: account.body.bankAccountId, externalReference: 'zr-extra' } });
    expect(replay.body.id).toBe(zenrise.body.provider_id);
  });

  it('refuses malformed mutations', async () => {
    expect((await mutate({ provider: 'paypal', provider_id: 'x' })).status).toBe(400);
    expect((await mutate({ provider: 'openpay', provider_id: 'nope' })).status).toBe(404);
    expect((await mutate({ provider: 'openpay', create: { amount_cents: 0, destination: '012298026516924616' } })).status).toBe(400);
    expect((await mutate({ provider: 'openpay', create: { amount_cents: 100, destination: '012298026516924617' } })).status).toBe(409);
    expect((await mutate({ provider: 'digitalfemsa', create: { amount_cents: 150, destination: 'a@b.mx' } })).status).toBe(409);
    expect((await call(`${sim.url}/__admin/nothing`)).status).toBe(404);
  });

  it('answers unknown prefixes with 404', async () => {
    expect((await call(`${sim.url}/stripe/v1/payouts`)).status).toBe(404);
  });
});
