import Database from 'better-sqlite3';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { openLedger } from '../src/ledger/open-ledger.ts';
import { batchIdFor } from '../src/ledger/batch-identity.ts';
import { hashFile } from '../src/read/hash-file.ts';
import { generateBatch } from '../bench/generate-batch.ts';
import { SIMULATOR_CREDENTIALS } from '../src/simulator/index.ts';
import { ROOT, runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from './support/cli.ts';
import { providerAccount } from '../src/providers/provider-account.ts';
import type { LedgerScope } from '../src/ledger/ledger-store.ts';

/** The scope of an Openpay batch run against the simulator. */
const SIMULATOR_OPENPAY: LedgerScope = { environment: 'simulator', account: providerAccount('openpay', SIMULATOR_CREDENTIALS)! };

/** End to end: the real CLI, a real SQLite ledger file, real HTTP to the simulator. */
let sim: RecordingSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const results = (dir: string) => parse(readFileSync(join(dir, 'results.csv'), 'utf8'), { columns: true, bom: true }) as Array<Record<string, string> & { status: string }>;

function run(file: string, provider: string, dir: string, extra: string[] = []) {
  return runCli(['run', file, '--provider', provider, '--simulator-url', sim!.url, '--ledger', join(dir, 'ledger.sqlite'), '--out', join(dir, `out-${Math.random().toString(36).slice(2, 8)}`), '--format', 'csv', '--json', ...extra]);
}

describe('payout-batch run', () => {
  it.each<[string, string, number]>([
    ['openpay', 'samples/openpay-payouts.csv', 4],
    ['conekta', 'samples/conekta-payouts.xlsx', 3],
    ['digitalfemsa', 'samples/digitalfemsa-payouts.csv', 3],
    ['zenrise', 'samples/zenrise-payouts.csv', 4],
  ])('pays every valid row of the %s sample exactly once and reports the bad ones', async (provider, file, payable) => {
    sim = await startRecordingSimulator();
    const dir = tempDir();
    const result = await run(join(ROOT, file), provider, dir);
    expect(result.code).toBe(2); // the samples carry deliberately bad rows
    expect(result.summary?.ledger_path).toBe(join(dir, 'ledger.sqlite'));
    const rows = results(result.summary!.out_dir);
    const paid = rows.filter((r) => r.status === 'pending' || r.status === 'paid');
    expect(paid).toHaveLength(payable);
    for (const r of paid) expect(r.provider_id).not.toBe('');
    const journal = await sim.journal();
    expect(journal.filter((e) => e.provider === provider)).toHaveLength(payable);
    // Every bad row is visible with a code; none of them reached the provider.
    for (const r of rows.filter((x) => !['pending', 'paid'].includes(x.status))) expect(r.error_code).not.toBe('');
  });

  it('re-running a finished batch makes zero money-moving requests', async () => {
    sim = await startRecordingSimulator();
    const dir = tempDir();
    const file = join(ROOT, 'samples/openpay-payouts.csv');
    await run(file, 'openpay', dir);
    const before = sim.moneyMoving();
    expect(before).toBe(4);
    const again = await run(file, 'openpay', dir);
    expect(again.code).toBe(2);
    expect(sim.moneyMoving()).toBe(before);
    expect(await sim.journal()).toHaveLength(4);
    expect(results(again.summary!.out_dir).filter((r) => r.status === 'pending')).toHaveLength(4);
  });

  it('never pays an order_id already paid in an earlier batch, and names that batch', async () => {
    sim = await startRecordingSimulator();
    const dir = tempDir();
    await run(join(ROOT, 'samples/openpay-payouts.csv'), 'openpay', dir);
    // Another file (another batch) repeating two paid order_ids: one identical, one with a different amount.
    const second = join(dir, 'second.csv');
    writeFileSync(second, [
      'order_id,clabe,beneficiario,monto',
      'OP-2026-0001,012180001183597198,José Peña Núñez,"1,250.00"',
      'OP-2026-0003,646180109400135624,Distribuidora del Bajío SA de CV,"19,000.00"',
      'OP-2026-0100,646180109400135624,Distribuidora del Bajío SA de CV,100.00',
    ].join('\n'));
    const result = await run(second, 'openpay', dir);
    const rows = results(result.summary!.out_dir);
    const firstBatch = batchIdFor(await hashFile(join(ROOT, 'samples/openpay-payouts.csv')), 'openpay', SIMULATOR_OPENPAY);
    expect(rows.map((r) => r.status)).toEqual(['duplicate', 'conflict', 'pending']);
    expect(rows[0]!.error_message).toContain(firstBatch);
    expect(await sim.journal()).toHaveLength(5);
  });

  it('settles a payout whose answer was lost (drop_after_commit) without paying it twice', async () => {
    sim = await startRecordingSimulator({ faults: 'drop_after_commit=1' });
    const dir = tempDir();
    const result = await run(join(ROOT, 'samples/openpay-payouts.csv'), 'openpay', dir);
    expect(result.code).toBe(2);
    const journal = await sim.journal();
    expect(journal).toHaveLength(4);
    expect(new Set(journal.map((e) => e.reference)).size).toBe(4);
    const rows = results(result.summary!.out_dir).filter((r) => r.status === 'pending');
    expect(rows).toHaveLength(4);
    expect(rows.map((r) => r.provider_id).sort()).toEqual(journal.map((e) => e.provider_id).sort());
  });

  it('records the documented Zenrise account errors as failed rows with the provider message', async () => {
    sim = await startRecordingSimulator();
    const dir = tempDir();
    const file = join(dir, 'zenrise-dev.csv');
    writeFileSync(file, [
      'externalReference;cbu;titular;importe',
      'ZD-1;0990100808100040477100;Cuenta DEV;100,00',
      'ZD-2;0980610330061000073700;Cuenta USD;100,00',
      'ZD-3;0000222000000000000000;Inexistente;100,00',
      'ZD-4;0000999000000000000010;Inactiva;100,00',
      'ZD-5;silla.factura.pm;Alias USD;100,00',
    ].join('\r\n'));
    const result = await run(file, 'zenrise', dir);
    const rows = results(result.summary!.out_dir);
    expect(rows.map((r) => r.status)).toEqual(['pending', 'failed', 'failed', 'failed', 'failed']);
    expect(rows[0]!.warning).toContain('TEST_ACCOUNT');
    expect(rows[2]!.error_message).toMatch(/not correct/i);
    expect(rows[3]!.error_message).toMatch(/not active/i);
    expect(await sim.journal()).toHaveLength(1);
  });

  it('refuses a batch that does not fit the Openpay balance and sends nothing', async () => {
    sim = await startRecordingSimulator({ balanceMinor: 100_000 });
    const dir = tempDir();
    const result = await run(join(ROOT, 'samples/openpay-payouts.csv'), 'openpay', dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/does not fit the balance/);
    // One clear line, no stack (after the line naming the ledger this run created).
    expect(result.stderr.trim().split('\n')).toEqual([`new ledger: ${join(dir, 'ledger.sqlite')}`, expect.stringMatching(/does not fit the balance/)]);
    expect(sim.moneyMoving()).toBe(0);
  });

  it('stops a provider that answers insufficient funds; the rest stays not_sent for a later run', async () => {
    sim = await startRecordingSimulator({ balanceMinor: 50_000 });
    const dir = tempDir();
    const result = await run(join(ROOT, 'samples/digitalfemsa-payouts.csv'), 'digitalfemsa', dir, ['--concurrency', '1']);
    expect(result.code).toBe(3); // rows not sent: money needs attention
    const rows = results(result.summary!.out_dir);
    expect(rows.filter((r) => r.status === 'not_sent').length).toBeGreaterThan(0);
    // results.csv's messages are in the run's --lang (Spanish by default).
    expect(rows.find((r) => r.status === 'not_sent')!.note).toMatch(/fondos insuficientes/);
    const paidBefore = (await sim.journal()).length;
    expect(paidBefore).toBeLessThan(3);
  });

  it('--dry-run plans and sends nothing, and creates no ledger', async () => {
    sim = await startRecordingSimulator();
    const dir = tempDir();
    const result = await run(join(ROOT, 'samples/openpay-payouts.csv'), 'openpay', dir, ['--dry-run']);
    expect(result.code).toBe(2);
    expect(result.summary!.plan).toEqual([expect.objectContaining({ provider: 'openpay', currency: 'MXN', count: 4, amount: '24150.49' })]);
    expect(sim.moneyMoving()).toBe(0);
    expect(existsSync(join(dir, 'ledger.sqlite'))).toBe(false);
  });

  it('--dry-run reads an existing ledger and writes nothing to it', async () => {
    sim = await startRecordingSimulator();
    const dir = tempDir();
    await (await openLedger(join(dir, 'ledger.sqlite'))).close();
    const result = await run(join(ROOT, 'samples/openpay-payouts.csv'), 'openpay', dir, ['--dry-run']);
    expect(result.code).toBe(2);
    expect(sim.moneyMoving()).toBe(0);
    const db = new Database(join(dir, 'ledger.sqlite'), { readonly: true });
    expect((db.prepare('SELECT count(*) AS n FROM payout_rows').get() as { n: number }).n).toBe(0);
    expect((db.prepare('SELECT count(*) AS n FROM batches').get() as { n: number }).n).toBe(0);
    db.close();
  });

  it('--on-invalid abort sends nothing when any row is invalid', async () => {
    sim = await startRecordingSimulator();
    const dir = tempDir();
    const result = await run(join(ROOT, 'samples/openpay-payouts.csv'), 'openpay', dir, ['--on-invalid', 'abort']);
    expect(result.code).toBe(2);
    expect(sim.moneyMoving()).toBe(0);
    expect(results(result.summary!.out_dir).filter((r) => r.status === 'not_sent')).toHaveLength(4);
  });

  it('refuses a second run of a batch that another live process holds', async () => {
    sim = await startRecordingSimulator();
    const dir = tempDir();
    const file = join(ROOT, 'samples/openpay-payouts.csv');
    const ledger = await openLedger(join(dir, 'ledger.sqlite'));
    await ledger.openBatch({ fileHash: await hashFile(file), provider: 'openpay', ...SIMULATOR_OPENPAY, fileName: 'openpay-payouts.csv', rowCount: 10 });
    const lock = await ledger.acquireBatchLock(batchIdFor(await hashFile(file), 'openpay', SIMULATOR_OPENPAY));
    try {
      const result = await run(file, 'openpay', dir);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/BATCH|another run|locked|held/i);
      expect(sim.moneyMoving()).toBe(0);
    } finally {
      await lock.release();
      await ledger.close();
    }
  });

  it('refuses a live run without --yes when there is no terminal to confirm on', async () => {
    const dir = tempDir();
    const result = await runCli(['run', join(ROOT, 'samples/openpay-payouts.csv'), '--provider', 'openpay', '--target', 'live', '--ledger', join(dir, 'l.sqlite')], {
      env: { OPENPAY_MERCHANT_ID: 'm', OPENPAY_PRIVATE_KEY: 'sk_x' },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--yes/);
  });

  it('names the missing credential variable for a sandbox run', async () => {
    const dir = tempDir();
    const result = await runCli(['run', join(ROOT, 'samples/zenrise-payouts.csv'), '--provider', 'zenrise', '--target', 'sandbox', '--ledger', join(dir, 'l.sqlite')], {
      env: { ZENRISE_CLIENT_ID: '', ZENRISE_SECRET_ID: '' },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/ZENRISE_CLIENT_ID/);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('stops on SIGINT with exit 130, records what was in flight, and a re-run finishes exactly once', async () => {
    sim = await startRecordingSimulator({ faults: 'latency=30..30' });
    const dir = tempDir();
    const file = join(dir, 'many.csv');
    const lines = ['order_id,clabe,nombre,monto'];
    for (let i = 0; i < 300; i++) lines.push(`SIG-${i},646180109400135624,Persona ${i},${10 + i}.00`);
    writeFileSync(file, lines.join('\n'));
    const first = await runCli(
      ['run', file, '--provider', 'openpay', '--simulator-url', sim.url, '--ledger', join(dir, 'ledger.sqlite'), '--out', join(dir, 'o1'), '--format', 'csv', '--json', '--concurrency', '4'],
      {
        onSpawn: (kill) => {
          const wait = () => (sim!.moneyMoving() >= 20 ? kill('SIGINT') : setTimeout(wait, 20));
          wait();
        },
      },
    );
    expect(first.code).toBe(130);
    const afterFirst = results(join(dir, 'o1'));
    expect(afterFirst.filter((r) => r.status === 'not_sent').length).toBeGreaterThan(0);
    expect(afterFirst.every((r) => ['pending', 'not_sent', 'unknown'].includes(r.status))).toBe(true);

    const second = await runCli(['run', file, '--provider', 'openpay', '--simulator-url', sim.url, '--ledger', join(dir, 'ledger.sqlite'), '--out', join(dir, 'o2'), '--format', 'csv', '--json']);
    expect(second.code).toBe(0);
    expect(results(join(dir, 'o2')).every((r) => r.status === 'pending')).toBe(true);
    const journal = await sim.journal();
    expect(journal).toHaveLength(300);
    expect(new Set(journal.map((e) => e.reference)).size).toBe(300);
  }, 60_000);

  it('pays every row of all four providers exactly once through 5xx, 429s, timeouts and lost answers', async () => {
    sim = await startRecordingSimulator({ seed: 11, faults: 'http500=0.1,http503=0.1,http429=0.1,timeout=0.05,drop_after_commit=0.15' });
    const dir = tempDir();
    const file = join(dir, 'mixed.csv');
    await generateBatch({ path: file, rows: 200, provider: 'mixed', seed: 5, destinations: 40, prefix: 'FLT' });
    const config = join(dir, 'config.json');
    // 2 s per request: the simulator's held (timeout) requests end at it, while an answer that is only slow (a
    // 2-core machine running other test files) still arrives; with 500 ms, slow answers became timeouts, lookups
    // of them timed out too, and four runs did not always settle every row.
    writeFileSync(config, JSON.stringify({ providers: Object.fromEntries(['openpay', 'conekta', 'digitalfemsa', 'zenrise'].map((p) => [p, { timeoutMs: 2000 }])) }));
    const runs = [await run(file, 'openpay', dir, ['--config', config, '--max-attempts', '8'])];
    // Rows the lookups could not settle in one run are settled by a later one; nothing is ever sent twice.
    while (runs.at(-1)!.code !== 0 && runs.length < 6) runs.push(await run(file, 'openpay', dir, ['--config', config, '--max-attempts', '8']));
    const last = runs.at(-1)!;
    // A run that leaves rows unknown ends with 3 (money needs attention), never 0.
    expect(runs.map((r) => r.code).slice(0, -1).every((code) => code === 3)).toBe(true);
    expect(last.code).toBe(0);
    const rows = results(last.summary!.out_dir);
    expect(rows).toHaveLength(200);
    expect(rows.every((r) => r.status === 'pending' || r.status === 'paid')).toBe(true);
    const journal = await sim.journal();
    expect(journal).toHaveLength(200);
    expect(new Set(journal.map((e) => `${e.provider}:${e.provider_id}`))).toEqual(new Set(rows.map((r) => `${r.provider}:${r.provider_id}`)));
  }, 240_000);

  describe('keys stay home: sandbox/live base URLs and the hosts shown', () => {
    /** A config pointing the live Openpay base URL at `url`, and the simulator's keys as the live keys. */
    function liveSetup(url: string) {
      const dir = tempDir();
      const config = join(dir, 'config.json');
      writeFileSync(config, JSON.stringify({ providers: { openpay: { baseUrl: { live: url } } } }));
      const env = { OPENPAY_MERCHANT_ID: SIMULATOR_CREDENTIALS.openpay.merchantId, OPENPAY_PRIVATE_KEY: SIMULATOR_CREDENTIALS.openpay.privateKey, XDG_CONFIG_HOME: join(dir, 'xdg') };
      return { dir, config, env };
    }

    it('a live run over http to a loopback host pays there, and the plan and run.log show that host and the config file', async () => {
      sim = await startRecordingSimulator();
      const { dir, config, env } = liveSetup(`${sim.url}/openpay`);
      const out = join(dir, 'out');
      const result = await runCli(['run', join(ROOT, 'samples/openpay-payouts.csv'), '--provider', 'openpay', '--target', 'live', '--yes', '--config', config, '--ledger', join(dir, 'l.sqlite'), '--new-ledger', '--out', out, '--format', 'csv'], { env });
      expect(result.code, result.stderr).toBe(2); // the sample's bad rows
      expect(sim.moneyMoving()).toBe(4);
      const origin = new URL(sim.url).origin;
      const hostLines = result.stderr.split('\n').filter((l) => l.includes(origin));
      expect(hostLines).toHaveLength(1);
      expect(hostLines[0]).toContain('openpay');
      expect(result.stderr).toContain(config);
      const start = readFileSync(join(out, 'run.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).find((r) => r.event === 'start');
      expect(start).toMatchObject({ target: 'live', config, hosts: { openpay: origin } });
    });

    it("shows a live provider's own host when the config sets none (a dry run: Digital FEMSA reads no balance)", async () => {
      const dir = tempDir();
      const result = await runCli(['run', join(ROOT, 'samples/digitalfemsa-payouts.csv'), '--provider', 'digitalfemsa', '--target', 'live', '--yes', '--dry-run', '--ledger', join(dir, 'l.sqlite'), '--out', join(dir, 'out')], {
        cwd: dir,
        env: { DIGITALFEMSA_PRIVATE_KEY: 'key_not_real', XDG_CONFIG_HOME: join(dir, 'xdg'), PAYOUT_BATCH_CONFIG: '' },
      });
      expect(result.code).toBe(2);
      expect(result.stderr.split('\n').filter((l) => l.includes('https://api.digitalfemsa.io'))).toHaveLength(1);
      expect(result.stderr).toContain('config: defaults');
    });

    it.each([
      ['http://payouts-proxy.example/openpay', 'payouts-proxy.example'],
      ['http://10.0.0.7:8080/openpay', '10.0.0.7:8080'],
    ])('refuses a live run whose --config sends the keys over http to %s, before any request', async (url, host) => {
      sim = await startRecordingSimulator();
      const { dir, config, env } = liveSetup(url);
      const result = await runCli(['run', join(ROOT, 'samples/openpay-payouts.csv'), '--provider', 'openpay', '--target', 'live', '--yes', '--config', config, '--ledger', join(dir, 'l.sqlite')], { env });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('providers.openpay');
      expect(result.stderr).toContain(host);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(join(dir, 'l.sqlite'))).toBe(false);
    });
  });
});
