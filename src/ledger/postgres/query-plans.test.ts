import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testPgServer, type TestDatabase } from '../../../test/support/pg-database.ts';
import type { LedgerStore } from '../ledger-store.ts';
import { openBatchInput, queuedRow } from '../test-support/fixtures.ts';
import { openPostgresLedger } from './open-postgres-ledger.ts';

/**
 * The query plans of the hot queries of the PostgreSQL store, on a table of representative size (100,000 paid rows
 * of earlier batches, ANALYZEd): dedupe, the key claim at insert, dispatch's reads and a report's pages. The queries
 * are the store's own, caught on their way to the server (pg.Client#query), then EXPLAINed with their parameters.
 * None may read payout_rows with a Seq Scan, and a report's page by id must not sort its whole batch.
 */
const server = testPgServer();
const EARLIER_ROWS = 100_000;

interface Caught {
  text: string;
  values: unknown[];
}

describe.skipIf(server.url === undefined)(`PostgreSQL query plans${server.skip ? ` (skipped: ${server.skip})` : ''}`, () => {
  let db: TestDatabase;
  let ledger: LedgerStore;
  let client: pg.Client;
  const caught: Caught[] = [];
  const original = pg.Client.prototype.query;

  beforeAll(async () => {
    db = await createTestDatabase('plans');
    ledger = await openPostgresLedger(db.url);
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { batch } = await ledger.openBatch(openBatchInput('earlier', 'openpay', EARLIER_ROWS));
    await client.query(
      `INSERT INTO payout_rows (batch_id, row_number, provider, environment, order_key, fingerprint, amount_minor, currency, account,
         account_kind, status, request_key, attempts, provider_payout_id, sent_at, created_at, updated_at)
       SELECT $1, n + 1, 'openpay', $2, 'E-' || n, 'fp' || n, 100 + n, 'MXN', '002180' || lpad(n::text, 12, '0'),
         'clabe', 'paid', 'k' || n, 1, 'tr' || n, now(), now(), now()
       FROM generate_series(1, $3::int) AS n`,
      [batch.id, batch.environment, EARLIER_ROWS],
    );
    await client.query('ANALYZE payout_rows; ANALYZE row_history; ANALYZE batches');
  });

  afterAll(async () => {
    pg.Client.prototype.query = original;
    await client?.end();
    await ledger?.close();
    await db?.drop();
  });

  /** Runs `work` against the store and returns the statements it sent that read or change payout_rows. */
  async function queriesOf(work: () => Promise<unknown>): Promise<Caught[]> {
    caught.length = 0;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const [config, values] = args as [string | { text: string; values?: unknown[] }, unknown[] | undefined];
      const text = typeof config === 'string' ? config : config?.text;
      if (typeof text === 'string' && /payout_rows|row_history/.test(text) && /^\s*(SELECT|UPDATE|DELETE|INSERT)/i.test(text)) {
        caught.push({ text, values: (typeof config === 'object' ? config.values : undefined) ?? values ?? [] });
      }
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original;
    try {
      await work();
    } finally {
      pg.Client.prototype.query = original;
    }
    return [...caught];
  }

  async function planOf(query: Caught): Promise<string> {
    // EXPLAIN of an INSERT … SELECT or an UPDATE plans it without running it.
    const rows = (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${query.text}`, query.values)).rows;
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  }

  async function expectNoSeqScan(queries: Caught[]): Promise<void> {
    expect(queries.length).toBeGreaterThan(0);
    for (const query of queries) {
      if (/^\s*INSERT INTO \w+ \(/i.test(query.text) && /VALUES/i.test(query.text)) continue; // a plain insert reads nothing
      const plan = await planOf(query);
      expect(plan, `${query.text}\n${plan}`).not.toMatch(/Seq Scan on (payout_rows|row_history)/);
    }
  }

  it('dedupe against the ledger (findKeyOwners) looks the order keys up in an index', async () => {
    const keys = Array.from({ length: 500 }, (_, i) => `NEW-${i}`).concat(['E-7', 'E-70000']);
    await expectNoSeqScan(await queriesOf(() => ledger.findKeyOwners('simulator', keys)));
  });

  it('writing a batch (rows, key claims at insert) reads payout_rows through indexes', async () => {
    const { batch } = await ledger.openBatch(openBatchInput('new', 'openpay', 50));
    const rows = Array.from({ length: 50 }, (_, i) => queuedRow(i + 2, i === 0 ? 'E-5' : `N-${i}`));
    await expectNoSeqScan(await queriesOf(() => ledger.insertRows(batch.id, rows)));
  });

  it("dispatch's reads of a batch's rows by status use an index", async () => {
    const { batch } = await ledger.openBatch(openBatchInput('new', 'openpay', 50));
    await expectNoSeqScan(
      await queriesOf(async () => {
        for await (const _ of ledger.rowsByStatus(batch.id, ['queued', 'unknown'])) void _;
        for await (const _ of ledger.rowsByStatus(null, ['unknown', 'sending'])) void _;
      }),
    );
  });

  it('a report of a batch pages through it in id order, sorting nothing', async () => {
    // A small batch among many rows: walking the whole table in id order is then no answer either.
    const { batch } = await ledger.openBatch(openBatchInput('report', 'openpay', 300));
    await ledger.insertRows(batch.id, Array.from({ length: 300 }, (_, i) => queuedRow(i + 2, `R-${i}`)));
    await client.query('ANALYZE payout_rows');
    const queries = await queriesOf(async () => {
      let n = 0;
      for await (const _ of ledger.rowsForReport({ batchId: batch.id })) if (++n === 10) break;
    });
    await expectNoSeqScan(queries);
    for (const query of queries) expect(await planOf(query)).not.toMatch(/\bSort\b/);
  });
});
