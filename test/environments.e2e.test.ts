import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLedger } from '../src/ledger/open-ledger.ts';
import { ROW_STATUSES } from '../src/domain/row-status.ts';
import { SIMULATOR_CREDENTIALS } from '../src/simulator/credentials.ts';
import { eventLedgerFor, followPayoutEvent } from '../src/webhooks/follow-payout-event.ts';
import { ROOT, runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from './support/cli.ts';

/**
 * One ledger shared by a rehearsal on the simulator and live runs: `sync`, `report` and the webhook follow-up of one
 * target never touch, ask about or count the batches of another, and say so. Real CLI, a real ledger file, two
 * simulators over HTTP (one stands for live, reached through a loopback base URL).
 */
let sims: RecordingSimulator[] = [];
afterEach(async () => {
  await Promise.all(sims.map((s) => s.close()));
  sims = [];
});

const FILE = join(ROOT, 'samples/openpay-payouts.csv');

async function setup() {
  const rehearsal = await startRecordingSimulator();
  const live = await startRecordingSimulator();
  sims.push(rehearsal, live);
  const dir = tempDir();
  const ledger = join(dir, 'shared-ledger.sqlite');
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ providers: { openpay: { baseUrl: { live: `${live.url}/openpay` } } } }));
  const env = {
    OPENPAY_MERCHANT_ID: SIMULATOR_CREDENTIALS.openpay.merchantId,
    OPENPAY_PRIVATE_KEY: SIMULATOR_CREDENTIALS.openpay.privateKey,
    XDG_CONFIG_HOME: join(dir, 'xdg'),
  };
  let n = 0;
  const out = () => join(dir, `out-${(n += 1)}`);
  const liveArgs = ['--target', 'live', '--config', config, '--ledger', ledger, '--json'];
  const rehearsed = await runCli(['run', FILE, '--provider', 'openpay', '--ledger', ledger, '--simulator-url', rehearsal.url, '--format', 'csv', '--json', '--out', out()], { env });
  expect(rehearsed.code).toBe(2); // the sample holds deliberately bad rows
  const simBatch = rehearsed.summary!.batch_id as string;
  return {
    rehearsal,
    live,
    ledger,
    simBatch,
    liveRequests: () => live.requests.filter((r) => r.provider === 'openpay').length,
    payLive: () => runCli(['run', FILE, '--provider', 'openpay', '--yes', '--new-ledger', '--format', 'csv', '--out', out(), ...liveArgs], { env }),
    sync: (extra: string[]) => runCli(['sync', ...liveArgs, '--format', 'csv', '--out', out(), ...extra], { env }),
    report: (extra: string[]) => runCli(['report', ...liveArgs, '--format', 'csv', '--out', out(), ...extra], { env }),
  };
}

describe('commands of one target on a ledger that also holds another target’s batches', () => {
  it('sync --target live on the rehearsal’s batch refuses, naming where it was paid, and asks the live provider nothing', async () => {
    const s = await setup();
    const before = s.liveRequests();
    const synced = await s.sync(['--batch', s.simBatch]);
    expect(synced.code).toBe(1);
    expect(synced.summary!.error.code).toBe('BATCH_OF_OTHER_ENVIRONMENT');
    expect(synced.summary!.error.message).toContain('was paid on simulator, not live');
    expect(s.liveRequests()).toBe(before);
  });

  it('sync --target live with no live batch says the ledger holds only other environments’ batches', async () => {
    const s = await setup();
    const synced = await s.sync([]);
    expect(synced.code).toBe(64);
    expect(synced.summary!.error.message).toMatch(/has no live batch to sync \(1 simulator batch\(es\) of other environments\)/);
    expect(s.liveRequests()).toBe(0);
  });

  it('report --target live on the rehearsal’s batch refuses with the same code', async () => {
    const s = await setup();
    const reported = await s.report(['--batch', s.simBatch]);
    expect(reported.code).toBe(1);
    expect(reported.summary!.error.code).toBe('BATCH_OF_OTHER_ENVIRONMENT');
    expect(reported.summary!.error.message).toContain('was paid on simulator, not live');
    expect(s.liveRequests()).toBe(0);
  });

  it('sync --all and report of live cover the live batch only and warn about the rehearsal left out', async () => {
    const s = await setup();
    const paid = await s.payLive();
    expect(paid.code).toBe(2);
    const liveBatch = paid.summary!.batch_id as string;
    expect(liveBatch).not.toBe(s.simBatch);
    const rehearsalRequests = s.rehearsal.requests.length;

    const synced = await s.sync(['--all']);
    expect(synced.summary!.batch_id).toBe(liveBatch);
    expect(synced.summary!.warnings.join('\n')).toContain('only live batches were synced; the ledger also holds 1 simulator batch(es) of other environments, left as they are');
    expect(s.rehearsal.requests.length).toBe(rehearsalRequests);

    const reported = await s.report(['--all']);
    expect(reported.summary!.scope).not.toContain(s.simBatch);
    expect(reported.summary!.warnings.join('\n')).toContain('only live batches are reported; the ledger also holds 1 simulator batch(es) of other environments, left out');
    expect(s.rehearsal.requests.length).toBe(rehearsalRequests);
  });

  it('an event about a rehearsal payout, received by the live webhooks, is not a payout of theirs: nothing fetched, nothing moved', async () => {
    const s = await setup();
    const ledger = await openLedger(s.ledger);
    try {
      const rows = [];
      for await (const row of ledger.rowsByStatus(s.simBatch, ROW_STATUSES)) if (row.providerPayoutId) rows.push(row);
      expect(rows.length).toBeGreaterThan(0);
      let fetched = 0;
      for (const row of rows) {
        const outcome = await followPayoutEvent(eventLedgerFor(ledger, 'live'), async () => {
          fetched += 1;
          throw new Error('not to be asked');
        }, { provider: 'openpay', payoutId: row.providerPayoutId!, state: 'failed', providerStatus: 'failed', type: 'payout.failed', reference: row.orderKey });
        expect(outcome.kind).toBe('unknown_payout');
        // The simulator's own receiver does follow it.
        const own = await followPayoutEvent(eventLedgerFor(ledger, 'simulator'), async () => {
          throw new Error('provider down');
        }, { provider: 'openpay', payoutId: row.providerPayoutId!, state: 'failed', providerStatus: 'failed', type: 'payout.failed', reference: row.orderKey });
        expect(own.kind).toBe('provider_unavailable');
      }
      expect(fetched).toBe(0);
      const after = [];
      for await (const row of ledger.rowsByStatus(s.simBatch, ROW_STATUSES)) if (row.providerPayoutId) after.push(row.status);
      expect(after).toEqual(rows.map((r) => r.status));
    } finally {
      await ledger.close();
    }
  });
});
