import Database from 'better-sqlite3';
import { existsSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SIMULATOR_CREDENTIALS } from '../src/simulator/credentials.ts';
import { zeroLeafPage } from '../src/ledger/test-support/damage-ledger.ts';
import { ROOT, runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from './support/cli.ts';

/** End to end: which ledger file a command opens, what it does when there is none, a damaged one, or it vanishes. */
let sim: RecordingSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const SAMPLE = join(ROOT, 'samples/openpay-payouts.csv');
const NO_LEDGER_ENV = { PAYOUT_BATCH_LEDGER: '' };

function manyRows(dir: string, prefix: string, count: number): string {
  const file = join(dir, `${prefix}.csv`);
  const lines = ['order_id,clabe,nombre,monto'];
  for (let i = 0; i < count; i++) lines.push(`${prefix}-${i},646180109400135624,Persona ${i},${10 + i}.00`);
  writeFileSync(file, lines.join('\n'));
  return file;
}

function simRun(file: string, dir: string, extra: string[], env: NodeJS.ProcessEnv = NO_LEDGER_ENV) {
  return runCli(['run', file, '--provider', 'openpay', '--simulator-url', sim!.url, '--out', join(dir, `out-${Math.random().toString(36).slice(2, 8)}`), '--format', 'csv', '--json', ...extra], { env });
}

/** A sandbox run whose "sandbox" is the simulator (config base URL + the simulator's credentials). */
function sandboxRun(dir: string, ledger: string, extra: string[] = []) {
  const config = join(dir, 'sandbox.json');
  writeFileSync(config, JSON.stringify({ providers: { openpay: { baseUrl: { sandbox: `${sim!.url}/openpay` } } } }));
  return runCli(['run', SAMPLE, '--provider', 'openpay', '--target', 'sandbox', '--config', config, '--ledger', ledger, '--out', join(dir, `out-${Math.random().toString(36).slice(2, 8)}`), '--format', 'csv', '--json', ...extra], {
    env: { ...NO_LEDGER_ENV, OPENPAY_MERCHANT_ID: SIMULATOR_CREDENTIALS.openpay.merchantId, OPENPAY_PRIVATE_KEY: SIMULATOR_CREDENTIALS.openpay.privateKey },
  });
}

describe('the ledger a command opens', () => {
  it('the simulator creates a missing ledger and names it in one stderr line', async () => {
    sim = await startRecordingSimulator();
    const dir = tempDir();
    const ledger = join(dir, 'sub', 'new.sqlite');
    const result = await simRun(SAMPLE, dir, ['--ledger', ledger]);
    expect(result.code).toBe(2);
    expect(existsSync(ledger)).toBe(true);
    expect(result.stderr.split('\n').filter((l) => l.includes(ledger))).toEqual([`new ledger: ${ledger}`]);
    expect(sim.moneyMoving()).toBe(4);
    // An existing ledger is not announced.
    const again = await simRun(SAMPLE, dir, ['--ledger', ledger]);
    expect(again.stderr).not.toContain('new ledger');
  });

  it('sandbox refuses a missing ledger (exit 1, nothing sent, no file) and pays with --new-ledger', async () => {
    sim = await startRecordingSimulator();
    const dir = tempDir();
    const ledger = join(dir, 'mistyped.sqlite');
    const refused = await sandboxRun(dir, ledger);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(ledger);
    expect(existsSync(ledger)).toBe(false);
    expect(sim.moneyMoving()).toBe(0);

    const accepted = await sandboxRun(dir, ledger, ['--new-ledger']);
    expect(accepted.code).toBe(2);
    expect(existsSync(ledger)).toBe(true);
    expect(sim.moneyMoving()).toBe(4);
    // Once it exists, no flag is needed, and the batch is not paid again.
    const resumed = await sandboxRun(dir, ledger);
    expect(resumed.code).toBe(2);
    expect(sim.moneyMoving()).toBe(4);
  });

  it('live refuses a missing ledger before any request, even with --yes', async () => {
    const dir = tempDir();
    const ledger = join(dir, 'mistyped.sqlite');
    const result = await runCli(['run', SAMPLE, '--provider', 'openpay', '--target', 'live', '--yes', '--ledger', ledger, '--out', join(dir, 'o'), '--json'], {
      // Unreachable endpoints: a request that left would fail the run differently (PROVIDER_UNREACHABLE / unknown rows).
      env: { ...NO_LEDGER_ENV, OPENPAY_MERCHANT_ID: SIMULATOR_CREDENTIALS.openpay.merchantId, OPENPAY_PRIVATE_KEY: SIMULATOR_CREDENTIALS.openpay.privateKey },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--new-ledger/);
    expect(result.summary).toMatchObject({ exit_code: 1, error: { code: 'LEDGER_MISSING' } });
    expect(existsSync(ledger)).toBe(false);
  });

  it('--dry-run on sandbox and on the simulator creates no ledger', async () => {
    sim = await startRecordingSimulator();
    const dir = tempDir();
    const ledger = join(dir, 'none.sqlite');
    const sandbox = await sandboxRun(dir, ledger, ['--dry-run']);
    expect(sandbox.code).toBe(2);
    const simulator = await simRun(SAMPLE, dir, ['--ledger', ledger, '--dry-run']);
    expect(simulator.code).toBe(2);
    expect(simulator.stderr).not.toContain('new ledger');
    expect(existsSync(ledger)).toBe(false);
    expect(sim.moneyMoving()).toBe(0);
  });

  it('defaults to ~/.payout-batch/ledger.simulator.sqlite for the simulator and ledger.sqlite for sandbox', async () => {
    sim = await startRecordingSimulator();
    const home = tempDir();
    const dir = tempDir();
    const env = { ...NO_LEDGER_ENV, HOME: home };
    const simulator = await simRun(SAMPLE, dir, [], env);
    expect(simulator.code).toBe(2);
    expect(simulator.summary!.ledger_path).toBe(join(home, '.payout-batch', 'ledger.simulator.sqlite'));
    expect(existsSync(join(home, '.payout-batch', 'ledger.sqlite'))).toBe(false);

    // The simulator's rows are not sandbox's: sandbox has no ledger yet and refuses, then starts its own file.
    const config = join(dir, 'sandbox.json');
    writeFileSync(config, JSON.stringify({ providers: { openpay: { baseUrl: { sandbox: `${sim.url}/openpay` } } } }));
    const sandbox = (extra: string[]) =>
      runCli(['run', SAMPLE, '--provider', 'openpay', '--target', 'sandbox', '--config', config, '--out', join(dir, `o-${extra.length}`), '--format', 'csv', '--json', ...extra], {
        // Another merchant: the simulator keeps one account per merchant id, as sandbox and production are apart.
        env: { ...env, OPENPAY_MERCHANT_ID: 'msandboxpayoutbat001', OPENPAY_PRIVATE_KEY: 'sk_0123456789abcdef0123456789abcdef' },
      });
    expect((await sandbox([])).code).toBe(1);
    expect(sim.moneyMoving()).toBe(4);
    const started = await sandbox(['--new-ledger']);
    expect(started.code).toBe(2);
    expect(started.summary!.ledger_path).toBe(join(home, '.payout-batch', 'ledger.sqlite'));
    // The simulator rehearsal marked nothing as sent for sandbox: its rows are paid there too.
    expect(sim.moneyMoving()).toBe(8);

    // sync and report read the file of their --target.
    const report = await runCli(['report', '--all', '--target', 'sandbox', '--out', join(dir, 'r'), '--format', 'csv', '--json', '--config', config], { env });
    // No sandbox credentials in this environment: the reconciliation could not compare, which is exit 3, never "none".
    expect(report.code, report.stderr).toBe(3);
    expect(report.summary).toMatchObject({ exceptions: 'not compared', not_compared: ['openpay'] });
    expect(report.summary!.ledger_path).toBe(join(home, '.payout-batch', 'ledger.sqlite'));
    const sync = await runCli(['sync', '--simulator-url', sim.url, '--out', join(dir, 's'), '--format', 'csv', '--json'], { env });
    expect(sync.summary!.ledger_path).toBe(join(home, '.payout-batch', 'ledger.simulator.sqlite'));
  }, 60_000);

  it('a damaged ledger is refused with exit 1, sends nothing, and is not recreated', async () => {
    sim = await startRecordingSimulator();
    const dir = tempDir();
    const ledger = join(dir, 'ledger.sqlite');
    const first = await simRun(manyRows(dir, 'DMG', 400), dir, ['--ledger', ledger]);
    expect(first.code).toBe(0);
    const paid = sim.moneyMoving();
    zeroLeafPage(ledger);
    const again = await simRun(join(dir, 'DMG.csv'), dir, ['--ledger', ledger]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(ledger);
    expect(again.stderr).toMatch(/\.backup/);
    expect(again.summary).toMatchObject({ exit_code: 1, error: { code: 'LEDGER_ERROR' } });
    expect(sim.moneyMoving()).toBe(paid);
  }, 60_000);

  it('a ledger deleted while the run pays ends with exit 3 and a loud message', async () => {
    sim = await startRecordingSimulator({ faults: 'latency=30..30' });
    const dir = tempDir();
    const ledger = join(dir, 'ledger.sqlite');
    const file = manyRows(dir, 'DEL', 300);
    const result = await runCli(
      ['run', file, '--provider', 'openpay', '--simulator-url', sim.url, '--ledger', ledger, '--out', join(dir, 'o'), '--format', 'csv', '--json', '--concurrency', '4'],
      {
        env: NO_LEDGER_ENV,
        onSpawn: () => {
          const wait = () => (sim!.moneyMoving() >= 20 ? rmSync(ledger) : setTimeout(wait, 20));
          wait();
        },
      },
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/MONEY NEEDS ATTENTION/);
    expect(result.stderr).toContain(ledger);
    expect(result.summary!.exit_code).toBe(3);
    // The run itself finished: every row was paid once, recorded in the file it had open, which it kept a copy of.
    expect(sim.moneyMoving()).toBe(300);
    const copies = readdirSync(dir).filter((name) => /^ledger\.sqlite\.recovered-.+\.sqlite$/.test(name));
    expect(copies).toHaveLength(1);
    const db = new Database(join(dir, copies[0]!), { readonly: true });
    expect(db.prepare("SELECT status, count(*) AS n FROM payout_rows GROUP BY status").all()).toEqual([{ status: 'pending', n: 300 }]);
    db.close();

    // Put back at its path, the copy makes the next run of the same file send nothing.
    renameSync(join(dir, copies[0]!), ledger);
    const again = await runCli(['run', file, '--provider', 'openpay', '--simulator-url', sim.url, '--ledger', ledger, '--out', join(dir, 'o2'), '--format', 'csv', '--json'], { env: NO_LEDGER_ENV });
    expect(again.code).toBe(0);
    expect(sim.moneyMoving()).toBe(300);
  }, 60_000);
});
