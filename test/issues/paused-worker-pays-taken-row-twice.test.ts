import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderId } from '../../src/domain/provider-id.ts';
import { openPostgresLedger } from '../../src/ledger/postgres/open-postgres-ledger.ts';
import type { PostgresLedger } from '../../src/ledger/postgres/postgres-ledger.ts';
import { openBatchInput, queuedRow } from '../../src/ledger/test-support/fixtures.ts';
import { startTestSimulator, journal } from '../../src/providers/test-support/simulator.ts';
import type { RunningSimulator } from '../../src/simulator/index.ts';
import { instructionFromRow } from '../../src/dispatch/instruction-from-row.ts';
import { getProvider } from '../../src/providers/registry.ts';
import { payClaimedRows, simulatorSession } from '../support/lease-worker.ts';
import { createTestDatabase, testPgServer, type TestDatabase } from '../support/pg-database.ts';

/**
 * The partition case of the crash test, made deterministic. Two workers share a batch on PostgreSQL. Worker A marks a
 * row `sending` and is stopped (SIGSTOP) while its money-moving request waits for its rate-limit grant — after the
 * checks made when the provider call began. Its lease runs out; worker B claims the row, finds no payout at the
 * provider, and pays it. A is resumed (SIGCONT). A's request must not leave: the row is B's, and the provider (Conekta,
 * Digital FEMSA: no idempotency key) would pay it a second time. Before the fix A sent it, and the row was paid twice.
 */
const server = testPgServer();
const CHILD = join(import.meta.dirname, '..', 'support', 'paused-worker.ts');
/** A's lease: short, so that B may take the row soon after A stops. */
const LEASE_MS = 1000;
const TIMEOUT_MS = 1000;
/** The request timeout of the workers in the slow-arrival case: ample margin around the payout landing at 400 ms. */
const SLOW_TIMEOUT_MS = 2000;

interface ChildReport {
  stopped: boolean;
  progress: { done: number; paidOrPending: number };
  leaseLost: Array<{ rowId: number; code: string | undefined }>;
}

describe.skipIf(server.url === undefined)(`a worker paused before its request leaves${server.skip ? ` (skipped: ${server.skip})` : ''}`, () => {
  let db: TestDatabase;
  let sim: RunningSimulator;
  const stores: PostgresLedger[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('paused_worker');
    sim = await startTestSimulator({ port: 5340 });
  });
  afterAll(async () => {
    for (const store of stores.splice(0)) await store.close();
    await sim?.close();
    await db?.drop();
  });

  const cases: Array<{ provider: ProviderId; row: (n: number) => ReturnType<typeof queuedRow> }> = [
    {
      provider: 'conekta',
      row: (n) => queuedRow(2, `PW-conekta-${n}`, 125_000, { account: { kind: 'clabe', number: '012298026516924616', bankCode: '012' } }),
    },
    {
      provider: 'digitalfemsa',
      row: (n) => queuedRow(2, `PW-femsa-${n}`, 90_000, { account: { kind: 'cash_out', email: `payee${n}@example.com` }, email: `payee${n}@example.com` }),
    },
  ];

  it.each(cases)(
    '$provider: the resumed worker sends nothing for the row it lost, and the row is paid once',
    async ({ provider, row }) => {
      const setup = await openPostgresLedger(db.url);
      stores.push(setup);
      const { batch } = await setup.openBatch(openBatchInput(`paused-${provider}`, provider, 1));
      const input = row(1);
      await setup.insertRows(batch.id, [input]);
      await setup.markBatchPlanned(batch.id);

      // Worker A: a process of its own, so that SIGSTOP freezes it whole (its lease heartbeat included).
      const child = spawn(process.execPath, ['--import', 'tsx', CHILD, db.url, sim.url, batch.id, provider, String(LEASE_MS), String(TIMEOUT_MS)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('paused\n')) resolve();
        });
        void exited.then((code) => reject(new Error(`worker A exited ${code} before pausing: ${err}`)));
      });

      // Worker B (this process): waits for A's lease to run out, takes the row over, settles it by lookup and pays it.
      const b = await openPostgresLedger(db.url, { rowLeaseMs: 60_000 });
      stores.push(b);
      const paidByB = await payClaimedRows({ store: b, batchId: batch.id, provider, simUrl: sim.url, timeoutMs: TIMEOUT_MS });
      expect(paidByB.result.progress).toMatchObject({ done: 1, paidOrPending: 1 });
      const ofRow = async () => (await journal(sim, provider)).filter((p) => p.amount_cents === input.amountMinor);
      expect(await ofRow()).toHaveLength(1);

      // A resumes: its request must not leave.
      child.kill('SIGCONT');
      expect(await exited, err).toBe(0);
      const report = JSON.parse(out.split('\n').find((l) => l.startsWith('{')) ?? '{}') as ChildReport;
      expect(report.stopped).toBe(true);
      // Paid once: B's payout only.
      const payouts = await ofRow();
      expect(payouts.map((p) => p.amount_cents)).toEqual([input.amountMinor]);
      // A's send was refused by the fence (nothing paid by A), and A reports the row lost to another worker.
      expect(report.progress.paidOrPending).toBe(0);
      expect(report.leaseLost.map((l) => l.code)).toEqual(['LEASE_LOST']);
      const ledgerRow = await setup.getRowByNumber(batch.id, 2);
      expect(ledgerRow).toMatchObject({ status: expect.stringMatching(/^(pending|paid)$/), providerPayoutId: payouts[0]!.provider_id });
    },
    60_000,
  );

  it('the worker that takes a row over does not trust the provider\'s "absent" before the old worker\'s last request can have arrived', async () => {
    // Worker A marks the row sending and its request leaves, just before A's lease ends; the provider is slow to
    // take it in (it lands 400 ms after the lease ended, within the 2 s request timeout). Worker B takes the row over
    // at once: a lookup then finds nothing — too early to mean "not paid".
    const a = await openPostgresLedger(db.url, { rowLeaseMs: 60_000 });
    stores.push(a);
    const { batch } = await a.openBatch(openBatchInput('slow-arrival', 'conekta', 1));
    const input = queuedRow(2, 'PW-slow-1', 70_000, { account: { kind: 'clabe', number: '012298026516924616', bankCode: '012' } });
    await a.insertRows(batch.id, [input]);
    await a.markBatchPlanned(batch.id);
    const [claimed] = await a.claimRows(batch.id, 1);
    const session = simulatorSession('conekta', sim.url, SLOW_TIMEOUT_MS);
    const conekta = getProvider('conekta');
    const instruction = instructionFromRow(claimed!)!;
    const { recipientId } = await conekta.recipient!.create(session, instruction);
    await a.markSending([{ rowId: claimed!.id, requestKey: instruction.requestKey, recipientId }]);
    // B is open before A's lease ends, so that it claims the row at once.
    const b = await openPostgresLedger(db.url, { rowLeaseMs: 60_000 });
    stores.push(b);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query('UPDATE payout_rows SET lease_until = now() WHERE id = $1', [claimed!.id]);
    } finally {
      await client.end();
    }

    const paying = payClaimedRows({ store: b, batchId: batch.id, provider: 'conekta', simUrl: sim.url, timeoutMs: SLOW_TIMEOUT_MS });
    await sleep(400);
    const lateArrival = await conekta.createPayout(session, { ...instruction, recipientId });
    const byB = await paying;

    // B found A's payout and took its state: nothing sent again.
    expect(byB.result.progress).toMatchObject({ done: 1, paidOrPending: 1 });
    const payouts = await journal(sim, 'conekta');
    expect(payouts.filter((p) => p.amount_cents === input.amountMinor).map((p) => p.provider_id)).toEqual([lateArrival.payoutId]);
    expect(await b.getRowByNumber(batch.id, 2)).toMatchObject({ status: expect.stringMatching(/^(pending|paid)$/), providerPayoutId: lateArrival.payoutId });
  }, 30_000);
});
