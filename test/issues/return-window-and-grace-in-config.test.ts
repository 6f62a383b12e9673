import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/run-error.ts';
import { runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from '../support/cli.ts';

// The return window of sync (30 days) and the grace period of an interrupted run (15 s) could be changed only by a
// flag on every command line: a scheduler's config file could not say them. They are now config keys
// ("returnWindowDays", "graceSeconds"), validated like the rest of the config (a hostile value is refused in one
// line, exit 1, before anything is opened); a flag still overrides the key.
let sim: RecordingSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const poll = (ready: () => boolean, then: () => void) => {
  const check = () => (ready() ? then() : setTimeout(check, 20));
  check();
};

describe('returnWindowDays and graceSeconds in the config file', () => {
  it('refuses hostile values in one line, exit 1, CONFIG_INVALID, and creates no ledger', async () => {
    const dir = tempDir('payout-watch-config-');
    const ledger = join(dir, 'ledger.sqlite');
    // Raw JSON text: 1e400 reads as Infinity, which no JSON.stringify could write.
    const hostile = ['-1', '"30"', '1e400', '99999', 'null', 'true', '{}', '[30]', '0.5e9'];
    for (const key of ['returnWindowDays', 'graceSeconds']) {
      for (const value of hostile) {
        const config = join(dir, `c-${key}.json`);
        writeFileSync(config, `{"${key}": ${value}}`);
        const result = await runCli(['sync', '--config', config, '--simulator-url', 'http://127.0.0.1:9', '--ledger', ledger, '--json']);
        expect(result.code, `${key}: ${value}`).toBe(EXIT.FATAL);
        expect(result.summary).toMatchObject({ exit_code: EXIT.FATAL, error: { code: 'CONFIG_INVALID' } });
        expect(result.stderr.trimEnd().split('\n'), `${key}: ${value}`).toHaveLength(1);
        expect(result.stderr).toContain(key);
      }
    }
    expect(existsSync(ledger)).toBe(false);
    // The flags are held to the same bounds.
    expect((await runCli(['sync', '--return-window-days', '1e12', '--simulator-url', 'http://127.0.0.1:9', '--ledger', ledger, '--json'])).summary?.error).toMatchObject({ code: 'USAGE' });
    expect((await runCli(['run', 'x.csv', '--grace-seconds', '1e12', '--ledger', ledger, '--json'])).summary?.error).toMatchObject({ code: 'USAGE' });
  }, 120_000);

  it('sync takes its return window from the config, and --return-window-days overrides it', async () => {
    sim = await startRecordingSimulator({ settleMs: 1000 });
    const dir = tempDir('payout-watch-window-');
    const ledger = join(dir, 'ledger.sqlite');
    const file = join(dir, 'a.csv');
    writeFileSync(file, 'order_id,clabe,nombre,monto\nWIN-1,012180001183597198,Ana,150.00\n');
    const config = (days: unknown) => {
      const path = join(dir, `window-${String(days)}.json`);
      writeFileSync(path, JSON.stringify({ returnWindowDays: days }));
      return path;
    };
    const common = ['--simulator-url', sim.url, '--ledger', ledger, '--format', 'csv', '--json'];
    expect((await runCli(['run', file, '--provider', 'openpay', ...common, '--out', join(dir, 'run')])).code).toBe(0);
    await sim.advance(5000);
    expect((await runCli(['sync', ...common, '--out', join(dir, 's0')])).code).toBe(0);

    // Off in the config: the paid row is not asked about.
    const [payout] = await sim.journal();
    const from = sim.requests.length;
    const off = await runCli(['sync', ...common, '--config', config(0), '--out', join(dir, 's1')]);
    expect(off.code).toBe(EXIT.OK);
    expect(off.summary?.return_window).toBeUndefined();
    // (The reconciliation's listing is a GET too; a re-check is a GET of the payout itself.)
    expect(sim.requests.slice(from).filter((r) => r.method === 'GET' && r.path.includes(payout!.provider_id))).toHaveLength(0);

    const seven = await runCli(['sync', ...common, '--config', config(7), '--out', join(dir, 's2')]);
    expect(seven.summary?.return_window).toMatchObject({ days: 7, rechecked: 1 });
    expect(sim.requests.slice(from).filter((r) => r.method === 'GET' && r.path.includes(payout!.provider_id))).toHaveLength(1);
    const flag = await runCli(['sync', ...common, '--config', config(7), '--return-window-days', '2', '--out', join(dir, 's3')]);
    expect(flag.summary?.return_window).toMatchObject({ days: 2, rechecked: 1 });
  }, 120_000);

  it('run takes its grace period from the config: with "graceSeconds": 0 a SIGINT cuts the requests in flight at once', async () => {
    // Requests held 4 s at the provider: with the default 15 s grace they would finish and be recorded pending.
    sim = await startRecordingSimulator({ faults: 'latency=4000..4000' });
    const dir = tempDir('payout-watch-grace-');
    const file = join(dir, 'batch.csv');
    writeFileSync(file, ['order_id,clabe,nombre,monto', ...Array.from({ length: 16 }, (_, i) => `GR-${i},646180109400135624,Persona ${i},${10 + i}.00`)].join('\n'));
    const config = join(dir, 'grace.json');
    writeFileSync(config, JSON.stringify({ graceSeconds: 0 }));
    const out = join(dir, 'o1');
    const result = await runCli(['run', file, '--provider', 'openpay', '--simulator-url', sim.url, '--ledger', join(dir, 'ledger.sqlite'), '--config', config, '--concurrency', '8', '--out', out, '--format', 'csv', '--json'], {
      // The simulator logs a request once answered: 1 s after the first 8 answers the next 8 have left (and wait 4 s).
      onSpawn: (kill) => poll(() => sim!.moneyMoving() >= 8, () => setTimeout(() => kill('SIGINT'), 1000)),
    });
    expect(result.code).toBe(EXIT.INTERRUPTED);
    const interrupt = readFileSync(join(out, 'run.log'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event?: string; graceSeconds?: number }).find((e) => e.event === 'interrupt');
    expect(interrupt?.graceSeconds).toBe(0);
    const rows = parse(readFileSync(join(out, 'results.csv'), 'utf8'), { columns: true, bom: true }) as Array<{ status: string }>;
    // Those in flight are cut (with the default 15 s grace they would have been answered and recorded pending).
    expect(rows.filter((r) => r.status === 'unknown').length).toBeGreaterThan(0);
    expect(rows.every((r) => ['pending', 'unknown', 'not_sent'].includes(r.status))).toBe(true);
  }, 120_000);
});
