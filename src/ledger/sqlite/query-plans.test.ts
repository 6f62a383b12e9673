import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteContext } from './context.ts';
import { migrate } from './migrate.ts';
import { rowsByStatus } from './queries.ts';
import { findKeyOwners } from './rows.ts';
import { prepareStatements } from './statements.ts';

/**
 * The query plans of the hot queries on a ledger of millions of rows: dedupe (every order key of a file against every
 * earlier run), the key claim at insert, the row updates of dispatch, the pages of a report. Each must reach
 * payout_rows through an index or its primary key — a full SCAN of the rows table is a query that slows down with
 * every batch ever paid — and a page by id must not sort its whole scope again (USE TEMP B-TREE on every page).
 */
let db: Database.Database;
let ctx: SqliteContext;

beforeEach(() => {
  db = new Database(':memory:');
  migrate(db);
  ctx = { db, s: prepareStatements(db), now: () => new Date(0), isProcessAlive: () => true, host: 'test', heldLocks: new Set(), inCache: new Map() };
});

afterEach(() => db.close());

/** EXPLAIN QUERY PLAN of a statement's SQL, its parameters bound to placeholders (a plan is chosen at prepare). */
function planOf(sql: string): string[] {
  const names = [...new Set([...sql.matchAll(/@(\w+)/g)].map((m) => m[1]!))];
  const positional = (sql.match(/\?/g) ?? []).length;
  const args: unknown[] = new Array<unknown>(positional).fill('x');
  if (names.length > 0) args.push(Object.fromEntries(names.map((name) => [name, 1])));
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as Array<{ detail: string }>).map((r) => r.detail);
}

function expectIndexed(plan: string[]): void {
  // Steps on the tables that grow with every batch (r and h are payout_rows and row_history, aliased).
  const rowsSteps = plan.filter((step) => /^(SEARCH|SCAN) (payout_rows|row_history|r|h)\b/.test(step));
  expect(rowsSteps.length, plan.join('\n')).toBeGreaterThan(0);
  for (const step of rowsSteps) {
    expect(step, plan.join('\n')).not.toMatch(/^SCAN /);
    expect(step, plan.join('\n')).toMatch(/USING (COVERING )?INDEX|USING INTEGER PRIMARY KEY/);
  }
}

/** The dynamic statement (an IN list) a call left in the connection's cache. */
function cached(prefix: string): string {
  const found = [...ctx.inCache.entries()].find(([key]) => key.startsWith(prefix));
  if (!found) throw new Error(`no cached statement ${prefix}; cached: ${[...ctx.inCache.keys()].join(', ')}`);
  return found[1].source;
}

describe('SQLite query plans of the hot queries', () => {
  it.each([
    'keyOwner',
    'rowIdByNumber',
    'getRow',
    'getRowByNumber',
    'markSending',
    'transitionRow',
    'refreshRow',
    'requeueRow',
    'demoteRow',
    'historyForQueued',
    'releaseQueued',
    'notSentOfBatch',
    'history',
    'paidSinceByBatch',
    'recheckPaidByBatch',
    'recheckFailedByBatch',
    'hasReversal',
    'flagFailedRow',
    'flagPaidRow',
    'reportByBatch',
    'rowByPayoutId',
    'rowByPayoutIdIn',
    'countsByStatus',
  ] as const)('%s reaches the rows through an index', (name) => {
    expectIndexed(planOf(ctx.s[name].source));
  });

  it("dedupe against the ledger (findKeyOwners) looks each order key up in an index", () => {
    findKeyOwners(ctx, 'simulator', ['A-1', 'A-2', 'A-3']);
    expectIndexed(planOf(cached('owners:')));
  });

  it('the rows of a batch in some statuses (dispatch, resume) come from the batch + status index', () => {
    for (const row of rowsByStatus(ctx, 'batch-1', ['unknown', 'sending'])) void row;
    const plan = planOf(cached('byStatus:batch:any:'));
    expectIndexed(plan);
    expect(plan.join('\n')).toMatch(/payout_rows_batch_status/);
  });

  it('a report of a batch pages through it in id order, sorting nothing', () => {
    const plan = planOf(ctx.s.reportByBatch.source);
    expectIndexed(plan);
    expect(plan.join('\n')).not.toMatch(/TEMP B-TREE/);
  });
});
