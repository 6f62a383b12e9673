import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from './support/cli.ts';

/**
 * End to end: `run` plans and writes the file in chunks (PAYOUT_BATCH_PLAN_CHUNK_ROWS, 5,000 by default). A file of
 * more rows than one chunk must give the same results as one chunk, and a run killed between two chunks must leave a
 * batch that the next run completes, every row written once and nothing paid twice.
 */
const sims: RecordingSimulator[] = [];
afterEach(async () => {
  for (const s of sims.splice(0)) await s.close();
});

const results = (dir: string) => parse(readFileSync(join(dir, 'results.csv'), 'utf8'), { columns: true, bom: true }) as Array<Record<string, string>>;
/** What does not depend on the run: the provider's ids and the times differ between two simulators. */
const stable = (rows: Array<Record<string, string>>) => rows.map(({ provider_id: _id, updated_at: _at, ...rest }) => rest);

// Row numbers as in a spreadsheet (header = 1). 10 rows; with 3 per chunk, row 2 and row 10 sit three chunks apart.
const TEN_ROWS = [
  'order_id,clabe,nombre,monto',
  'CH-1,012180001183597198,Uno,100.00', // row 2: a later row (10) reuses its order_id with another amount → conflict
  'CH-2,002180001234567896,Dos,200.00',
  'CH-3,646180109400135624,Tres,300.00', // row 4: repeated identically by row 7 → row 7 duplicate
  'CH-4,072180009876543213,Cuatro,abc', // row 5: invalid amount
  'OLD-1,012180001183597198,Viejo,50.00', // row 6: paid by an earlier batch → duplicate
  'CH-3,646180109400135624,Tres,300.00',
  'OLD-2,002180001234567896,Viejo,99.00', // row 8: earlier batch paid 60.00 → conflict
  'CH-5,646180109400135624,Cinco,500.00',
  'CH-1,012180001183597198,Uno,111.00',
  'CH-6,072180009876543213,Seis,600.00',
].join('\n');
const EARLIER = ['order_id,clabe,nombre,monto', 'OLD-1,012180001183597198,Viejo,50.00', 'OLD-2,002180001234567896,Viejo,60.00'].join('\n');
const EXPECTED_STATUS = ['conflict', 'pending', 'pending', 'invalid', 'duplicate', 'duplicate', 'conflict', 'pending', 'conflict', 'pending'];

async function runWithChunks(chunkRows: string, extra: string[] = []) {
  const sim = await startRecordingSimulator({ seed: 3 });
  sims.push(sim);
  const dir = tempDir();
  const earlier = join(dir, 'earlier.csv');
  const file = join(dir, 'ten.csv');
  writeFileSync(earlier, EARLIER);
  writeFileSync(file, TEN_ROWS);
  const base = ['--provider', 'openpay', '--simulator-url', sim.url, '--ledger', join(dir, 'ledger.sqlite'), '--format', 'csv', '--json'];
  const env = { PAYOUT_BATCH_PLAN_CHUNK_ROWS: chunkRows };
  const first = await runCli(['run', earlier, ...base, '--out', join(dir, 'o0')], { env });
  expect(first.code).toBe(0);
  const result = await runCli(['run', file, ...base, '--out', join(dir, 'o1'), ...extra], { env });
  return { sim, dir, result, rows: results(join(dir, 'o1')) };
}

describe('run in chunks', () => {
  it('a file of more rows than one chunk gives the same results, plan and payouts as one chunk', async () => {
    const chunked = await runWithChunks('3');
    const whole = await runWithChunks('5000');
    expect(chunked.result.code).toBe(2);
    expect(whole.result.code).toBe(2);
    expect(chunked.rows.map((r) => r.status)).toEqual(EXPECTED_STATUS);
    expect(chunked.rows.find((r) => r.row === '2')!.error_code).toBe('CONFLICTING_ORDER_ID');
    expect(chunked.rows.find((r) => r.row === '7')!.error_code).toBe('DUPLICATE_ORDER_ID');
    expect(stable(chunked.rows)).toEqual(stable(whole.rows));
    expect(chunked.result.summary!.counts).toEqual(whole.result.summary!.counts);
    expect(chunked.result.summary!.plan).toEqual(whole.result.summary!.plan);
    expect(chunked.result.stderr.split('\n')[0]).toBe(whole.result.stderr.split('\n')[0]);
    // 2 earlier payouts + 4 of this file, each once.
    const journal = await chunked.sim.journal();
    expect(journal.map((e) => e.reference).sort()).toEqual(['CH-2', 'CH-3', 'CH-5', 'CH-6', 'OLD-1', 'OLD-2']);
  }, 120_000);

  it('a dry run in chunks gives the same verdicts as one chunk and writes nothing to the ledger', async () => {
    const chunked = await runWithChunks('3', ['--dry-run']);
    const whole = await runWithChunks('5000', ['--dry-run']);
    expect(chunked.result.code).toBe(2);
    expect(chunked.rows.map((r) => r.status)).toEqual(EXPECTED_STATUS.map((s) => (s === 'pending' ? 'queued' : s)));
    expect(stable(chunked.rows)).toEqual(stable(whole.rows));
    expect(chunked.result.summary!.counts).toEqual(whole.result.summary!.counts);
    expect(chunked.result.summary!.plan).toEqual(whole.result.summary!.plan);
    const db = new Database(join(chunked.dir, 'ledger.sqlite'), { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) AS n FROM batches').get()).toEqual({ n: 1 }); // the earlier batch only
    } finally {
      db.close();
    }
    expect((await chunked.sim.journal()).map((e) => e.reference).sort()).toEqual(['OLD-1', 'OLD-2']);
  }, 120_000);

  it('a run killed between two chunks leaves a batch that is never dispatched half planned; the re-run writes every row once and pays each once', async () => {
    const sim = await startRecordingSimulator({ seed: 4 });
    sims.push(sim);
    const dir = tempDir();
    const file = join(dir, 'many.csv');
    const ledgerPath = join(dir, 'ledger.sqlite');
    const lines = ['order_id,clabe,nombre,monto'];
    for (let i = 0; i < 3000; i++) lines.push(`KIL-${i},646180109400135624,Persona ${i},${10 + (i % 90)}.00`);
    writeFileSync(file, lines.join('\n'));
    const args = (out: string) => ['run', file, '--provider', 'openpay', '--simulator-url', sim.url, '--ledger', ledgerPath, '--out', join(dir, out), '--format', 'csv', '--json'];

    // Killed as soon as some chunks are committed and planning is not complete.
    let seenPartial: { rows: number; planned: string | null } | undefined;
    const first = await runCli(args('o1'), {
      env: { PAYOUT_BATCH_PLAN_CHUNK_ROWS: '10' },
      onSpawn: (kill) => {
        const poll = () => {
          try {
            const db = new Database(ledgerPath, { readonly: true, fileMustExist: true });
            try {
              const rows = (db.prepare('SELECT count(*) AS n FROM payout_rows').get() as { n: number }).n;
              const batch = db.prepare('SELECT planned_at FROM batches').get() as { planned_at: string | null } | undefined;
              if (rows > 0 && batch && batch.planned_at === null) {
                seenPartial = { rows, planned: batch.planned_at };
                kill('SIGKILL');
                return;
              }
            } finally {
              db.close();
            }
          } catch {
            // Not created yet, or being migrated.
          }
          setTimeout(poll, 5);
        };
        poll();
      },
    });
    expect(first.code).toBeNull();
    expect(seenPartial).toBeDefined();
    expect(seenPartial!.rows).toBeLessThan(3000);
    expect(sim.moneyMoving()).toBe(0);
    {
      const db = new Database(ledgerPath, { readonly: true });
      try {
        const batch = db.prepare('SELECT status, planned_at FROM batches').get() as { status: string; planned_at: string | null };
        expect(batch).toEqual({ status: 'planned', planned_at: null });
        expect((db.prepare('SELECT count(*) AS n FROM payout_rows').get() as { n: number }).n).toBeLessThan(3000);
      } finally {
        db.close();
      }
    }

    const second = await runCli(args('o2'), { env: { PAYOUT_BATCH_PLAN_CHUNK_ROWS: '10' } });
    expect(second.code).toBe(0);
    expect(second.summary!.counts).toEqual({ pending: 3000 });
    const rows = results(join(dir, 'o2'));
    expect(rows).toHaveLength(3000);
    expect(new Set(rows.map((r) => r.row)).size).toBe(3000);
    const db = new Database(ledgerPath, { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) AS n, count(DISTINCT row_number) AS distinct_rows FROM payout_rows').get()).toEqual({ n: 3000, distinct_rows: 3000 });
      expect((db.prepare('SELECT planned_at FROM batches').get() as { planned_at: string | null }).planned_at).not.toBeNull();
    } finally {
      db.close();
    }
    const journal = await sim.journal();
    expect(journal).toHaveLength(3000);
    expect(new Set(journal.map((e) => e.reference)).size).toBe(3000);
  }, 180_000);
});
