import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, beforeEach, describe, it } from 'vitest';
import { createTestDatabase, testPgServer, type TestDatabase } from '../../../test/support/pg-database.ts';
import type { LedgerStore } from '../ledger-store.ts';
import { openPostgresLedger } from '../postgres/open-postgres-ledger.ts';
import { openSqliteLedger } from '../sqlite/open-sqlite-ledger.ts';
import { tempLedger } from './fixtures.ts';

/**
 * The two stores behind one contract: `describeLedgerStores` runs the same tests on SQLite (a fresh file per test)
 * and on PostgreSQL (a database per suite, emptied before each test). What the tests need from under the store (a
 * second connection's view, a write that bypasses the store, a planted lock) each harness does in its own SQL.
 */
export interface StoreOpenOptions {
  now?: () => Date;
  isProcessAlive?: (pid: number) => boolean;
}

export interface StoreHarness {
  readonly kind: 'sqlite' | 'postgres';
  /** A fresh, empty ledger location for the next test. */
  reset(): Promise<void>;
  /** The current location as openLedger takes it: a file path or a postgres:// URL (for child processes). */
  location(): Promise<string>;
  /** Opens (and migrates) the current location; closed by `cleanup`. */
  open(options?: StoreOpenOptions): Promise<LedgerStore>;
  /** Closes what `open` opened. */
  cleanup(): Promise<void>;
  /** Removes the location for good (after the suite). */
  dispose(): Promise<void>;
  /** The row's status as another connection sees it (committed state). */
  statusSeenElsewhere(rowId: number): Promise<string>;
  /** Sets a row to `status` behind the store's back; 'unique_violation' when the key-owner index refuses it. */
  forceStatus(rowId: number, status: string): Promise<'ok' | 'unique_violation'>;
  /** Writes a batch lock row as another process would have. */
  plantLock(batchId: string, lock: { pid: number; host: string; token: string; startedAt: string }): Promise<void>;
}

class SqliteHarness implements StoreHarness {
  readonly kind = 'sqlite' as const;
  private tmp = tempLedger();
  private opened: LedgerStore[] = [];
  async reset() {
    this.tmp.cleanup();
    this.tmp = tempLedger();
  }
  async location() {
    return this.tmp.path;
  }
  async open(options: StoreOpenOptions = {}) {
    const store = openSqliteLedger(this.tmp.path, options);
    this.opened.push(store);
    return store;
  }
  async cleanup() {
    for (const store of this.opened.splice(0)) await store.close();
  }
  async dispose() {
    this.tmp.cleanup();
  }
  private raw<T>(fn: (db: Database.Database) => T): T {
    const db = new Database(this.tmp.path);
    try {
      return fn(db);
    } finally {
      db.close();
    }
  }
  async statusSeenElsewhere(rowId: number) {
    return this.raw((db) => db.prepare('SELECT status FROM payout_rows WHERE id = ?').pluck().get(rowId) as string);
  }
  async forceStatus(rowId: number, status: string) {
    try {
      this.raw((db) => db.prepare(`UPDATE payout_rows SET status = ?, request_key = 'x', attempts = 1, sent_at = 'x' WHERE id = ?`).run(status, rowId));
      return 'ok' as const;
    } catch (error) {
      if (/UNIQUE constraint failed/.test((error as Error).message)) return 'unique_violation' as const;
      throw error;
    }
  }
  async plantLock(batchId: string, lock: { pid: number; host: string; token: string; startedAt: string }) {
    this.raw((db) => db.prepare('INSERT OR REPLACE INTO batch_locks VALUES (?, ?, ?, ?, ?)').run(batchId, lock.pid, lock.host, lock.token, lock.startedAt));
  }
}

class PostgresHarness implements StoreHarness {
  readonly kind = 'postgres' as const;
  private db: TestDatabase | undefined;
  private opened: LedgerStore[] = [];
  async database(): Promise<TestDatabase> {
    this.db ??= await createTestDatabase('contract');
    return this.db;
  }
  async reset() {
    // An empty database each test, as a new SQLite file is: the next open migrates it from nothing.
    await this.sql('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
  }
  async location() {
    return (await this.database()).url;
  }
  async open(options: StoreOpenOptions = {}) {
    const store = await openPostgresLedger((await this.database()).url, options);
    this.opened.push(store);
    return store;
  }
  async cleanup() {
    for (const store of this.opened.splice(0)) await store.close();
  }
  async dispose() {
    await this.db?.drop();
    this.db = undefined;
  }
  async sql<T extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<T[]> {
    const client = new pg.Client({ connectionString: (await this.database()).url });
    await client.connect();
    try {
      return (await client.query<T>(text, params)).rows;
    } finally {
      await client.end();
    }
  }
  async statusSeenElsewhere(rowId: number) {
    return (await this.sql<{ status: string }>('SELECT status FROM payout_rows WHERE id = $1', [rowId]))[0]!.status;
  }
  async forceStatus(rowId: number, status: string) {
    try {
      await this.sql(`UPDATE payout_rows SET status = $1, request_key = 'x', attempts = 1, sent_at = now() WHERE id = $2`, [status, rowId]);
      return 'ok' as const;
    } catch (error) {
      if ((error as { code?: string }).code === '23505') return 'unique_violation' as const;
      throw error;
    }
  }
  async plantLock(batchId: string, lock: { pid: number; host: string; token: string; startedAt: string }) {
    await this.sql(
      `INSERT INTO batch_locks (batch_id, owner_pid, owner_host, owner_token, started_at, heartbeat_at) VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (batch_id) DO UPDATE SET owner_pid = excluded.owner_pid, owner_host = excluded.owner_host, owner_token = excluded.owner_token,
         started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at`,
      [batchId, lock.pid, lock.host, lock.token, lock.startedAt],
    );
  }
}

export function sqliteHarness(): StoreHarness {
  return new SqliteHarness();
}

export function postgresHarness(): PostgresHarness {
  return new PostgresHarness();
}

const pgServer = testPgServer();

/**
 * `describe` once per store, named `<name> [sqlite]` / `<name> [postgres]`. The PostgreSQL suite is skipped, with the
 * reason in its name, when there is no test PostgreSQL (never under CI: the global setup fails instead).
 */
export function describeLedgerStores(name: string, body: (harness: StoreHarness) => void): void {
  const stores: Array<{ kind: 'sqlite' | 'postgres'; make: () => StoreHarness; skip: string | undefined }> = [
    { kind: 'sqlite', make: sqliteHarness, skip: undefined },
    { kind: 'postgres', make: postgresHarness, skip: pgServer.skip },
  ];
  describe.each(stores)(`${name} [$kind]`, ({ make, skip }) => {
    if (skip !== undefined) {
      it.skip(`skipped: ${skip}`, () => undefined);
      return;
    }
    const harness = make();
    beforeEach(() => harness.reset());
    afterEach(() => harness.cleanup());
    afterAll(() => harness.dispose());
    body(harness);
  });
}
