import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { SqliteContext } from '../../src/ledger/sqlite/context.ts';
import { IN_CHUNK } from '../../src/ledger/sqlite/context.ts';
import { migrate } from '../../src/ledger/sqlite/migrate.ts';
import { findKeyOwners } from '../../src/ledger/sqlite/rows.ts';
import { prepareStatements } from '../../src/ledger/sqlite/statements.ts';

/**
 * Dedupe against the ledger looks up a file's order keys in chunks of IN_CHUNK. With a chunk that long (and no
 * statistics in the file), SQLite chose payout_rows_status (status IN …) over the order-key index: every chunk walked
 * every paid row of every earlier batch — on a 300,000-row ledger, 10 chunks took 2.5 s instead of 16 ms, and planning
 * a batch slowed down with every batch ever paid.
 */
let db: Database.Database;
let ctx: SqliteContext;

beforeEach(() => {
  db = new Database(':memory:');
  migrate(db);
  ctx = { db, s: prepareStatements(db), now: () => new Date(0), isProcessAlive: () => true, host: 'test', heldLocks: new Set(), inCache: new Map() };
});
afterEach(() => db.close());

function planOfCachedOwners(): string[] {
  const found = [...ctx.inCache.entries()].find(([key]) => key.startsWith('owners:'));
  if (!found) throw new Error('no cached owners statement');
  const sql = found[1].source;
  const positional = (sql.match(/\?/g) ?? []).length;
  const args: unknown[] = new Array<unknown>(positional).fill('x');
  args.push({ environment: 'simulator' });
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as Array<{ detail: string }>).map((r) => r.detail);
}

it.each([3, 50, IN_CHUNK])('a chunk of %i order keys is looked up by order key, not by status', (count) => {
  const keys = Array.from({ length: count }, (_, i) => `K-${i}`);
  findKeyOwners(ctx, 'simulator', keys);
  const plan = planOfCachedOwners();
  const steps = plan.filter((step) => /^(SEARCH|SCAN) payout_rows\b/.test(step));
  expect(steps, plan.join('\n')).toHaveLength(1);
  expect(steps[0]).toMatch(/USING (COVERING )?INDEX payout_rows_key \(order_key=\?/);
});
