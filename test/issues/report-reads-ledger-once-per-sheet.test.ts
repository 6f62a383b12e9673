import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { buildReportLedger } from '../../bench/report-ledger.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import type { LedgerRow, LedgerStore } from '../../src/ledger/ledger-store.ts';
import { openLedger } from '../../src/ledger/open-ledger.ts';
import { RECONCILIATION_XLSX, STATEMENT_CSV, writeReports } from '../../src/report/write-reports.ts';
import { readFileSync } from 'node:fs';

/**
 * A report of a large batch read the whole batch once for every detail sheet of reconciliation.xlsx (seven reads of
 * a million rows) and held every statement line as objects, so a 1M-row report did not finish. The sheets now read
 * their own statuses through the ledger's batch + status index, one read of the scope in all, and the statement
 * keeps its movements in columns.
 */
const dir = mkdtempSync(join(tmpdir(), 'report-reads-once-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The store, counting the rows each read hands out. */
function counting(ledger: LedgerStore): { ledger: LedgerStore; read: () => number } {
  let read = 0;
  const wrap = (rows: AsyncIterableIterator<LedgerRow>) =>
    (async function* () {
      for await (const row of rows) {
        read += 1;
        yield row;
      }
    })();
  const proxy = new Proxy(ledger, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (key === 'rowsForReport' || key === 'rowsByStatus') return (...args: unknown[]) => wrap((value as (...a: unknown[]) => AsyncIterableIterator<LedgerRow>).apply(target, args));
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { ledger: proxy, read: () => read };
}

it('writes the reconciliation of a batch reading each row at most twice, every sheet complete', { timeout: 120_000 }, async () => {
  const rows = 3000;
  const path = join(dir, 'ledger.sqlite');
  const { batchId, counts } = buildReportLedger(path, rows);
  const store = await openLedger(path, { create: false });
  const { ledger, read } = counting(store);
  const out = join(dir, 'out');
  try {
    const config = loadConfig({ target: 'simulator', env: {} }).config;
    await writeReports({ ledger, scope: { batchId }, environment: 'simulator', outDir: out, format: 'both', config, notComparedReason: 'test', lang: 'en', now: () => new Date('2026-03-03T00:00:00Z') });
  } finally {
    await store.close();
  }
  // One pass for the totals and the statement, one for the detail sheets together.
  expect(read()).toBeLessThanOrEqual(2 * rows);

  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(join(out, RECONCILIATION_XLSX));
  const lines = (name: string) => workbook.getWorksheet(name)!.actualRowCount - 1;
  expect(lines('Paid')).toBe(counts.paid);
  expect(lines('Pending')).toBe(counts.pending);
  expect(lines('Failed')).toBe(counts.failed);
  expect(lines('Unknown')).toBe(counts.unknown! + counts.sending!);
  expect(lines('Not sent')).toBe(counts.not_sent);
  expect(lines('Invalid')).toBe(counts.invalid);
  expect(lines('Duplicates & conflicts')).toBe(counts.duplicate);
  // Rows in row order within a sheet, though a sheet of two statuses reads them status by status.
  const unknownRows = workbook.getWorksheet('Unknown')!.getColumn(1).values.slice(2).map(Number);
  expect(unknownRows).toEqual([...unknownRows].sort((a, b) => a - b));

  // The statement: one payout line per accepted payout, one return per failed one, in time order.
  const statement = readFileSync(join(out, STATEMENT_CSV), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  const payouts = statement.filter((l) => l[2] === 'payout');
  const returns = statement.filter((l) => l[2] === 'return');
  expect(payouts).toHaveLength(counts.paid! + counts.pending! + counts.failed!);
  expect(returns).toHaveLength(counts.failed!);
  const times = [...payouts, ...returns].map((l) => l[3]!);
  expect(statement.filter((l) => l[2] === 'payout' || l[2] === 'return').map((l) => l[3]!)).toEqual(times.sort());
});
