import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../src/ledger/open-ledger.ts';
import { startRecordingSimulator, type RecordingSimulator } from './support/cli.ts';
import { createTestDatabase, testPgServer, type TestDatabase } from './support/pg-database.ts';
import { addUsers, payoutCsv, signIn, startTestServer, waitFor } from './support/serve.ts';

/**
 * The upload page on a PostgreSQL ledger: its users, reviews, approvals, audit log and sessions in the database, the
 * batch paid through the PostgreSQL LedgerStore, checked against the simulator's journal.
 */
const server = testPgServer();

describe.skipIf(server.url === undefined)(`payout-batch serve on a postgres:// ledger${server.skip ? ` (skipped: ${server.skip})` : ''}`, () => {
  let db: TestDatabase;
  let sim: RecordingSimulator;
  beforeAll(async () => {
    db = await createTestDatabase('serve');
    sim = await startRecordingSimulator({ settleMs: 0 });
    await (await openLedger(db.url)).close();
    await addUsers(db.url, { olga: 'operator', ana: 'approver' });
  });
  afterAll(async () => {
    await sim?.close();
    await db?.drop();
  });

  const sql = async <T extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<T[]> => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      return (await client.query<T>(text, params)).rows;
    } finally {
      await client.end();
    }
  };

  it('upload → submit → approve → finished: each valid row paid once (simulator journal), the bad ones never; the trail in the database', async () => {
    const app = await startTestServer({ simulatorUrl: sim.url, ledger: db.url });
    try {
      const olga = await signIn(app.url, 'olga');
      const ana = await signIn(app.url, 'ana');
      const up = await olga.upload(payoutCsv('PGSERVE', 4));
      expect(up.status, JSON.stringify(up.body)).toBe(201);
      expect(up.body).toMatchObject({ status: 'review', counts: { valid: 4, invalid: 2 } });
      const id = up.body.id as string;
      const invalid = await olga.call('GET', `/api/batches/${id}/rows?status=invalid`);
      expect(invalid.body.rows.map((r: any) => [r.row, r.issues[0].code])).toEqual([
        [3, 'CLABE_CHECKSUM'],
        [7, expect.stringMatching(/^AMOUNT_/)],
      ]);
      expect((await olga.call('POST', `/api/batches/${id}/submit`)).body.status).toBe('awaiting_approval');
      // Maker ≠ checker holds on this store too.
      expect((await olga.call('POST', `/api/batches/${id}/approve`, { plan_hash: up.body.plan_hash })).status).toBe(403);
      expect((await ana.call('POST', `/api/batches/${id}/approve`, { plan_hash: up.body.plan_hash })).status).toBe(200);
      expect((await ana.call('POST', `/api/batches/${id}/approve`, { plan_hash: up.body.plan_hash })).status).toBe(409);
      const done = await waitFor(() => ana.call('GET', `/api/batches/${id}`), (r) => r.body.status === 'finished' || r.body.status === 'failed');
      expect(done.body.status, JSON.stringify(done.body)).toBe('finished');
      expect(done.body.progress).toMatchObject({ total: 4, done: 4, failed: 0, unknown: 0 });

      const journal = (await sim.journal()).filter((e) => String(e.reference).startsWith('PGSERVE-'));
      expect(journal.map((e) => String(e.reference)).sort()).toEqual(['PGSERVE-0001', 'PGSERVE-0002', 'PGSERVE-0003', 'PGSERVE-0004']);
      expect(journal.map((e) => e.amount_cents).sort((a, b) => a - b)).toEqual([10_000, 10_100, 10_200, 10_300]);

      // In the database: the payout rows, the review and its trail.
      const ledgerBatch = (await sql<{ ledger_batch_id: string; status: string }>('SELECT ledger_batch_id, status FROM batch_reviews WHERE id = $1', [id]))[0]!;
      expect(ledgerBatch.status).toBe('finished');
      const paid = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM payout_rows WHERE batch_id = $1 AND status IN ('paid', 'pending')`, [ledgerBatch.ledger_batch_id]);
      expect(paid[0]!.n).toBe(4);
      const trail = await sql<{ who: string | null; action: string }>('SELECT who, action FROM audit_log WHERE batch_id = $1 ORDER BY id', [id]);
      expect(trail.map((e) => [e.who, e.action])).toEqual([
        ['olga', 'upload'],
        ['olga', 'submit'],
        ['ana', 'approve'],
        [null, 'status_approved'],
        [null, 'status_paying'],
        [null, 'status_finished'],
      ]);
      // Sessions are kept as token hashes only.
      const sessions = await sql<{ token_hash: string }>('SELECT token_hash FROM serve_sessions');
      expect(sessions.length).toBeGreaterThanOrEqual(2);
      expect(sessions.map((s) => s.token_hash)).not.toContain(ana.token);
      expect((await ana.call('GET', `/api/batches/${id}/files/results.csv`)).body).toContain('PGSERVE-0001');
    } finally {
      await app.stop();
    }
  });

  it('a session outlives a restart of the server and is known to a second server on the same database; signing out ends it on both', async () => {
    const first = await startTestServer({ simulatorUrl: sim.url, ledger: db.url });
    const olga = await signIn(first.url, 'olga');
    await first.stop();
    const second = await startTestServer({ simulatorUrl: sim.url, ledger: db.url });
    const third = await startTestServer({ simulatorUrl: sim.url, ledger: db.url });
    try {
      const bearer = { authorization: `Bearer ${olga.token}` };
      expect((await fetch(`${second.url}/api/batches`, { headers: bearer })).status).toBe(200);
      expect((await fetch(`${third.url}/api/batches`, { headers: bearer })).status).toBe(200);
      expect((await fetch(`${second.url}/api/session`, { method: 'DELETE', headers: bearer })).status).toBe(204);
      expect((await fetch(`${third.url}/api/batches`, { headers: bearer })).status).toBe(401);
    } finally {
      await second.stop();
      await third.stop();
    }
  });
});
