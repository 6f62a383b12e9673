import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { collectRows } from '../../src/ledger/collect-rows.ts';
import { openLedger } from '../../src/ledger/open-ledger.ts';
import { EXIT } from '../../src/run-error.ts';
import { runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from '../support/cli.ts';

// A payout already paid was later failed at the provider (a SPEI return, days after payment). `sync` asked only
// pending/unknown rows: it asked 0 and exited 0, the row stayed paid, and only `report` noticed — advising a sync
// that did nothing. Sync now asks paid rows again inside the return window and records the return.
describe('a return of a paid payout is seen by sync', () => {
  let sim: RecordingSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
  });

  it('asks the paid row, records paid → failed as a reversal, and exits 3', async () => {
    sim = await startRecordingSimulator({ settleMs: 1000 });
    const dir = tempDir();
    const ledgerPath = join(dir, 'ledger.sqlite');
    const file = join(dir, 'a.csv');
    writeFileSync(file, 'order_id,clabe,nombre,monto\nRET-1,012180001183597198,Jon Doe,150.00\n');
    const common = ['--simulator-url', sim.url, '--ledger', ledgerPath, '--format', 'csv', '--json'];
    expect((await runCli(['run', file, '--provider', 'openpay', ...common, '--out', join(dir, 'o1')])).code).toBe(0);
    await sim.advance(5000);
    expect((await runCli(['sync', ...common, '--out', join(dir, 's1')])).code).toBe(0);

    const [payout] = await sim.journal();
    expect(payout?.status).toBe('completed');
    const mutated = await fetch(`${sim.url}/__admin/mutate`, { method: 'POST', body: JSON.stringify({ provider: 'openpay', provider_id: payout!.provider_id, status: 'failed' }) });
    expect(mutated.status).toBe(200);

    const synced = await runCli(['sync', ...common, '--out', join(dir, 's2')]);
    expect(synced.code).toBe(EXIT.MONEY_NEEDS_ATTENTION);
    expect(synced.summary?.return_window).toMatchObject({ rechecked: 1, returned: 1 });
    const ledger = await openLedger(ledgerPath);
    try {
      const [row] = await collectRows(ledger.rowsByStatus(null, ['paid', 'failed']));
      expect(row).toMatchObject({ status: 'failed', errorCode: 'RETURNED', providerStatus: 'failed' });
      expect((await ledger.history(row!.id)).at(-1)).toMatchObject({ from: 'paid', to: 'failed', cause: 'reversal' });
    } finally {
      await ledger.close();
    }
  });
});
