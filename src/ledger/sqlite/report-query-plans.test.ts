import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReportLedger } from '../../../bench/report-ledger.ts';
import type { SqliteContext } from './context.ts';
import { openSqliteLedger } from './open-sqlite-ledger.ts';
import { historyOfRows, rowsByStatus } from './queries.ts';
import { prepareStatements } from './statements.ts';

/**
 * The query plans of what `report` (and sync's results) read, on a real ledger file as the product leaves it
 * (opened, migrated and checked by openSqliteLedger, rows of a finished batch): the batch a page at a time by id,
 * a detail sheet's status a page at a time, the histories of a page of rows, the lookup of a listed payout. Each
 * must be an index range that needs no sort, with and without the statistics ANALYZE writes (a ledger someone
 * ANALYZEd must not switch plans). Losing an index, or a planner choice that sorts the scope on every page, makes a
 * million-row report quadratic: these fail first.
 */
const dir = mkdtempSync(join(tmpdir(), 'report-plans-'));
const path = join(dir, 'ledger.sqlite');
let batchId = '';

beforeAll(() => {
  ({ batchId } = buildReportLedger(path, 2000));
  // Opened once as the CLI does (integrity check, WAL, migrations up to date).
  void openSqliteLedger(path, { create: false }).close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function context(db: Database.Database): SqliteContext {
  return { db, s: prepareStatements(db), now: () => new Date(0), isProcessAlive: () => true, host: 'test', heldLocks: new Set(), inCache: new Map() };
}

/** EXPLAIN QUERY PLAN of `sql` with these parameters. */
function planOf(db: Database.Database, sql: string, ...params: unknown[]): string {
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail).join('\n');
}

/** The report's hot queries and the index each must use, on this connection. */
function hotPlans(db: Database.Database): Array<{ name: string; plan: string; index: RegExp }> {
  const ctx = context(db);
  // The dynamic statements are prepared by the calls that use them.
  for (const row of rowsByStatus(ctx, batchId, ['paid'])) void row;
  historyOfRows(ctx, [1, 2, 3]);
  const cached = (prefix: string) => [...ctx.inCache.entries()].find(([key]) => key.startsWith(prefix))![1].source;
  return [
    { name: 'a batch by id (results, totals)', plan: planOf(db, ctx.s.reportByBatch.source, { batchId, after: 0, limit: 1000 }), index: /USING INDEX payout_rows_batch_id \(batch_id=\? AND id>\?\)/ },
    { name: 'one status of a batch by id (a detail sheet)', plan: planOf(db, cached('byStatus:batch:any:1'), 'paid', { batchId, after: 0, limit: 1000 }), index: /USING INDEX payout_rows_batch_status \(batch_id=\? AND status=\? AND id>\?\)/ },
    { name: 'the histories of a page of rows', plan: planOf(db, cached('historyOfRows:3'), 1, 2, 3), index: /USING INDEX row_history_row \(row_id=\?\)/ },
    { name: 'a listed payout looked up by its id', plan: planOf(db, ctx.s.rowByPayoutIdIn.source, 'openpay', 'tr000000000001', 'simulator'), index: /USING INDEX payout_rows_payout_id \(provider=\? AND provider_payout_id=\?\)/ },
  ];
}

function expectIndexRanges(db: Database.Database): void {
  for (const { name, plan, index } of hotPlans(db)) {
    expect(plan, name).toMatch(index);
    expect(plan, name).not.toMatch(/^SCAN /m);
    expect(plan, name).not.toMatch(/TEMP B-TREE/);
  }
}

describe("the report's queries on a real ledger file", () => {
  it('are index ranges that sort nothing', () => {
    const db = new Database(path, { readonly: true });
    try {
      expectIndexRanges(db);
    } finally {
      db.close();
    }
  });

  it('keep their plans once ANALYZE has written statistics', () => {
    const copy = join(dir, 'analyzed.sqlite');
    const source = new Database(path, { readonly: true });
    source.exec(`VACUUM INTO '${copy.replace(/'/g, "''")}'`);
    source.close();
    const db = new Database(copy);
    try {
      db.exec('ANALYZE');
      expect(db.prepare("SELECT count(*) AS n FROM sqlite_stat1 WHERE tbl = 'payout_rows'").get()).toMatchObject({ n: expect.any(Number) });
      expectIndexRanges(db);
    } finally {
      db.close();
    }
  });

  it('fail when an index the report reads through is gone', () => {
    const copy = join(dir, 'lost-index.sqlite');
    const source = new Database(path, { readonly: true });
    source.exec(`VACUUM INTO '${copy.replace(/'/g, "''")}'`);
    source.close();
    const db = new Database(copy);
    try {
      db.exec('DROP INDEX payout_rows_batch_id');
      expect(() => expectIndexRanges(db)).toThrow();
    } finally {
      db.close();
    }
  });
});
