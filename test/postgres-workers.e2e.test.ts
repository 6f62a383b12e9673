import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkExactlyOnce, type JournalEntry, type LedgerPayoutRow } from '../bench/exactly-once.ts';
import { generateBatch } from '../bench/generate-batch.ts';
import { PG_MIGRATIONS } from '../src/ledger/postgres/migrations.ts';
import { runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from './support/cli.ts';
import { createTestDatabase, queryDatabase as query, testPgServer, type TestDatabase } from './support/pg-database.ts';

/**
 * Cooperating workers end to end: several `run` processes on the same file and the same PostgreSQL ledger share one
 * batch (row leases), against the simulator over real HTTP with some latency, so every worker has rows in flight.
 */
const server = testPgServer();
let sim: RecordingSimulator | undefined;
const databases: TestDatabase[] = [];
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  for (const db of databases.splice(0)) await db.drop();
});


interface Setup {
  dir: string;
  file: string;
  config: string;
  rows: number;
}

async function setup(rows: number): Promise<Setup> {
  const dir = tempDir('payout-workers-');
  const file = join(dir, 'batch.csv');
  const config = join(dir, 'config.json');
  await generateBatch({ path: file, rows, provider: 'mixed', seed: 11, destinations: Math.ceil(rows / 3), prefix: 'W' });
  writeFileSync(config, JSON.stringify({ providers: Object.fromEntries(['openpay', 'conekta', 'digitalfemsa', 'zenrise'].map((p) => [p, { rate: 2000, concurrency: 4 }])) }));
  return { dir, file, config, rows };
}

let outs = 0;
function worker(s: Setup, ledger: string) {
  const out = join(s.dir, `out-${(outs += 1)}`);
  return runCli(['run', s.file, '--provider', 'openpay', '--simulator-url', sim!.url, '--ledger', ledger, '--config', s.config, '--out', out, '--format', 'csv', '--json']).then((r) => ({ ...r, out }));
}

/** The rows this worker paid or settled, from its log's `dispatched` event. */
function dispatchedBy(out: string): number {
  const log = readdirSync(out).includes('run.log') ? readFileSync(join(out, 'run.log'), 'utf8') : '';
  const line = log.split('\n').find((l) => l.includes('"event":"dispatched"'));
  return line ? (JSON.parse(line) as { rows: number }).rows : 0;
}

async function exactlyOnce(url: string, rows: number) {
  const journal = (await sim!.journal()) as unknown as JournalEntry[];
  const ledgerRows = await query<LedgerPayoutRow>(url, 'SELECT provider, order_key, status, amount_minor, provider_payout_id FROM payout_rows');
  return { ...checkExactlyOnce(journal, ledgerRows, rows), journal: journal.length };
}

describe.skipIf(server.url === undefined)(`several run workers on one PostgreSQL ledger${server.skip ? ` (skipped: ${server.skip})` : ''}`, () => {
  it('three workers share one batch: each pays part of it, every row once; run again, nothing more is paid', async () => {
    const db = await createTestDatabase('workers');
    databases.push(db);
    sim = await startRecordingSimulator({ faults: 'latency=20..60' });
    const s = await setup(180);

    const results = await Promise.all([worker(s, db.url), worker(s, db.url), worker(s, db.url)]);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const shares = results.map((r) => dispatchedBy(r.out));
    // Shared, not refused: more than one worker paid rows, and together they took every row (none twice: below).
    expect(shares.filter((n) => n > 0).length, `rows per worker: ${shares.join(', ')}`).toBeGreaterThan(1);
    expect(shares.reduce((a, b) => a + b, 0)).toBe(s.rows);

    const first = await exactlyOnce(db.url, s.rows);
    expect(first.problems).toEqual([]);
    expect(first).toMatchObject({ paidTwice: 0, lost: 0, paidOrPending: s.rows, journal: s.rows });
    expect(sim.moneyMoving()).toBeGreaterThanOrEqual(s.rows);
    const moneyMoving = sim.moneyMoving();

    const again = await Promise.all([worker(s, db.url), worker(s, db.url)]);
    for (const r of again) expect(r.code, r.stderr).toBe(0);
    expect(sim.moneyMoving()).toBe(moneyMoving);
    const second = await exactlyOnce(db.url, s.rows);
    expect(second).toMatchObject({ problems: [], paidTwice: 0, lost: 0, journal: s.rows });
  }, 180_000);

  it('two workers started at the same instant on an empty database: one migration, both pay, nothing twice', async () => {
    const db = await createTestDatabase('workers_race');
    databases.push(db);
    sim = await startRecordingSimulator({ faults: 'latency=20..60' });
    const s = await setup(120);

    const results = await Promise.all([worker(s, db.url), worker(s, db.url)]);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const versions = await query<{ version: number }>(db.url, 'SELECT version FROM schema_version ORDER BY version');
    expect(versions.map((v) => v.version)).toEqual(PG_MIGRATIONS.map((_, i) => i + 1));
    const shares = results.map((r) => dispatchedBy(r.out));
    expect(shares.every((n) => n > 0), `rows per worker: ${shares.join(', ')}`).toBe(true);
    expect(shares.reduce((a, b) => a + b, 0)).toBe(s.rows);
    // One batch, its rows written once.
    expect(await query<{ n: string }>(db.url, 'SELECT count(*) AS n FROM batches')).toEqual([{ n: '1' }]);
    expect(await exactlyOnce(db.url, s.rows)).toMatchObject({ problems: [], paidTwice: 0, lost: 0, paidOrPending: s.rows, journal: s.rows });
  }, 120_000);
});
