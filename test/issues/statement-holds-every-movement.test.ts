import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { buildReportLedger } from '../../bench/report-ledger.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import type { LedgerStore } from '../../src/ledger/ledger-store.ts';
import { openLedger } from '../../src/ledger/open-ledger.ts';
import { LINES_PER_READ } from '../../src/report/statement.ts';
import { STATEMENT_CSV, writeReports } from '../../src/report/write-reports.ts';

/**
 * The end of a run (and `report`) put every movement of the batch in time order before writing the statement's
 * first line, and kept each movement's texts (order id, beneficiary, payout id) for the whole statement: a
 * million-row batch held a few hundred MB of them at the end of the run, where the dispatch held a page of rows.
 * The statement now keeps each movement's numbers only (row id, amount, times, status) and reads its lines' texts
 * back from the ledger a page of lines at a time, as it writes them.
 */
const dir = mkdtempSync(join(tmpdir(), 'statement-holds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The store, recording how many rows each rowsOfIds call hands out. */
function counting(ledger: LedgerStore): { ledger: LedgerStore; reads: number[] } {
  const reads: number[] = [];
  const proxy = new Proxy(ledger, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (key === 'rowsOfIds') {
        return async (ids: readonly number[]) => {
          const rows = await target.rowsOfIds(ids);
          reads.push(rows.size);
          return rows;
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { ledger: proxy, reads };
}

it('writes the statement of a batch holding the texts of one page of lines at a time, every line complete', { timeout: 120_000 }, async () => {
  const rows = 4000;
  const path = join(dir, 'ledger.sqlite');
  const { batchId, counts } = buildReportLedger(path, rows);
  const store = await openLedger(path, { create: false });
  const { ledger, reads } = counting(store);
  const out = join(dir, 'out');
  try {
    const config = loadConfig({ target: 'simulator', env: {} }).config;
    await writeReports({ ledger, scope: { batchId }, environment: 'simulator', outDir: out, format: 'csv', config, notComparedReason: 'test', lang: 'en', now: () => new Date('2026-03-03T00:00:00Z') });
  } finally {
    await store.close();
  }
  const statement = readFileSync(join(out, STATEMENT_CSV), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  const lines = statement.filter((l) => l[2] === 'payout' || l[2] === 'return');
  const movements = counts.paid! + counts.pending! + counts.failed!;
  expect(lines).toHaveLength(movements + counts.failed!);
  // Each line's texts were read back with its page: never more rows at once than a page of lines names.
  expect(reads.length).toBeGreaterThanOrEqual(Math.ceil(lines.length / LINES_PER_READ));
  expect(Math.max(...reads)).toBeLessThanOrEqual(LINES_PER_READ);
  // One read per row and page: a payout and its return on the same page read their row once.
  expect(reads.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(lines.length);
  // And they are the rows' own: order id and payout id on every line.
  for (const l of lines) {
    expect(l[4]).toMatch(/\S/);
    expect(l[13]).toMatch(/\S/);
  }
});
