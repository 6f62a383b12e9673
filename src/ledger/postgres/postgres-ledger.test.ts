import { hostname } from 'node:os';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { codeOfRejection } from '../../../test/support/error-code.ts';
import { createTestDatabase, queryDatabase, testPgServer, type TestDatabase } from '../../../test/support/pg-database.ts';
import { BatchLockedError, LedgerError } from '../ledger-error.ts';
import type { LedgerStore } from '../ledger-store.ts';
import { openBatchInput, queuedRow } from '../test-support/fixtures.ts';
import { openPostgresLedger, type PostgresLedgerOptions } from './open-postgres-ledger.ts';
import { PG_MIGRATIONS } from './migrations.ts';
import { LOCK_CLASS, WRITE_LOCK } from './pg-context.ts';

/** PostgreSQL-only behaviour: schema and types, migrations, timeouts, the lock's heartbeat, the pool's errors. */
const server = testPgServer();

describe.skipIf(server.url === undefined)(`PostgreSQL ledger${server.skip ? ` (skipped: ${server.skip})` : ''}`, () => {
  let db: TestDatabase;
  const opened: LedgerStore[] = [];
  const open = async (options: PostgresLedgerOptions = {}) => {
    const store = await openPostgresLedger(db.url, options);
    opened.push(store);
    return store;
  };
  const sql = <T extends pg.QueryResultRow>(text: string, params: unknown[] = []) => queryDatabase<T>(db.url, text, params);
  const codeOf = codeOfRejection;

  beforeAll(async () => {
    db = await createTestDatabase('pgstore');
  });
  beforeEach(async () => {
    await sql('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('migrates once when several processes open an empty database at the same moment', async () => {
    const stores = await Promise.all(Array.from({ length: 5 }, () => open()));
    expect(stores).toHaveLength(5);
    const versions = await sql<{ version: number }>('SELECT version FROM schema_version ORDER BY version');
    expect(versions.map((v) => v.version)).toEqual(PG_MIGRATIONS.map((_, i) => i + 1));
  });

  it('keeps money and ids as bigint, and refuses a bigint a JS number cannot hold exactly', async () => {
    const ledger = await open();
    const { batch } = await ledger.openBatch(openBatchInput('big'));
    await ledger.insertRows(batch.id, [queuedRow(2, 'big-1', 123_45)]);
    const types = await sql<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_name IN ('payout_rows', 'batch_balances') AND column_name IN ('amount_minor', 'id')`,
    );
    expect(new Set(types.map((t) => t.data_type))).toEqual(new Set(['bigint']));
    const row = (await ledger.getRowByNumber(batch.id, 2))!;
    expect(row.amountMinor).toBe(123_45);
    await sql('UPDATE payout_rows SET amount_minor = 9007199254740993 WHERE id = $1', [row.id]);
    expect(await codeOf(() => ledger.getRow(row.id))).toBe('INTEGER_OUT_OF_RANGE');
  });

  it('refuses a database written by a newer schema, and with create: false one that holds no ledger (creating nothing)', async () => {
    expect(await codeOf(() => open({ create: false }))).toBe('LEDGER_MISSING');
    expect((await sql<{ t: string | null }>("SELECT to_regclass('schema_version')::text AS t"))[0]!.t).toBeNull();
    await (await open()).close();
    await sql('INSERT INTO schema_version (version) VALUES ($1)', [PG_MIGRATIONS.length + 1]);
    expect(await codeOf(() => open())).toBe('LEDGER_TOO_NEW');
  });

  it('serialises writers, and a statement waiting past statement_timeout fails instead of hanging', async () => {
    const ledger = await open({ statementTimeoutMs: 300 });
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, WRITE_LOCK]);
      const started = Date.now();
      // 57014: query_canceled (statement timeout).
      expect(await codeOf(() => ledger.openBatch(openBatchInput('waits')))).toBe('57014');
      expect(Date.now() - started).toBeLessThan(5_000);
      await holder.query('ROLLBACK');
    } finally {
      await holder.end();
    }
    expect((await ledger.openBatch(openBatchInput('waits'))).created).toBe(true);
  });

  it('takes over a lock from any host once its heartbeat stopped, never while it beats; renews its own', async () => {
    const reported: string[] = [];
    const ledger = await open({ lockExpiryMs: 60_000, heartbeatMs: 50, onError: (error) => reported.push(error.message) });
    const { batch } = await ledger.openBatch(openBatchInput('heartbeat'));
    const plant = (age: string) =>
      sql(
        `INSERT INTO batch_locks VALUES ($1, 4000000, 'another-host', 'other', now() - interval '2 hours', now() - $2::interval)
         ON CONFLICT (batch_id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, owner_token = excluded.owner_token, owner_host = excluded.owner_host`,
        [batch.id, age],
      );
    await plant('1 second');
    await expect(ledger.acquireBatchLock(batch.id)).rejects.toThrow(BatchLockedError);
    await plant('10 minutes');
    const lock = await ledger.acquireBatchLock(batch.id);
    expect(lock.tookOverFrom).toMatchObject({ pid: 4_000_000, host: 'another-host' });
    expect(lock.owner).toMatchObject({ pid: process.pid, host: hostname() });

    await sql(`UPDATE batch_locks SET heartbeat_at = now() - interval '10 minutes' WHERE batch_id = $1`, [batch.id]);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const [beat] = await sql<{ age_ms: number }>(`SELECT extract(epoch FROM now() - heartbeat_at) * 1000 AS age_ms FROM batch_locks WHERE batch_id = $1`, [batch.id]);
    expect(Number(beat!.age_ms)).toBeLessThan(5_000);

    // A holder whose lock was taken over marks nothing more.
    await sql(`UPDATE batch_locks SET owner_token = 'thief' WHERE batch_id = $1`, [batch.id]);
    await ledger.insertRows(batch.id, [queuedRow(2, 'hb-1')]);
    const row = (await ledger.getRowByNumber(batch.id, 2))!;
    expect(await codeOf(() => ledger.markSending([{ rowId: row.id }]))).toBe('BATCH_NOT_LOCKED');
    for (let i = 0; i < 50 && reported.length === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(reported[0]).toMatch(/no longer held by this process/);
  });

  it('reports an idle connection the server dropped instead of crashing, and goes on with a new one', async () => {
    const errors: string[] = [];
    const ledger = await open({ onError: (error, where) => errors.push(`${where}: ${error.message}`) });
    await ledger.listBatches();
    await sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'payout-batch' AND pid <> pg_backend_pid()`);
    for (let i = 0; i < 50 && errors.length === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(errors[0]).toMatch(/^idle connection: /);
    expect(await ledger.listBatches()).toEqual([]);
  });

  it('has no file copy: saveCopy says to use pg_dump', async () => {
    const ledger = await open();
    const error = await ledger.saveCopy('/tmp/never-written.sqlite').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LedgerError);
    expect((error as LedgerError).code).toBe('NOT_SUPPORTED');
  });
});
