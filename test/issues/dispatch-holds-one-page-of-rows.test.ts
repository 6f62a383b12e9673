import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateBatch } from '../../bench/generate-batch.ts';
import { runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from '../support/cli.ts';

// A paying `run` must work in bounded memory whatever the size of the batch: the ledger is the queue. The dispatch
// reads the batch's queued rows a page at a time (PAYOUT_BATCH_DISPATCH_PAGE_ROWS, 1,000 by default) and reads the
// next page only once the rows of the one before are done, so it never holds more than a page of rows (plus the rows
// an earlier run left in flight). The dispatcher counts the rows it holds; `run` logs the peak with the dispatch.
const ROWS = 1_200;
const PAGE = 100;

let sim: RecordingSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

interface LogRecord {
  event?: string;
  peak_held?: number;
  total?: number;
  done?: number;
}

const logOf = (out: string) =>
  readFileSync(join(out, 'run.log'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LogRecord);

describe('the dispatch of a paying run holds a page of rows, not the batch', () => {
  it(`pays ${ROWS} rows holding at most two pages of ${PAGE} at once, each exactly once`, async () => {
    sim = await startRecordingSimulator();
    const dir = tempDir();
    const file = join(dir, 'batch.csv');
    await generateBatch({ path: file, rows: ROWS, provider: 'openpay', prefix: 'HELD' });
    const out = join(dir, 'out');
    const result = await runCli(
      ['run', file, '--provider', 'openpay', '--simulator-url', sim.url, '--ledger', join(dir, 'ledger.sqlite'), '--concurrency', '8', '--out', out, '--format', 'csv', '--json'],
      { env: { PAYOUT_BATCH_DISPATCH_PAGE_ROWS: String(PAGE) } },
    );
    expect(result.code).toBe(0);
    expect(result.summary!.counts).toEqual({ pending: ROWS });

    const dispatched = logOf(out).find((r) => r.event === 'dispatched');
    expect(dispatched).toMatchObject({ total: ROWS, done: ROWS });
    // Every row went through the dispatcher, never more than two pages of them at a time (the page being paid and
    // the next, read from the ledger so the lanes never wait for a page's slowest rows).
    expect(dispatched!.peak_held).toBeGreaterThan(0);
    expect(dispatched!.peak_held).toBeLessThanOrEqual(2 * PAGE);
    expect(dispatched!.peak_held).toBeLessThan(ROWS);

    const journal = await sim.journal();
    expect(journal).toHaveLength(ROWS);
    expect(new Set(journal.map((p) => p.reference)).size).toBe(ROWS);
    expect(sim.moneyMoving()).toBe(ROWS);
  }, 180_000);

  it('rejects a page size that is not a positive integer before anything is sent', async () => {
    sim = await startRecordingSimulator();
    const dir = tempDir();
    const file = join(dir, 'batch.csv');
    await generateBatch({ path: file, rows: 3, provider: 'openpay', prefix: 'HELD0' });
    const result = await runCli(
      ['run', file, '--provider', 'openpay', '--simulator-url', sim.url, '--ledger', join(dir, 'ledger.sqlite'), '--out', join(dir, 'out'), '--format', 'csv', '--json'],
      { env: { PAYOUT_BATCH_DISPATCH_PAGE_ROWS: '0' } },
    );
    expect(result.code).toBe(64);
    expect(sim.moneyMoving()).toBe(0);
  }, 60_000);
});
