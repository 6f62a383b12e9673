import Database from 'better-sqlite3';
import { copyFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { zeroIndexPages } from '../../src/ledger/test-support/damage-ledger.ts';
import { SIMULATOR_CREDENTIALS } from '../../src/simulator/credentials.ts';
import { runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from '../support/cli.ts';

/**
 * Conekta and Digital FEMSA take no idempotency key: the ledger was the only thing between a batch and its second
 * payment. A ledger deleted mid-run, copied without its -wal file, damaged (then replaced by a fresh one), or a
 * mistyped path opened with --new-ledger made every row look new, and the same file paid every row again. Now a row
 * the ledger has no history of is looked up at the provider by its request key (one listing per run) before its first
 * send: found → recorded with the provider's state, never sent again. Checked against the simulator's journal, over
 * real HTTP, with the CLI as an operator runs it on a sandbox that is the simulator.
 */
const ROWS = 24;

const PROVIDERS = [
  {
    provider: 'conekta',
    list: '/conekta/transfers',
    env: { CONEKTA_PRIVATE_KEY: SIMULATOR_CREDENTIALS.conekta.privateKey },
    header: 'reference,account_number,account_holder_name,amount,currency',
    line: (i: number) => `LL-CK-${i},012180001183597198,Persona ${i},${10 + i}.50,MXN`,
  },
  {
    provider: 'digitalfemsa',
    list: '/digitalfemsa/payout_orders',
    env: { DIGITALFEMSA_PRIVATE_KEY: SIMULATOR_CREDENTIALS.digitalfemsa.privateKey },
    header: 'order_id,nombre,email,monto,motivo',
    // digitalfemsa-cashout.txt: whole pesos only.
    line: (i: number) => `LL-DF-${i},Cliente ${i},cliente${i % 3}@example.com,${100 + i},Retiro`,
  },
] as const;
type Case = (typeof PROVIDERS)[number];

let sim: RecordingSimulator | undefined;
let proxy: Server | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  await new Promise((done) => (proxy ? proxy.close(done) : done(undefined)));
  proxy = undefined;
});

function setup(c: Case, baseUrl?: string) {
  const dir = tempDir();
  const config = join(dir, 'sandbox.json');
  writeFileSync(config, JSON.stringify({ providers: { [c.provider]: { baseUrl: { sandbox: baseUrl ?? `${sim!.url}/${c.provider}` } } } }));
  const file = join(dir, 'batch.csv');
  writeFileSync(file, [c.header, ...Array.from({ length: ROWS }, (_, i) => c.line(i))].join('\n'));
  let n = 0;
  const run = (ledger: string, extra: string[] = [], onSpawn?: () => void) =>
    runCli(['run', file, '--provider', c.provider, '--target', 'sandbox', '--config', config, '--ledger', ledger, '--out', join(dir, `out-${(n += 1)}`), '--format', 'csv', '--json', '--concurrency', '2', ...extra], {
      env: { PAYOUT_BATCH_LEDGER: '', XDG_CONFIG_HOME: join(dir, 'xdg'), ...c.env },
      ...(onSpawn ? { onSpawn } : {}),
    });
  return { dir, file, run, ledger: join(dir, 'ledger.sqlite') };
}

/** Calls `action` once the simulator has seen `count` payouts created (the run is still paying). */
const whenPaid = (count: number, action: () => void) => () => {
  const wait = () => (sim!.moneyMoving() >= count ? action() : setTimeout(wait, 5));
  wait();
};

/** The simulator's journal of the provider: every order id of the file paid exactly once. */
async function expectPaidOnce(c: Case): Promise<void> {
  const journal = (await sim!.journal()).filter((e) => e.provider === c.provider);
  expect(journal).toHaveLength(ROWS);
  expect(new Set(journal.map((e) => String(e.reference))).size).toBe(ROWS);
  expect(sim!.moneyMoving()).toBe(ROWS);
}

/** The run sent nothing and recorded every row with the provider's own state, found by its request key. */
function expectRecordedFromProvider(result: Awaited<ReturnType<ReturnType<typeof setup>['run']>>, ledger: string): void {
  expect(result.code).toBe(0);
  expect(result.summary?.warnings).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`${ROWS} row\\(s\\) .*already at the provider`))]));
  const db = new Database(ledger, { readonly: true });
  try {
    const rows = db.prepare('SELECT status, provider_payout_id AS payoutId, attempts FROM payout_rows').all() as Array<{ status: string; payoutId: string | null; attempts: number }>;
    expect(rows).toHaveLength(ROWS);
    for (const row of rows) {
      expect(['pending', 'paid']).toContain(row.status);
      expect(row.payoutId).toMatch(/\S/);
      expect(row.attempts).toBe(1);
    }
    const found = db.prepare("SELECT count(*) AS n FROM row_history WHERE cause = 'found_at_provider' AND from_status = 'queued'").get() as { n: number };
    expect(found.n).toBe(ROWS);
  } finally {
    db.close();
  }
}

/** GET requests to the provider's list endpoint since `from` (the guard lists once per run, not once per row). */
const listCalls = (c: Case, from: number) => sim!.requests.slice(from).filter((r) => r.method === 'GET' && r.path.split('?')[0] === c.list).length;

describe.each(PROVIDERS)('$provider: a lost or replaced ledger does not pay the batch again', (c) => {
  it('(a) ledger deleted mid-run, then the same file with a fresh ledger: nothing paid twice', async () => {
    sim = await startRecordingSimulator({ faults: 'latency=15..15' });
    const s = setup(c);
    const first = await s.run(s.ledger, ['--new-ledger'], whenPaid(5, () => rmSync(s.ledger)));
    expect(first.code).toBe(3);
    expect(first.stderr).toMatch(/MONEY NEEDS ATTENTION/);
    await expectPaidOnce(c);

    // The deleted path is refused for sandbox; the operator then starts a fresh ledger there.
    const refused = await s.run(s.ledger);
    expect(refused.summary).toMatchObject({ exit_code: 1, error: { code: 'LEDGER_MISSING' } });
    const mark = sim.requests.length;
    const fresh = await s.run(s.ledger, ['--new-ledger']);
    await expectPaidOnce(c);
    expectRecordedFromProvider(fresh, s.ledger);
    expect(listCalls(c, mark)).toBeLessThanOrEqual(2); // the guard's listing (+ the reconciliation report's)
  }, 60_000);

  it('(b) ledger copied without its -wal file, then run on the copy: nothing paid twice', async () => {
    sim = await startRecordingSimulator({ faults: 'latency=15..15' });
    const s = setup(c);
    const copy = join(s.dir, 'copied.sqlite');
    const first = await s.run(s.ledger, ['--new-ledger'], whenPaid(5, () => copyFileSync(s.ledger, copy)));
    expect(first.code).toBe(0);
    expect(existsSync(`${copy}-wal`)).toBe(false);
    await expectPaidOnce(c);

    // The copy lacks what was in the WAL (here: every row), yet opens as a ledger.
    const again = await s.run(copy);
    await expectPaidOnce(c);
    expectRecordedFromProvider(again, copy);
  }, 60_000);

  it('(c) ledger with emptied index pages is refused; a fresh ledger started instead pays nothing twice', async () => {
    sim = await startRecordingSimulator();
    const s = setup(c);
    expect((await s.run(s.ledger, ['--new-ledger'])).code).toBe(0);
    await expectPaidOnce(c);
    zeroIndexPages(s.ledger, 'payout_rows_key');

    const damaged = await s.run(s.ledger);
    expect(damaged.code).toBe(1);
    expect(damaged.summary).toMatchObject({ exit_code: 1, error: { code: 'LEDGER_ERROR' } });
    expect(damaged.stderr).toContain(s.ledger);
    await expectPaidOnce(c);

    const fresh = join(s.dir, 'fresh.sqlite');
    const restarted = await s.run(fresh, ['--new-ledger']);
    await expectPaidOnce(c);
    expectRecordedFromProvider(restarted, fresh);
  }, 60_000);

  it('(d) a mistyped ledger path is refused; with --new-ledger the guard still pays nothing twice', async () => {
    sim = await startRecordingSimulator();
    const s = setup(c);
    expect((await s.run(s.ledger, ['--new-ledger'])).code).toBe(0);
    await expectPaidOnce(c);

    const mistyped = join(s.dir, 'ledgr.sqlite');
    const refused = await s.run(mistyped);
    expect(refused.summary).toMatchObject({ exit_code: 1, error: { code: 'LEDGER_MISSING' } });
    expect(existsSync(mistyped)).toBe(false);

    const forced = await s.run(mistyped, ['--new-ledger']);
    await expectPaidOnce(c);
    expectRecordedFromProvider(forced, mistyped);
  }, 60_000);

  it('a payout found with another amount is a conflict for the operator (exit 3), not paid again', async () => {
    sim = await startRecordingSimulator();
    const s = setup(c);
    expect((await s.run(s.ledger, ['--new-ledger'])).code).toBe(0);
    // The provider now shows another amount for one of them (changed behind the tool's back).
    const changed = (await sim.journal()).find((e) => e.provider === c.provider)!;
    const mutate = await fetch(`${sim.url}/__admin/mutate`, { method: 'POST', body: JSON.stringify({ provider: c.provider, provider_id: changed.provider_id, amount_cents: changed.amount_cents + 100 }) });
    expect(mutate.status).toBe(200);

    const fresh = join(s.dir, 'fresh.sqlite');
    const again = await s.run(fresh, ['--new-ledger']);
    await expectPaidOnce(c);
    expect(again.code).toBe(3);
    expect(again.summary?.counts).toMatchObject({ conflict: 1 });
    const db = new Database(fresh, { readonly: true });
    try {
      expect(db.prepare("SELECT status, error_code AS code, provider_payout_id AS payoutId FROM payout_rows WHERE status = 'conflict'").all()).toEqual([
        { status: 'conflict', code: 'FOUND_AT_PROVIDER_DIFFERS', payoutId: changed.provider_id },
      ]);
    } finally {
      db.close();
    }
  }, 60_000);

  it('a guard listing that fails is never answered by a blind send: rows not sent, exit 3; the next run pays once', async () => {
    sim = await startRecordingSimulator();
    // Between the CLI and the simulator, the provider's list endpoint answers 503 every time; all else passes.
    proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => void answer());
      const answer = async () => {
        if (req.method === 'GET' && (req.url ?? '').split('?')[0] === c.list) {
          res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'error', type: 'api_error', details: [{ message: 'unavailable', code: 'conekta.errors.api.system.general_failure' }] }));
          return;
        }
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== 'host' && k !== 'content-length' && k !== 'connection')) as Record<string, string>;
        const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
        const forwarded = await fetch(`${sim!.url}${req.url}`, { method: req.method!, headers, ...(body ? { body } : {}) });
        res.writeHead(forwarded.status, { 'content-type': forwarded.headers.get('content-type') ?? 'application/json' }).end(Buffer.from(await forwarded.arrayBuffer()));
      };
    });
    await new Promise<void>((done) => proxy!.listen(0, '127.0.0.1', done));
    const through = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/${c.provider}`;

    const blocked = setup(c, through);
    const result = await blocked.run(blocked.ledger, ['--new-ledger', '--max-attempts', '2']);
    expect(result.code).toBe(3);
    expect(sim.moneyMoving()).toBe(0);
    expect(result.summary?.counts).toEqual({ not_sent: ROWS });
    expect(result.summary?.warnings).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^${c.provider}: its payouts could not be listed`))]));

    // The provider reachable again (same ledger, straight to the simulator): every row is paid, once.
    writeFileSync(join(blocked.dir, 'sandbox.json'), JSON.stringify({ providers: { [c.provider]: { baseUrl: { sandbox: `${sim.url}/${c.provider}` } } } }));
    const retried = await blocked.run(blocked.ledger);
    expect(retried.code).toBe(0);
    await expectPaidOnce(c);
  }, 60_000);
});
