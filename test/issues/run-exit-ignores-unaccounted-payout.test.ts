import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/run-error.ts';
import { runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from '../support/cli.ts';

// `run` lists the provider's payouts for its reconciliation (and, on a ledger that lost the batch, for its guard),
// and found there a second payout under one of the batch's order ids that no ledger row accounts for: the
// reconciliation listed it as NOT_IN_LEDGER, but the run said nothing of it and exited 0, where sync and report
// exit 3 for the same payout. The run now counts it (summary, --json unaccounted_payouts) and exits 3.
describe('run exits 3 for a payout at the provider under its order ids that the ledger lacks', () => {
  let sim: RecordingSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
  });

  it('a finished batch run again, and the same file on a ledger that lost it, both exit 3 with the payout counted', async () => {
    sim = await startRecordingSimulator({ settleMs: 1000 });
    const dir = tempDir('payout-run-unaccounted-');
    const ledgerPath = join(dir, 'ledger.sqlite');
    const file = join(dir, 'ck.csv');
    writeFileSync(file, 'reference,account_number,account_holder_name,amount,currency\nRU-1,072180009876543213,Titular Uno,200.50,MXN\nRU-2,072180009876543213,Titular Dos,99.00,MXN\n');
    const common = ['--simulator-url', sim.url, '--format', 'csv', '--json'];
    const first = await runCli(['run', file, '--provider', 'conekta', '--ledger', ledgerPath, ...common, '--out', join(dir, 'run1')]);
    expect(first.code).toBe(EXIT.OK);
    await sim.advance(5000);
    expect((await runCli(['sync', '--ledger', ledgerPath, ...common, '--out', join(dir, 's1')])).code).toBe(EXIT.OK);
    const again = await runCli(['run', file, '--provider', 'conekta', '--ledger', ledgerPath, ...common, '--out', join(dir, 'run2')]);
    expect(again.code).toBe(EXIT.OK);
    expect(again.summary?.unaccounted_payouts).toBe(0);

    // A second transfer under RU-1 appears at the provider (made outside this ledger).
    const created = await fetch(`${sim.url}/__admin/mutate`, {
      method: 'POST',
      body: JSON.stringify({ provider: 'conekta', create: { amount_cents: 20_050, destination: '072180009876543213', reference: 'RU-1' } }),
    });
    expect(created.status).toBe(201);
    const second = ((await created.json()) as { provider_id: string }).provider_id;
    await sim.advance(5000);

    const moneyBefore = sim.moneyMoving();
    const rerun = await runCli(['run', file, '--provider', 'conekta', '--ledger', ledgerPath, ...common, '--out', join(dir, 'run3')]);
    expect(rerun.code).toBe(EXIT.MONEY_NEEDS_ATTENTION);
    expect(rerun.summary?.unaccounted_payouts).toBe(1);
    expect(rerun.summary?.counts).toMatchObject({ paid: 2 });
    expect((rerun.summary?.warnings as string[]).join('\n')).toMatch(/NOT_IN_LEDGER/);
    const exceptions = readFileSync(join(dir, 'run3', 'exceptions.csv'), 'utf8');
    expect(exceptions).toContain(second);
    expect(exceptions).toContain('NOT_IN_LEDGER');
    const text = await runCli(['run', file, '--provider', 'conekta', '--ledger', ledgerPath, '--simulator-url', sim.url, '--format', 'csv', '--out', join(dir, 'run4')]);
    expect(text.code).toBe(EXIT.MONEY_NEEDS_ATTENTION);
    expect(text.stdout).toMatch(/unaccounted/i);

    // The same file on a ledger that has none of it: the guard finds each row's own transfer by its request key
    // (recorded, not sent again); the second transfer under RU-1 is still nobody's.
    const lost = await runCli(['run', file, '--provider', 'conekta', '--ledger', join(dir, 'fresh.sqlite'), ...common, '--out', join(dir, 'run5')]);
    expect(lost.code).toBe(EXIT.MONEY_NEEDS_ATTENTION);
    expect(lost.summary?.unaccounted_payouts).toBe(1);
    expect(lost.summary?.counts).toMatchObject({ paid: 2 });
    expect(sim.moneyMoving()).toBe(moneyBefore);
  }, 180_000);
});
