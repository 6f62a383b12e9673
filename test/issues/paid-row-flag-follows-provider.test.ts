import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLedger } from '../../src/ledger/open-ledger.ts';
import { EXIT } from '../../src/run-error.ts';
import { runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from '../support/cli.ts';
import { ledgerRows, mutateAtProvider } from '../support/simulator-admin.ts';

// sync flagged a paid payout the provider showed deleted or with another amount (PROVIDER_DELETED / AMOUNT_CHANGED),
// but a later sync that found the provider agreeing again left the flag on the row: results, reconciliation and the
// row's status kept saying "amount changed" about a payout the provider showed exactly as paid. The flag now says
// what the provider shows at each re-check; the history keeps when it was set and when it was cleared.
describe('a paid row\'s flag follows the provider at every sync', () => {
  let sim: RecordingSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
  });

  const mutate = (body: Record<string, unknown>) => mutateAtProvider(sim!.url, body);
  const rows = async (ledgerPath: string) => new Map((await ledgerRows(ledgerPath, ['paid', 'failed', 'pending'])).map((r) => [r.orderKey!, r]));

  it('clears AMOUNT_CHANGED once the provider shows the ledger\'s amount again, keeps both moves in the history, and a return replaces the flag', async () => {
    sim = await startRecordingSimulator({ settleMs: 1000 });
    const dir = tempDir('payout-flag-');
    const ledgerPath = join(dir, 'ledger.sqlite');
    const file = join(dir, 'a.csv');
    writeFileSync(file, 'order_id,clabe,nombre,monto\nFLAG-A,012180001183597198,Ana,150.00\nFLAG-B,012180001183597198,Beto,160.00\n');
    const common = ['--simulator-url', sim.url, '--ledger', ledgerPath, '--format', 'csv', '--json'];
    let n = 0;
    const sync = () => runCli(['sync', ...common, '--out', join(dir, `s${++n}`)]);
    expect((await runCli(['run', file, '--provider', 'openpay', ...common, '--out', join(dir, 'run')])).code).toBe(0);
    await sim.advance(5000);
    expect((await sync()).code).toBe(0);
    const paid = await rows(ledgerPath);
    const a = paid.get('FLAG-A')!;
    const b = paid.get('FLAG-B')!;
    expect([a.status, b.status]).toEqual(['paid', 'paid']);

    // Both change amount at the provider: flagged, exit 3.
    await mutate({ provider: 'openpay', provider_id: a.providerPayoutId, amount_cents: a.amountMinor! + 500 });
    await mutate({ provider: 'openpay', provider_id: b.providerPayoutId, amount_cents: b.amountMinor! + 500 });
    const flagged = await sync();
    expect(flagged.code).toBe(EXIT.MONEY_NEEDS_ATTENTION);
    expect(flagged.summary?.return_window).toMatchObject({ amount_changed: 2, cleared: 0 });
    expect((await rows(ledgerPath)).get('FLAG-A')).toMatchObject({ status: 'paid', errorCode: 'AMOUNT_CHANGED' });

    // A is back to the ledger's amount: its flag is cleared; B still differs, so money still needs attention.
    await mutate({ provider: 'openpay', provider_id: a.providerPayoutId, amount_cents: a.amountMinor! });
    const agreed = await sync();
    expect(agreed.code).toBe(EXIT.MONEY_NEEDS_ATTENTION);
    expect(agreed.summary?.return_window).toMatchObject({ rechecked: 2, amount_changed: 1, cleared: 1 });
    let now = await rows(ledgerPath);
    expect(now.get('FLAG-A')).toMatchObject({ status: 'paid', providerStatus: 'completed' });
    expect(now.get('FLAG-A')?.errorCode).toBeUndefined();
    expect(now.get('FLAG-A')?.errorMessage).toBeUndefined();
    expect(now.get('FLAG-B')).toMatchObject({ status: 'paid', errorCode: 'AMOUNT_CHANGED' });

    const ledger = await openLedger(ledgerPath);
    let historyLength: number;
    try {
      const history = await ledger.history(a.id);
      const setAt = history.findIndex((h) => h.errorCode === 'AMOUNT_CHANGED');
      expect(setAt).toBeGreaterThan(0);
      expect(history[setAt]).toMatchObject({ from: 'paid', to: 'paid', cause: 'sync' });
      // The clearing is its own entry after the flag's, with no error code.
      const clearedAt = history.findLastIndex((h) => h.from === 'paid' && h.to === 'paid' && h.errorCode === undefined && h.note?.includes('AMOUNT_CHANGED'));
      expect(clearedAt).toBeGreaterThan(setAt);
      expect(history[clearedAt]).toMatchObject({ cause: 'sync', providerStatus: 'completed' });
      historyLength = history.length;
    } finally {
      await ledger.close();
    }

    // B agrees too: nothing flagged any more, exit 0; A is not cleared a second time.
    await mutate({ provider: 'openpay', provider_id: b.providerPayoutId, amount_cents: b.amountMinor! });
    const clean = await sync();
    expect(clean.code).toBe(EXIT.OK);
    expect(clean.summary?.return_window).toMatchObject({ returned: 0, deleted: 0, amount_changed: 0, cleared: 1 });
    now = await rows(ledgerPath);
    for (const key of ['FLAG-A', 'FLAG-B']) expect(now.get(key)?.errorCode).toBeUndefined();
    const again = await openLedger(ledgerPath);
    try {
      expect(await again.history(a.id)).toHaveLength(historyLength);
    } finally {
      await again.close();
    }

    // A flagged row later returned at the provider: the return replaces the flag (failed, RETURNED).
    await mutate({ provider: 'openpay', provider_id: b.providerPayoutId, amount_cents: b.amountMinor! + 1 });
    expect((await sync()).code).toBe(EXIT.MONEY_NEEDS_ATTENTION);
    await mutate({ provider: 'openpay', provider_id: b.providerPayoutId, status: 'failed' });
    const returned = await sync();
    expect(returned.code).toBe(EXIT.MONEY_NEEDS_ATTENTION);
    expect(returned.summary?.return_window).toMatchObject({ returned: 1, amount_changed: 0 });
    expect((await rows(ledgerPath)).get('FLAG-B')).toMatchObject({ status: 'failed', errorCode: 'RETURNED', providerStatus: 'failed' });
  }, 240_000);
});
