import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresLedger } from '../../src/ledger/postgres/open-postgres-ledger.ts';
import { LOCK_CLASS, WRITE_LOCK } from '../../src/ledger/postgres/pg-context.ts';
import { openBatchInput } from '../../src/ledger/test-support/fixtures.ts';
import { createTestDatabase, queryDatabase as query, testPgServer, type TestDatabase } from '../support/pg-database.ts';

/**
 * Writers on a PostgreSQL ledger are serialised by one transaction-scoped advisory lock. A worker stopped inside a
 * write transaction (SIGSTOP: Ctrl-Z, a VM freeze, a long pause) held that lock for as long as it stayed stopped:
 * every other worker's write waited, then failed at its statement timeout — the whole fleet stalled, then failed,
 * because of one paused machine. Now the server ends a session idle inside a transaction
 * (idle_in_transaction_session_timeout), which rolls it back and frees the lock; the stopped worker, once resumed, is
 * told its write was not made (LEDGER_TRANSACTION_ENDED) instead of crashing on node-postgres' unhandled 'error'
 * event, and its next write works on a fresh connection.
 */
const server = testPgServer();
const CHILD = join(import.meta.dirname, '..', 'support', 'writer-paused-in-transaction.ts');
const IDLE_MS = 1_000;
/** The other worker's statement timeout: it would fail here if the lock were still held. */
const OTHER_STATEMENT_TIMEOUT_MS = 6_000;

describe.skipIf(server.url === undefined)(`a worker paused inside a write transaction${server.skip ? ` (skipped: ${server.skip})` : ''}`, () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('paused_writer');
    // The schema exists before the child opens: its open does not migrate while the test writes.
    await (await openPostgresLedger(db.url)).close();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("does not stop the other workers' writes, and is told its own write was not made", { timeout: 60_000 }, async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, db.url, String(IDLE_MS)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      for (let waited = 0; !out.includes('paused\n'); waited += 20) {
        if (waited > 30_000) throw new Error(`the child never paused: ${err}`);
        await sleep(20);
      }
      // The child is stopped inside its transaction, holding the writers' lock.
      const holding = await lockHolders(db.url);
      expect(holding).toEqual([{ state: 'idle in transaction' }]);

      const other = await openPostgresLedger(db.url, { statementTimeoutMs: OTHER_STATEMENT_TIMEOUT_MS });
      try {
        const started = performance.now();
        const opened = await other.openBatch(openBatchInput('written-meanwhile'));
        const waitedMs = performance.now() - started;
        expect(opened.created).toBe(true);
        expect(waitedMs).toBeLessThan(OTHER_STATEMENT_TIMEOUT_MS);
        // Its session is gone: the server ended it.
        expect(await lockHolders(db.url)).toEqual([]);
      } finally {
        await other.close();
      }
    } finally {
      child.kill('SIGCONT');
    }
    expect(await exited, err).toBe(0);
    const report = JSON.parse(out.split('\n').find((l) => l.startsWith('{'))!) as {
      paused: { ok: boolean; code?: string };
      after: { ok: boolean; created?: boolean };
    };
    expect(report.paused).toMatchObject({ ok: false, code: 'LEDGER_TRANSACTION_ENDED' });
    expect(report.after).toEqual({ ok: true, created: true });

    // Nothing of the ended transaction was written; the batch written meanwhile and the one after the pause were.
    const files = await query<{ file_name: string }>(db.url, 'SELECT file_name FROM batches ORDER BY file_name');
    expect(files.map((f) => f.file_name)).toEqual(['after-the-pause.csv', 'written-meanwhile.csv']);
  });
});


/** Sessions of this database holding the writers' advisory lock. */
function lockHolders(url: string): Promise<Array<{ state: string }>> {
  return query<{ state: string }>(
    url,
    `SELECT a.state FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 2 AND a.datname = current_database()`,
    [LOCK_CLASS, WRITE_LOCK],
  );
}
