import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ROOT, runCli, startRecordingSimulator, tempDir as makeTempDir, type RecordingSimulator } from './support/cli.ts';
import { createTestDatabase, testPgServer, type TestDatabase } from './support/pg-database.ts';

const server = testPgServer();
const databases: TestDatabase[] = [];

/** End to end: `payout-batch batches` and `payout-batch status` after several runs, on a SQLite and a PostgreSQL ledger. */

const made: string[] = [];
const tempDir = (): string => {
  const dir = makeTempDir('batches-e2e-');
  made.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
let sim: RecordingSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  for (const db of databases.splice(0)) await db.drop();
});

async function scenario(ledger: string) {
  sim = await startRecordingSimulator();
  const dir = tempDir();
  const run = (file: string, extra: string[]) =>
    runCli(['run', join(ROOT, file), '--simulator-url', sim!.url, '--ledger', ledger, '--out', join(dir, `out-${Math.random().toString(36).slice(2, 8)}`), '--format', 'csv', '--json', ...extra]);
  const openpay = await run('samples/openpay-payouts.csv', ['--provider', 'openpay', '--operator', 'ana.ruiz']);
  expect(openpay.code).toBe(2);
  const mixed = await run('test/fixtures/validate/providers-column.csv', ['--provider', 'openpay', '--operator', 'luis']);
  expect(mixed.summary?.batch_id).toBeDefined();

  const listed = await runCli(['batches', '--ledger', ledger, '--json']);
  expect(listed.code).toBe(0);
  const batches = listed.summary!.batches as Array<Record<string, any>>;
  expect(batches.map((b) => b.id)).toEqual([mixed.summary!.batch_id, openpay.summary!.batch_id]);
  expect(batches[1]).toMatchObject({
    file_name: 'openpay-payouts.csv',
    provider: 'openpay',
    providers: ['openpay'],
    environment: 'simulator',
    state: 'finished',
    operator: 'ana.ruiz',
    counts: openpay.summary!.counts,
  });
  expect(batches[1]!.totals).toEqual(openpay.summary!.totals.map((t: Record<string, unknown>) => ({ status: t.status, currency: t.currency, count: t.count, amount: t.amount, amount_minor: t.amount_minor })));
  expect(batches[0]).toMatchObject({ provider: 'mixed', providers: ['conekta', 'digitalfemsa', 'openpay', 'zenrise'], operator: 'luis' });

  // --since after both: none.
  const none = await runCli(['batches', '--ledger', ledger, '--json', '--since', '2999-01-01']);
  expect(none.summary!.batches).toEqual([]);
  const text = await runCli(['batches', '--ledger', ledger]);
  expect(text.stdout).toMatch(new RegExp(`^${openpay.summary!.batch_id}\\s+openpay-payouts\\.csv\\s+openpay\\s+simulator\\s.*finished\\s+ana\\.ruiz`, 'm'));

  // A batch's rows by state; the id may be shortened.
  const byBatch = await runCli(['status', String(openpay.summary!.batch_id).slice(0, 8), '--ledger', ledger, '--json']);
  expect(byBatch.code).toBe(0);
  expect(byBatch.summary).toMatchObject({ kind: 'batch', batch: { id: openpay.summary!.batch_id } });
  const states = byBatch.summary!.rows_by_status as Record<string, { count: number; rows: Array<Record<string, unknown>> }>;
  expect(Object.fromEntries(Object.entries(states).map(([s, v]) => [s, v.count]))).toEqual(openpay.summary!.counts);
  expect(states.pending!.rows[0]).toMatchObject({ row: 2, order_id: 'OP-2026-0001', provider: 'openpay', attempts: 1 });
  expect(states.pending!.rows[0]!.provider_id).toEqual(expect.any(String));

  // One payout's history: the row that carried the order_id, each transition with attempt and provider status.
  const payout = await runCli(['status', 'OP-2026-0001', '--ledger', ledger, '--json']);
  expect(payout.summary).toMatchObject({ kind: 'payout', order_id: 'OP-2026-0001' });
  const [row] = payout.summary!.rows as Array<Record<string, any>>;
  expect(row).toMatchObject({ batch_id: openpay.summary!.batch_id, status: 'pending', provider_id: states.pending!.rows[0]!.provider_id });
  expect(row!.history.map((h: Record<string, unknown>) => [h.from, h.to, h.attempt])).toEqual([[null, 'queued', 0], ['queued', 'sending', 1], ['sending', 'pending', 1]]);
  expect(row!.history.at(-1).provider_status).toEqual(expect.any(String));

  // PC-1 sits in the mixed batch twice (two rows, a conflict): both are shown.
  const twice = await runCli(['status', 'PC-1', '--ledger', ledger, '--json']);
  expect((twice.summary!.rows as unknown[]).length).toBe(2);
  // The row naming an unknown provider belongs to none.
  const unknown = await runCli(['status', 'PC-6', '--ledger', ledger, '--json']);
  expect(unknown.summary!.rows[0]).toMatchObject({ provider: null, error_code: 'PROVIDER_UNKNOWN' });

  const missing = await runCli(['status', 'NO-SUCH-ORDER', '--ledger', ledger, '--json']);
  expect(missing.code).toBe(1);
  expect(missing.summary!.error.code).toBe('NOT_FOUND');
}

describe('payout-batch batches and status', { timeout: 120_000 }, () => {
  it('after several runs, on a SQLite ledger', async () => {
    await scenario(join(tempDir(), 'ledger.sqlite'));
  });

  it.skipIf(server.url === undefined)(`after several runs, on a PostgreSQL ledger${server.skip ? ` (skipped: ${server.skip})` : ''}`, async () => {
    const db = await createTestDatabase('batches');
    databases.push(db);
    await scenario(db.url);
  });
});
