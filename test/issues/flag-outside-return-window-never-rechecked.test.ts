import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { LedgerRow } from '../../src/ledger/ledger-store.ts';
import { EXIT } from '../../src/run-error.ts';
import { runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from '../support/cli.ts';
import { ledgerRows, mutateAtProvider } from '../support/simulator-admin.ts';

// sync re-checked only the paid rows that became paid inside the return window. A row flagged AMOUNT_CHANGED (or
// PROVIDER_DELETED) that then grew older than the window was never asked about again: the flag stayed on the row for
// good, even after the provider showed the payout right again, and the sync that no longer looked at it exited 0
// with the flag still in the results. A flagged row is now re-checked at every sync, whatever its age, until the
// provider bears the flag out no more; then it leaves the re-checks like any old paid row.
describe('a flagged paid row is re-checked until its flag clears, whatever its age', () => {
  let sim: RecordingSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
  });

  const row = async (ledgerPath: string): Promise<LedgerRow> => (await ledgerRows(ledgerPath, ['paid', 'failed']))[0]!;

  it('asks the provider about the flagged row outside the window, keeps the flag while it differs, clears it when it agrees', async () => {
    sim = await startRecordingSimulator({ settleMs: 1000 });
    const dir = tempDir('payout-old-flag-');
    const ledgerPath = join(dir, 'ledger.sqlite');
    const file = join(dir, 'a.csv');
    writeFileSync(file, 'order_id,clabe,nombre,monto\nOLD-1,012180001183597198,Ana,150.00\n');
    const common = ['--simulator-url', sim.url, '--ledger', ledgerPath, '--format', 'csv', '--json'];
    let n = 0;
    const sync = (extra: string[] = []) => runCli(['sync', ...common, ...extra, '--out', join(dir, `s${++n}`)]);
    expect((await runCli(['run', file, '--provider', 'openpay', ...common, '--out', join(dir, 'run')])).code).toBe(EXIT.OK);
    await sim.advance(5000);
    expect((await sync()).code).toBe(EXIT.OK);
    const paid = await row(ledgerPath);
    expect(paid.status).toBe('paid');

    await mutateAtProvider(sim.url, { provider: 'openpay', provider_id: paid.providerPayoutId, amount_cents: paid.amountMinor! + 700 });
    const flagged = await sync();
    expect(flagged.code).toBe(EXIT.MONEY_NEEDS_ATTENTION);
    expect(flagged.summary?.return_window).toMatchObject({ amount_changed: 1 });

    // A window of ~1.7 s: once it has passed, the row became paid before the window starts.
    const tiny = ['--return-window-days', '0.00002'];
    await sleep(2500);
    const from = sim.requests.length;
    const old = await sync(tiny);
    expect(old.summary?.return_window).toMatchObject({ rechecked: 1, amount_changed: 1 });
    expect(old.code).toBe(EXIT.MONEY_NEEDS_ATTENTION);
    expect(sim.requests.slice(from).filter((r) => r.method === 'GET' && r.path.includes(paid.providerPayoutId!))).toHaveLength(1);
    expect(await row(ledgerPath)).toMatchObject({ status: 'paid', errorCode: 'AMOUNT_CHANGED' });

    // The provider corrects the amount: the flag clears, even though the row is far outside the window.
    await mutateAtProvider(sim.url, { provider: 'openpay', provider_id: paid.providerPayoutId, amount_cents: paid.amountMinor });
    const agreed = await sync(tiny);
    expect(agreed.code).toBe(EXIT.OK);
    expect(agreed.summary?.return_window).toMatchObject({ rechecked: 1, amount_changed: 0, cleared: 1 });
    const clean = await row(ledgerPath);
    expect(clean.status).toBe('paid');
    expect(clean.errorCode).toBeUndefined();

    // Cleared and old: it leaves the re-checks.
    const after = sim.requests.length;
    const quiet = await sync(tiny);
    expect(quiet.code).toBe(EXIT.OK);
    expect(quiet.summary?.return_window).toMatchObject({ rechecked: 0 });
    expect(sim.requests.slice(after).filter((r) => r.method === 'GET' && r.path.includes(paid.providerPayoutId!))).toHaveLength(0);
  }, 120_000);
});
