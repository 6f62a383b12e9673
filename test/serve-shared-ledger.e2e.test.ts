import { afterEach, describe, expect, it } from 'vitest';
import { startRecordingSimulator, tempDir, type RecordingSimulator } from './support/cli.ts';
import { addUsers, payoutCsv, signIn, startTestServer, waitFor, type TestServer } from './support/serve.ts';

/**
 * Two servers on one ledger: a batch the other server is paying (it holds the batch lock) is shown as paying there and
 * waited for — never marked failed — and taken over once that server stops. Servers on one ledger share its data
 * folder (--data: the uploaded files are read from there when a batch is paid).
 */
let sim: RecordingSimulator | undefined;
const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0).reverse()) await s.stop().catch(() => undefined);
  await sim?.close();
  sim = undefined;
});

async function paidOnce(prefix: string, rows: number): Promise<void> {
  const journal = (await sim!.journal()).filter((e) => String(e.reference).startsWith(`${prefix}-0`));
  const byRef = new Map<string, Set<string>>();
  for (const e of journal) byRef.set(String(e.reference), (byRef.get(String(e.reference)) ?? new Set()).add(e.provider_id));
  expect(byRef.size).toBe(rows);
  expect([...byRef].filter(([, ids]) => ids.size !== 1)).toEqual([]);
}

describe('a batch paid by another server on the same ledger', () => {
  it('is shown "paying on another server" and waited for, not failed; the first server finishes it, each row paid once', async () => {
    sim = await startRecordingSimulator({ settleMs: 0, faults: 'latency=80..120' });
    const dir = tempDir('serve-shared-');
    const a = await startTestServer({ simulatorUrl: sim.url, dir });
    servers.push(a);
    await addUsers(a.ledgerPath, { olga: 'operator', ana: 'approver' });
    const olga = await signIn(a.url, 'olga');
    const ana = await signIn(a.url, 'ana');
    const rows = 300;
    const up = await olga.upload(payoutCsv('SHARED', rows));
    const id = up.body.id as string;
    await olga.call('POST', `/api/batches/${id}/submit`);
    await ana.call('POST', `/api/batches/${id}/approve`, { plan_hash: up.body.plan_hash });
    await waitFor(() => ana.call('GET', `/api/batches/${id}`), (r) => r.body.status === 'paying' && r.body.progress?.done >= 2);

    // The second server starts on the same ledger and finds the batch paying: it tries, finds the lock held, waits.
    const b = await startTestServer({ simulatorUrl: sim.url, dir, ledger: a.ledgerPath, lockRetryMs: 100 });
    servers.push(b);
    const anaOnB = await signIn(b.url, 'ana');
    const seen = await waitFor(() => anaOnB.call('GET', `/api/batches/${id}`), (r) => r.body.paying_elsewhere !== undefined || r.body.status !== 'paying');
    expect(seen.body.status, JSON.stringify(seen.body.reason)).toBe("paying");
    expect(seen.body.paying_elsewhere).toMatchObject({ pid: process.pid, host: expect.any(String), since: expect.any(String) });
    const html = await (await fetch(`${b.url}/batches/${id}`, { headers: { authorization: `Bearer ${anaOnB.token}` } })).text();
    expect(html).toContain('Paying on another server');
    // Pausing is for the server that pays it.
    expect((await anaOnB.call('POST', `/api/batches/${id}/pause`)).body.error?.code).toBe('NOT_PAYING_HERE');

    const end = await waitFor(() => anaOnB.call('GET', `/api/batches/${id}`), (r) => r.body.status !== 'paying', 60_000);
    expect(end.body.status).toBe('finished');
    expect(end.body.paying_elsewhere).toBeUndefined();
    expect(end.body.progress).toMatchObject({ total: rows, done: rows, failed: 0 });
    await paidOnce('SHARED', rows);
  }, 90_000);

  it('is taken over once the server paying it stops: the rest is paid by the other, nothing twice', async () => {
    sim = await startRecordingSimulator({ settleMs: 0, faults: 'latency=80..120' });
    const dir = tempDir('serve-takeover-');
    const a = await startTestServer({ simulatorUrl: sim.url, dir });
    await addUsers(a.ledgerPath, { olga: 'operator', ana: 'approver' });
    const b = await startTestServer({ simulatorUrl: sim.url, dir, ledger: a.ledgerPath, lockRetryMs: 100 });
    servers.push(b);
    const olga = await signIn(a.url, 'olga');
    const ana = await signIn(a.url, 'ana');
    const rows = 300;
    const up = await olga.upload(payoutCsv('TAKEOVER', rows));
    const id = up.body.id as string;
    await olga.call('POST', `/api/batches/${id}/submit`);
    await ana.call('POST', `/api/batches/${id}/approve`, { plan_hash: up.body.plan_hash });
    await waitFor(() => ana.call('GET', `/api/batches/${id}`), (r) => r.body.status === 'paying' && r.body.progress?.done >= 5);
    // B learns of the batch (as a restart would) and waits for its lock.
    await b.runner.resumeAll();
    const anaOnB = await signIn(b.url, 'ana');
    await waitFor(() => anaOnB.call('GET', `/api/batches/${id}`), (r) => r.body.paying_elsewhere !== undefined);
    await a.stop();
    expect(sim.moneyMoving()).toBeLessThan(rows);

    const end = await waitFor(() => anaOnB.call('GET', `/api/batches/${id}`), (r) => r.body.status !== 'paying', 60_000);
    expect(end.body.status).toBe('finished');
    expect(end.body.progress).toMatchObject({ total: rows, done: rows, failed: 0, unknown: 0 });
    await paidOnce('TAKEOVER', rows);
    // B paid the rest, so B has the files.
    expect((await anaOnB.call('GET', `/api/batches/${id}/files/results.csv`)).status).toBe(200);
  }, 90_000);
});
