import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/run-error.ts';
import { runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from '../support/cli.ts';
import { ledgerRows, mutateAtProvider } from '../support/simulator-admin.ts';

// `run` ends with a reconciliation of its batch against the provider's listing (exceptions.csv, the Exceptions
// sheet). When that reconciliation found a row the provider shows otherwise — here a paid payout whose amount the
// provider now shows changed — the run still exited 0: a nightly scheduler saw nothing, where `report` on the same
// batch exits 3. The run now exits 3 on exceptions about its own rows. A payout in the listing that no ledger row made
// and that carries none of the batch's order ids stays report's to list: it does not fail the run.
describe('run exits 3 when its reconciliation finds an exception about its own rows', () => {
  let sim: RecordingSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
  });

  it("a changed amount at the provider makes the re-run exit 3; a stranger's payout alone does not", async () => {
    sim = await startRecordingSimulator({ settleMs: 1000 });
    const dir = tempDir('payout-run-exceptions-');
    const ledgerPath = join(dir, 'ledger.sqlite');
    const file = join(dir, 'op.csv');
    writeFileSync(file, 'order_id,clabe,nombre,monto\nRX-1,012180001183597198,Ana,150.00\nRX-2,012180001183597198,Beto,160.00\n');
    const common = ['--simulator-url', sim.url, '--ledger', ledgerPath, '--format', 'csv', '--json'];
    const run = (out: string) => runCli(['run', file, '--provider', 'openpay', ...common, '--out', join(dir, out)]);
    expect((await run('run1')).code).toBe(EXIT.OK);
    await sim.advance(5000);
    expect((await runCli(['sync', ...common, '--out', join(dir, 's1')])).code).toBe(EXIT.OK);

    // A payout someone made from the same account, under an order id of no batch: listed, but not this run's concern.
    await mutateAtProvider(sim.url, { provider: 'openpay', create: { amount_cents: 7_700, destination: '012180001183597198', reference: 'MANUAL-1' } });
    await sim.advance(5000);
    const stranger = await run('run2');
    expect(stranger.code, stranger.stderr).toBe(EXIT.OK);
    expect(readFileSync(join(dir, 'run2', 'exceptions.csv'), 'utf8')).toContain('NOT_IN_LEDGER');

    // The provider now shows RX-1 paid for another amount than the ledger paid.
    const paid = (await ledgerRows(ledgerPath, ['paid'])).find((r) => r.orderKey === 'RX-1')!;
    await mutateAtProvider(sim.url, { provider: 'openpay', provider_id: paid.providerPayoutId, amount_cents: paid.amountMinor! + 100 });
    const moneyBefore = sim.moneyMoving();
    const changed = await run('run3');
    expect(changed.code, changed.stderr).toBe(EXIT.MONEY_NEEDS_ATTENTION);
    expect(changed.summary?.counts).toMatchObject({ paid: 2 });
    expect(readFileSync(join(dir, 'run3', 'exceptions.csv'), 'utf8')).toMatch(/AMOUNT_MISMATCH.*|.*AMOUNT_MISMATCH/);
    expect(sim.moneyMoving()).toBe(moneyBefore);
  }, 180_000);
});
