import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { openLedger } from '../src/ledger/open-ledger.ts';
import { BIN, ROOT, runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from './support/cli.ts';
import { addUsers, PASSWORD, payoutCsv, signIn, waitFor } from './support/serve.ts';

const children: ChildProcess[] = [];
let sim: RecordingSimulator | undefined;
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  await sim?.close();
  sim = undefined;
});

/** `payout-batch serve` as a user starts it; resolves with its URL (the first line on stdout). */
function serve(args: string[]): Promise<{ url: string; child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((done, fail) => {
    child.stdout!.on('data', (c: Buffer) => {
      stdout += c.toString();
      const line = stdout.split('\n')[0]!;
      if (stdout.includes('\n')) done({ url: line.trim(), child, stderr: () => stderr });
    });
    child.once('exit', (code) => fail(new Error(`serve exited ${code}: ${stderr}`)));
  });
}

describe('payout-batch serve (the process)', () => {
  it('refuses a host other than loopback without TLS or --insecure-http', async () => {
    const result = await runCli(['serve', '--host', '0.0.0.0', '--port', '0', '--ledger', join(tempDir(), 'l.sqlite')]);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('--insecure-http');
  });

  it('serves https with --tls-cert/--tls-key on any host, and its session cookie is Secure', async () => {
    const dir = tempDir('serve-tls-');
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    expect(made.status).toBe(0);
    const ledgerPath = join(dir, 'ledger.sqlite');
    await (await openLedger(ledgerPath)).close();
    await addUsers(ledgerPath, { olga: 'operator' });
    sim = await startRecordingSimulator();
    const server = await serve(['--host', '0.0.0.0', '--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem'), '--ledger', ledgerPath, '--simulator-url', sim.url]);
    expect(server.url).toMatch(/^https:\/\//);
    const port = new URL(server.url).port;
    const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
    const res = await undiciFetch(`https://127.0.0.1:${port}/api/session`, { dispatcher, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'olga', password: PASSWORD }) });
    expect(res.status).toBe(201);
    expect(res.headers.get('set-cookie')).toMatch(/; Secure/i);
    await dispatcher.close();
  });

  it('killed while paying, started again on the same ledger: the batch resumes and no row is paid twice', async () => {
    sim = await startRecordingSimulator({ settleMs: 0, faults: 'latency=80..120' });
    const dir = tempDir('serve-restart-');
    const ledgerPath = join(dir, 'ledger.sqlite');
    await (await openLedger(ledgerPath)).close();
    await addUsers(ledgerPath, { olga: 'operator', ana: 'approver' });
    const args = ['--ledger', ledgerPath, '--simulator-url', sim.url, '--data', join(dir, 'data')];

    const first = await serve(args);
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const olga = await signIn(first.url, 'olga');
    const ana = await signIn(first.url, 'ana');
    const rows = 300;
    const up = await olga.upload(payoutCsv('RESTART', rows));
    expect(up.status).toBe(201);
    await olga.call('POST', `/api/batches/${up.body.id}/submit`);
    await ana.call('POST', `/api/batches/${up.body.id}/approve`, { plan_hash: up.body.plan_hash });
    await waitFor(() => ana.call('GET', `/api/batches/${up.body.id}`), (r) => r.body.status === 'paying' && r.body.progress?.done >= 20);
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    const sentAtKill = sim.moneyMoving();
    expect(sentAtKill).toBeLessThan(rows);

    const second = await serve(args);
    const again = await signIn(second.url, 'ana');
    const end = await waitFor(() => again.call('GET', `/api/batches/${up.body.id}`), (r) => r.body.status === 'finished', 60_000);
    expect(end.body.progress).toMatchObject({ total: rows, done: rows, failed: 0, unknown: 0 });

    // The simulator's journal: every order_id paid exactly once, by one payout.
    const journal = await sim.journal();
    const payoutsByRef = new Map<string, Set<string>>();
    for (const e of journal) {
      const ref = String(e.reference);
      if (!payoutsByRef.has(ref)) payoutsByRef.set(ref, new Set());
      payoutsByRef.get(ref)!.add(e.provider_id);
    }
    const restartRefs = [...payoutsByRef].filter(([ref]) => ref.includes('RESTART-'));
    expect(restartRefs.length).toBe(rows);
    expect(restartRefs.filter(([, ids]) => ids.size !== 1)).toEqual([]);
    second.child.kill('SIGTERM');
    expect(await new Promise((r) => second.child.once('exit', r))).toBe(0);
  }, 120_000);
});
