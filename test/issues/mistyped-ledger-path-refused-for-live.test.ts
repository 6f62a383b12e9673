import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from '../support/cli.ts';

// A live run given a ledger path with a typo opened (and created) an empty ledger there: no earlier run was in it,
// so every row of a batch already paid was planned as new and paid a second time. The rule: sandbox and live
// refuse a ledger path where there is no file, unless --new-ledger says that an empty ledger is meant.
describe('a live run refuses a ledger path where there is no ledger', () => {
  let sim: RecordingSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('pays once, then a run with the path mistyped sends nothing and creates no file', async () => {
    sim = await startRecordingSimulator();
    const dir = tempDir();
    // "live" here is the simulator behind a config base URL, with credentials of the shape Openpay issues.
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ providers: { openpay: { baseUrl: { live: `${sim.url}/openpay` } } } }));
    const live = (ledger: string, extra: string[] = []) =>
      runCli(['run', join(ROOT, 'samples/openpay-payouts.csv'), '--provider', 'openpay', '--target', 'live', '--yes', '--config', config, '--ledger', ledger, '--out', join(dir, `o-${Math.random().toString(36).slice(2, 8)}`), '--format', 'csv', '--json', ...extra], {
        env: { PAYOUT_BATCH_LEDGER: '', OPENPAY_MERCHANT_ID: 'mliveregressiontest1', OPENPAY_PRIVATE_KEY: 'sk_00112233445566778899aabbccddeeff' },
      });

    const first = await live(join(dir, 'ledger.sqlite'), ['--new-ledger']);
    expect(first.code).toBe(2); // the sample carries deliberately bad rows
    expect(sim.moneyMoving()).toBe(4);

    const mistyped = join(dir, 'ledgr.sqlite');
    const again = await live(mistyped);
    expect(again.code).toBe(1);
    expect(again.summary).toMatchObject({ exit_code: 1, error: { code: 'LEDGER_MISSING' } }); // --json: the one object is the error
    expect(existsSync(mistyped)).toBe(false);
    expect(sim.moneyMoving()).toBe(4);

    // The right path resumes the paid batch: nothing is sent again.
    const right = await live(join(dir, 'ledger.sqlite'));
    expect(right.code).toBe(2);
    expect(sim.moneyMoving()).toBe(4);
  }, 60_000);
});
