import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { webhooksCommand } from '../../src/commands/webhooks/webhooks-command.ts';
import { openLedger } from '../../src/ledger/open-ledger.ts';
import { collectRows } from '../../src/ledger/collect-rows.ts';
import { runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from '../support/cli.ts';

// Anyone who reached the webhooks port could POST an Openpay `payout.failed` for a real payout: the row became
// `failed`, its order_id was released, and the next file with that order_id was paid again. An event is now only a
// hint: the receiver asks the provider, and the provider still shows the payout in progress.
describe('a forged payout.failed neither fails the row nor frees its order_id', () => {
  let sim: RecordingSimulator | undefined;
  const stop = new AbortController();
  afterEach(async () => {
    stop.abort();
    await sim?.close();
  });

  it('the row stays pending, and the same order_id in a later file is a duplicate, paid once', async () => {
    sim = await startRecordingSimulator({ settleMs: 600_000 });
    const dir = tempDir();
    const ledger = join(dir, 'ledger.sqlite');
    const file = (name: string, holder: string) => {
      const path = join(dir, name);
      writeFileSync(path, `order_id,clabe,nombre,monto\nFORGE-1,012180001183597198,${holder},150.00\n`);
      return path;
    };
    const run = (path: string, out: string) => runCli(['run', path, '--provider', 'openpay', '--simulator-url', sim!.url, '--ledger', ledger, '--out', join(dir, out), '--format', 'csv', '--json']);
    expect((await run(file('a.csv', 'Jon Doe'), 'o1')).code).toBe(0);
    const store = await openLedger(ledger);
    const [row] = await collectRows(store.rowsByStatus(null, ['pending']));
    await store.close();

    const url = await new Promise<string>((resolve, reject) => {
      webhooksCommand({ port: 0, host: '127.0.0.1', ledger, target: 'simulator', simulatorUrl: sim!.url }, { out: () => {}, signal: stop.signal, onListening: resolve, env: {} }).catch(reject);
    });
    const forged = await fetch(`${url}/webhooks/openpay`, {
      method: 'POST',
      body: JSON.stringify({ type: 'payout.failed', event_date: '2026-03-01T10:00:00-06:00', transaction: { id: row!.providerPayoutId, status: 'failed', transaction_type: 'payout', order_id: 'FORGE-1' } }),
    });
    expect(forged.status).toBe(200);
    const after = await openLedger(ledger);
    expect(await after.getRow(row!.id)).toMatchObject({ status: 'pending' });
    await after.close();

    // Another file with the same order_id and the same payout: a duplicate, nothing is paid.
    const second = await run(file('b.csv', 'Jon Doe Jr'), 'o2');
    expect(second.summary?.counts).toMatchObject({ duplicate: 1 });
    expect(await sim.journal()).toHaveLength(1);
  }, 60_000);
});
