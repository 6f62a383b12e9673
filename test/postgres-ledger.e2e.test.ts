import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from './support/cli.ts';
import { createTestDatabase, queryDatabase as query, testPgServer, type TestDatabase } from './support/pg-database.ts';
import { PG_MIGRATIONS } from '../src/ledger/postgres/migrations.ts';

/** End to end on a PostgreSQL ledger: the real CLI, a real PostgreSQL database, real HTTP to the simulator. */
const server = testPgServer();
const sample = join(ROOT, 'samples/openpay-payouts.csv');
let sim: RecordingSimulator | undefined;
const databases: TestDatabase[] = [];
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  for (const db of databases.splice(0)) await db.drop();
});


const out = (dir: string) => join(dir, `out-${Math.random().toString(36).slice(2, 8)}`);
const run = (ledger: string, dir: string) =>
  runCli(['run', sample, '--provider', 'openpay', '--simulator-url', sim!.url, '--ledger', ledger, '--out', out(dir), '--format', 'csv', '--json']);

/** Journal entries per merchant reference: a payout paid twice shows up as a count above 1. */
async function paidTwice(): Promise<string[]> {
  const seen = new Map<string, number>();
  for (const e of await sim!.journal()) seen.set(String(e.reference), (seen.get(String(e.reference)) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([ref]) => ref);
}

describe.skipIf(server.url === undefined)(`payout-batch on a PostgreSQL ledger${server.skip ? ` (skipped: ${server.skip})` : ''}`, () => {
  it('run, sync and report share the ledger; the same file again pays nothing twice', async () => {
    const db = await createTestDatabase('e2e');
    databases.push(db);
    sim = await startRecordingSimulator();
    const dir = tempDir();

    const first = await run(db.url, dir);
    expect(first.code, first.stderr).toBe(2); // the sample's deliberately bad rows
    const batchId = first.summary!.batch_id as string;
    expect(sim.moneyMoving()).toBe(4);

    const sync = await runCli(['sync', '--batch', batchId, '--ledger', db.url, '--simulator-url', sim.url, '--out', out(dir), '--format', 'csv', '--json']);
    expect(sync.summary, sync.stderr).toMatchObject({ command: 'sync', ledger_path: db.url });

    const reportDir = out(dir);
    const report = await runCli(['report', '--batch', batchId, '--ledger', db.url, '--simulator-url', sim.url, '--out', reportDir, '--format', 'csv', '--json']);
    expect(report.summary, report.stderr).toMatchObject({ command: 'report', batch_id: batchId, exceptions: 0, not_compared: [] });
    const rows = parse(readFileSync(join(reportDir, 'results.csv'), 'utf8'), { columns: true, bom: true }) as Array<{ status: string }>;
    expect(rows.filter((r) => r.status === 'paid' || r.status === 'pending')).toHaveLength(4);

    const again = await run(db.url, dir);
    expect(again.code, again.stderr).toBe(2);
    expect(sim.moneyMoving()).toBe(4);
    expect(await paidTwice()).toEqual([]);
    expect((await sim.journal()).filter((e) => e.provider === 'openpay')).toHaveLength(4);
  });

  it('two runs started at the same instant on an empty database: one migration, both finish, nothing paid twice', async () => {
    const db = await createTestDatabase('race');
    databases.push(db);
    sim = await startRecordingSimulator();
    const dir = tempDir();
    const results = await Promise.all([run(db.url, dir), run(db.url, dir)]);
    for (const r of results) {
      // Either it paid the batch (2: the bad rows), or it found the batch held by the other and refused (1,
      // BATCH_LOCKED), or it came after and found the rows already paid (2).
      expect([1, 2], r.stderr).toContain(r.code);
      if (r.code === 1) expect(r.summary?.error?.code ?? r.stderr, r.stderr).toMatch(/BATCH_LOCKED|being dispatched by pid/);
    }
    expect(results.some((r) => r.code === 2)).toBe(true);
    const versions = await query<{ version: number }>(db.url, 'SELECT version FROM schema_version ORDER BY version');
    // Each version applied once, by whichever process took the advisory lock first.
    expect(versions.map((v) => v.version)).toEqual(PG_MIGRATIONS.map((_, i) => i + 1));
    expect(sim.moneyMoving()).toBe(4);
    expect(await paidTwice()).toEqual([]);
    const paid = await query<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM payout_rows WHERE status IN ('pending', 'paid')`);
    expect(paid[0]!.n).toBe(4);
  });
});
