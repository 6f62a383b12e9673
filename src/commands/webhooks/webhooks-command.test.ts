import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLedger } from '../../ledger/open-ledger.ts';
import { openBatchInput, queuedRow } from '../../ledger/test-support/fixtures.ts';
import { RunError } from '../../run-error.ts';
import { advance, call, openpayHeaders, openpayMerchantUrl } from '../../simulator/sim-test-client.ts';
import { startSimulator } from '../../simulator/start-simulator.ts';
import { webhooksCommand } from './webhooks-command.ts';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('webhooksCommand', () => {
  it('listens, checks each event with the provider, records what the provider shows, and stops cleanly with exit 0', async () => {
    dir = mkdtempSync(join(tmpdir(), 'payout-webhooks-cmd-'));
    const sim = await startSimulator({ port: 0, seed: 3, settleMs: 1_000 });
    try {
      // A real payout at the simulator, settled there (completed); the ledger still shows it pending.
      const created = await call(`${openpayMerchantUrl(sim)}/payouts`, {
        headers: openpayHeaders(),
        body: JSON.stringify({ method: 'bank_account', bank_account: { clabe: '012298026516924616', holder_name: 'X' }, amount: 100.0, description: 'd', order_id: 'OP-CMD-1' }),
      });
      const payoutId = created.body.id as string;
      await advance(sim, 5_000);
      const ledgerPath = join(dir, 'ledger.sqlite');
      const seed = await openLedger(ledgerPath);
      const batchId = (await seed.openBatch(openBatchInput('cmd'))).batch.id;
      await seed.insertRows(batchId, [queuedRow(2, 'OP-CMD-1')]);
      const rowId = (await seed.getRowByNumber(batchId, 2))!.id;
      const lock = await seed.acquireBatchLock(batchId);
      const [mark] = await seed.markSending([{ rowId }]);
      await seed.recordOutcomes([{ rowId, to: 'pending', cause: 'provider_accepted', attempt: mark!.attempt, providerPayoutId: payoutId, providerStatus: 'in_progress' }]);
      await lock.release();
      await seed.close();

      const stop = new AbortController();
      let printed = '';
      let exited: Promise<number> | undefined;
      const url = await new Promise<string>((resolve, reject) => {
        exited = webhooksCommand(
          { port: 0, host: '127.0.0.1', ledger: ledgerPath, target: 'simulator', simulatorUrl: sim.url },
          { out: (t) => (printed += t), signal: stop.signal, onListening: resolve, logFile: join(dir, 'webhooks.log'), env: {} },
        );
        exited.catch(reject);
      });
      expect(printed).toContain(`${url}/webhooks/openpay  HTTP Basic`);
      expect(printed).toContain(`${url}/webhooks/conekta  DIGEST signature`);
      expect(printed).toContain(`${url}/webhooks/zenrise  unverified (set ZENRISE_WEBHOOK_TOKEN)`);

      // The event claims the payout failed; the provider shows it completed: the row is paid.
      const res = await fetch(`${url}/webhooks/openpay`, {
        method: 'POST',
        body: JSON.stringify({ type: 'payout.failed', event_date: '2026-03-01T10:00:00-06:00', transaction: { id: payoutId, status: 'failed', order_id: 'OP-CMD-1' } }),
      });
      expect(res.status).toBe(200);

      stop.abort();
      expect(await exited).toBe(0);
      expect(printed).toContain('stopped');
      const after = await openLedger(ledgerPath);
      expect(await after.getRow(rowId)).toMatchObject({ status: 'paid', providerStatus: 'completed' });
      await after.close();
      const logged = readFileSync(join(dir, 'webhooks.log'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(logged).toContainEqual(expect.objectContaining({ event: 'webhook_applied', payoutId, claimed: 'failed', providerStatus: 'completed', changed: true, status: 'paid', verified: false }));
    } finally {
      await sim.close();
    }
  });

  it('refuses a port in use and a bad config with stable codes', async () => {
    dir = mkdtempSync(join(tmpdir(), 'payout-webhooks-cmd-'));
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    const sim = await startSimulator({ port: 0, seed: 3 });
    try {
      await expect(webhooksCommand({ port, host: '127.0.0.1', ledger: join(dir, 'l.sqlite'), simulatorUrl: sim.url })).rejects.toMatchObject({ code: 'USAGE' });
    } finally {
      await new Promise((resolve) => taken.close(resolve));
      await sim.close();
    }
    const config = join(dir, 'bad.json');
    writeFileSync(config, '{"nope": 1}');
    // Port 9 (discard): the config is refused before anything is asked.
    const error = await webhooksCommand({ port: 0, host: '127.0.0.1', ledger: join(dir, 'l.sqlite'), config, simulatorUrl: 'http://127.0.0.1:9' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunError);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('on sandbox and live, refuses a ledger path where there is none, creating nothing', async () => {
    dir = mkdtempSync(join(tmpdir(), 'payout-webhooks-cmd-'));
    for (const target of ['sandbox', 'live'] as const) {
      await expect(webhooksCommand({ port: 0, host: '127.0.0.1', target, ledger: join(dir, 'l.sqlite') }, { out: () => {} })).rejects.toMatchObject({ code: 'LEDGER_MISSING' });
    }
    expect(existsSync(join(dir, 'l.sqlite'))).toBe(false);
  });
});
