import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SIMULATOR_CREDENTIALS } from './credentials.ts';
import { advance, call, conektaHeaders, journal, openpayHeaders, openpayMerchantUrl, stats, zenriseLogin } from './sim-test-client.ts';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from './start-simulator.ts';

const payout = (orderId: string, amount = '100.00') =>
  `{"method":"bank_account","bank_account":{"clabe":"012298026516924616","holder_name":"Mi empresa"},"amount":${amount},"description":"Retiro","order_id":"${orderId}"}`;

describe('fault injection', () => {
  let sim: RunningSimulator | undefined;
  const start = async (options: SimulatorOptions) => (sim = await startSimulator(options));
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('drop_after_commit: the payout is performed and journaled, the client sees the connection die', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-drop-'));
    const s = await start({ seed: 1, faults: 'drop_after_commit=1', journalPath: join(dir, 'journal.jsonl') });
    const url = `${openpayMerchantUrl(s)}/payouts`;
    await expect(call(url, { headers: openpayHeaders(), body: payout('drop-1') })).rejects.toThrow();
    expect(await journal(s)).toEqual([expect.objectContaining({ provider: 'openpay', reference: 'drop-1', amount_cents: 10000, status: 'in_progress' })]);
    const lines = readFileSync(join(dir, 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([expect.objectContaining({ event: 'created', reference: 'drop-1' })]);
    // The resend with the same order_id is answered (an error is not dropped): 1006 tells the client it exists.
    const resend = await call(url, { headers: openpayHeaders(), body: payout('drop-1') });
    expect(resend.body).toMatchObject({ error_code: 1006, http_code: 409 });
    expect((await stats(s)).faults.drop_after_commit).toBe(1);
  });

  it('drop_after_commit on Conekta, which has no idempotency key: a naive retry pays twice', async () => {
    const s = await start({ seed: 1, faults: 'drop_after_commit=1' });
    const base = s.baseUrl('conekta');
    const payee = await call(`${base}/payees`, { headers: conektaHeaders(), body: { name: 'A', destinations: [{ type: 'bank_account', account_number: '012298026516924616', account_holder_name: 'A' }] } });
    const body = { payee_id: payee.body.id, amount: 5000, currency: 'MXN' };
    await expect(call(`${base}/transfers`, { headers: conektaHeaders(), body })).rejects.toThrow();
    await expect(call(`${base}/transfers`, { headers: conektaHeaders(), body })).rejects.toThrow();
    expect((await journal(s)).map((e) => e.amount_cents)).toEqual([5000, 5000]);
  });

  it('timeout: the request is held unanswered and nothing is performed; close() ends it', async () => {
    const s = await start({ seed: 1, faults: 'timeout=1' });
    let settled = false;
    const pending = call(`${openpayMerchantUrl(s)}/payouts`, { headers: openpayHeaders(), body: payout('held-1') }).finally(() => {
      settled = true;
    });
    pending.catch(() => {});
    await vi.waitFor(async () => expect((await stats(s)).faults.timeout).toBe(1));
    // Other requests are still served while one is held.
    expect((await call(openpayMerchantUrl(s), { headers: openpayHeaders() })).status).toBe(200);
    expect(settled).toBe(false);
    expect(await journal(s)).toEqual([]);
    await s.close();
    await expect(pending).rejects.toThrow();
  });

  it('timeout and drop apply only to money-moving requests', async () => {
    const s = await start({ seed: 1, faults: 'timeout=1,drop_after_commit=1' });
    const customer = await call(`${openpayMerchantUrl(s)}/customers`, { headers: openpayHeaders(), body: { name: 'n', email: 'n@x.mx' } });
    expect(customer.status).toBe(200);
    expect((await call(`${openpayMerchantUrl(s)}/payouts`, { headers: openpayHeaders() })).status).toBe(200);
  });

  it('http429: answers 429 with Retry-After in the provider format, before doing anything', async () => {
    const s = await start({ seed: 1, faults: 'http429=1' });
    const openpay = await call(`${openpayMerchantUrl(s)}/payouts`, { headers: openpayHeaders(), body: payout('r-1') });
    expect(openpay.status).toBe(429);
    expect(openpay.headers['retry-after']).toBe('1');
    expect(openpay.body).toMatchObject({ http_code: 429, category: 'request' });
    const zenrise = await call(`${s.baseUrl('zenrise')}/v1/users/api-login`, { body: SIMULATOR_CREDENTIALS.zenrise });
    expect(zenrise.status).toBe(429);
    expect(zenrise.body).toMatchObject({ statusCode: 429 });
    expect(await journal(s)).toEqual([]);
    const counts = await stats(s);
    expect(counts.faults.http429).toBe(2);
    expect(counts.providers.openpay.responses_429).toBe(1);
  });

  it.each([
    ['http500', 500],
    ['http503', 503],
  ])('%s: answers %i in the provider format and performs nothing', async (kind, status) => {
    const s = await start({ seed: 1, faults: `${kind}=1`, balanceMinor: 100_000 });
    const openpay = await call(`${openpayMerchantUrl(s)}/payouts`, { headers: openpayHeaders(), body: payout('e-1') });
    expect(openpay.status).toBe(status);
    expect(openpay.body).toMatchObject({ http_code: status, category: 'internal', error_code: status === 500 ? 1000 : 1004 });
    const conekta = await call(`${s.baseUrl('conekta')}/transfers`, { headers: conektaHeaders(), body: {} });
    expect(conekta.status).toBe(status);
    expect(conekta.body).toMatchObject({ object: 'error', type: 'api_error' });
    expect(await journal(s)).toEqual([]);
    expect((await stats(s)).balances_cents).toEqual({});
  });

  it('rate: answers 429 with Retry-After above N requests per second per provider', async () => {
    const s = await start({ seed: 1, rate: 5 });
    const url = `${openpayMerchantUrl(s)}/payouts`;
    const started = Date.now();
    const replies = await Promise.all(Array.from({ length: 20 }, () => call(url, { headers: openpayHeaders() })));
    const elapsed = Date.now() - started;
    // In any span of T ms a sliding 1-s window admits at most rate × (⌊T/1000⌋ + 1) requests.
    const bound = 5 * (Math.floor(elapsed / 1000) + 1);
    const ok = replies.filter((r) => r.status === 200);
    const limited = replies.filter((r) => r.status === 429);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(ok.length).toBeLessThanOrEqual(bound);
    expect(ok.length + limited.length).toBe(20);
    for (const r of limited) {
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(r.body).toMatchObject({ http_code: 429 });
    }
    // The limit is per provider: another provider is not affected.
    expect((await call(`${s.baseUrl('conekta')}/transfers`, { headers: conektaHeaders() })).status).toBe(200);
    const counts = await stats(s);
    expect(counts.providers.openpay.rate_limited).toBe(limited.length);
    expect(counts.providers.openpay.requests).toBe(20);
    expect(counts.providers.openpay.peak_requests_per_second).toBeGreaterThanOrEqual(Math.ceil(20 / (Math.floor(elapsed / 1000) + 1)));
    expect(counts.providers.conekta.rate_limited).toBe(0);
  });

  it('settle_fail: the payout ends failed and its money returns to the balance', async () => {
    const s = await start({ seed: 1, faults: 'settle_fail=1', balanceMinor: 50_000, settleMs: 60_000 });
    const merchant = openpayMerchantUrl(s);
    const created = await call(`${merchant}/payouts`, { headers: openpayHeaders(), body: payout('fail-1') });
    expect(created.body.status).toBe('in_progress');
    expect((await call(merchant, { headers: openpayHeaders() })).text).toContain('"balance":400.00');
    await advance(s, 60_000);
    const after = await call(`${merchant}/payouts/${created.body.id}`, { headers: openpayHeaders() });
    expect(after.body).toMatchObject({ status: 'failed', error_message: expect.any(String), authorization: null });
    expect((await call(merchant, { headers: openpayHeaders() })).text).toContain('"balance":500.00');
    expect((await journal(s))[0]).toMatchObject({ reference: 'fail-1', status: 'failed' });
    expect((await stats(s)).faults.settle_fail).toBe(1);
  });

  it('latency: delays requests without changing their answers', async () => {
    const s = await start({ seed: 1, faults: 'latency=1..3' });
    const replies = await Promise.all([1, 2, 3].map((i) => call(`${openpayMerchantUrl(s)}/payouts`, { headers: openpayHeaders(), body: payout(`lat-${i}`) })));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200]);
    expect((await stats(s)).faults.latency).toBe(3);
  });

  it('is deterministic for a seed: the same requests meet the same faults', async () => {
    const run = async (seed: number) => {
      const s = await startSimulator({ seed, faults: 'http500=0.3,http503=0.2,http429=0.2' });
      try {
        const token = await zenriseLogin(s).catch(() => 'none');
        const statuses: number[] = [token === 'none' ? 0 : 1];
        for (let i = 0; i < 30; i++) statuses.push((await call(`${openpayMerchantUrl(s)}/payouts`, { headers: openpayHeaders(), body: payout(`d-${i}`) })).status);
        return statuses;
      } finally {
        await s.close();
      }
    };
    const first = await run(12345);
    expect(await run(12345)).toEqual(first);
    expect(new Set(first.slice(1))).toEqual(new Set([200, 500, 503, 429]));
  });
});
