import pg from 'pg';
import type { Approval, AuditEntry, NewReview, ReviewRow, ReviewStatus, ReviewStore, Role, RowFilter, StoredSession } from '../../serve/review-store.ts';
import { LedgerError } from '../ledger-error.ts';
import { maskSecret, maskUrlPassword } from '../ledger-location.ts';
// Both stores read the same record shapes (pg-context.ts PG_TYPES gives times as ISO strings), so they map alike.
import { reviewOf, sessionOf, userOf, type ReviewRecord, type SessionRecord, type UserRecord } from '../sqlite/sqlite-review-store.ts';
import { PG_MIGRATIONS } from './migrations.ts';
import { openPostgresLedger } from './open-postgres-ledger.ts';
import { PG_TYPES, transaction } from './pg-context.ts';
import { PG_REVIEW_MIGRATION } from './review-migration.ts';

/**
 * The schema version the review tables arrive at, found by the migration's place in the list (a migration appended
 * before it on another branch moves it without a second edit).
 */
const REVIEW_SCHEMA_VERSION = PG_MIGRATIONS.indexOf(PG_REVIEW_MIGRATION) + 1;

/**
 * The ReviewStore on a PostgreSQL ledger: its own small pool beside the LedgerStore's, opened once the schema has the
 * review tables (a ledger below that version is migrated first, under the ledger's migration lock). Each method is one
 * statement, or one transaction where it writes several.
 */
export async function openPgReviewStore(url: string, options: { now?: () => Date; poolSize?: number } = {}): Promise<ReviewStore> {
  if (REVIEW_SCHEMA_VERSION === 0) throw new Error('review migration missing from PG_MIGRATIONS');
  const password = safePassword(url);
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 4, statement_timeout: 30_000, idle_in_transaction_session_timeout: 5_000, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 30_000, application_name: 'payout-batch serve', types: PG_TYPES });
  pool.on('error', (error) => process.stderr.write(`review store (PostgreSQL, idle connection): ${maskSecret(error.message, password)}\n`));
  try {
    const found = await pool.query<{ v: number | null }>("SELECT CASE WHEN to_regclass('schema_version') IS NULL THEN NULL ELSE 0 END AS v");
    const version = found.rows[0]?.v === null ? 0 : (await pool.query<{ v: number }>('SELECT coalesce(max(version), 0) AS v FROM schema_version')).rows[0]!.v;
    // Opening the ledger migrates it (refusing a database without a ledger: LEDGER_MISSING).
    if (version < REVIEW_SCHEMA_VERSION) await (await openPostgresLedger(url, { create: false })).close();
  } catch (error) {
    await pool.end().catch(() => undefined);
    if (error instanceof LedgerError) throw error;
    throw new LedgerError('LEDGER_UNAVAILABLE', `cannot open the PostgreSQL ledger at ${maskUrlPassword(url)}: ${maskSecret((error as Error).message, password)}`, { code: (error as { code?: string }).code });
  }
  return new PgReviewStore(pool, options.now ?? (() => new Date()));
}

class PgReviewStore implements ReviewStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly now: () => Date,
  ) {}

  private async all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.pool.query(sql, params as unknown[])).rows as T[];
  }
  private async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return (await this.pool.query(sql, params as unknown[])).rowCount ?? 0;
  }

  async addUser(user: { name: string; role: Role; passwordHash: string }) {
    return (await this.run('INSERT INTO users (name, role, password_hash, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING', [user.name, user.role, user.passwordHash, this.now().toISOString()])) === 1;
  }
  async getUser(name: string) {
    const r = (await this.all<UserRecord>('SELECT * FROM users WHERE name = $1', [name]))[0];
    return r && userOf(r);
  }
  async listUsers() {
    return (await this.all<UserRecord>('SELECT * FROM users ORDER BY name COLLATE "C"')).map(userOf);
  }
  async removeUser(name: string) {
    return (await this.run('DELETE FROM users WHERE name = $1', [name])) > 0;
  }

  /** One transaction on one pooled connection; rolled back when `fn` throws. */
  private async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return transaction(this.pool, fn);
  }

  async createReview(review: NewReview, rows: readonly ReviewRow[]) {
    const at = this.now().toISOString();
    await this.transaction(async (client) => {
      await client.query(
        `INSERT INTO batch_reviews (id, status, uploader, provider, file_name, stored_name, file_hash, sheet, map_json, plan_hash, summary_json, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)`,
        [review.id, review.status, review.uploader, review.provider, review.fileName, review.storedName, review.fileHash, review.sheet ?? null, JSON.stringify(review.map), review.planHash, JSON.stringify(review.summary), at],
      );
      await insertRows(client, review.id, rows);
    });
  }
  async replacePlan(id: string, from: readonly ReviewStatus[], to: ReviewStatus, plan: { map: Record<string, string>; planHash: string; summary: unknown }, rows: readonly ReviewRow[]) {
    return this.transaction(async (client) => {
      const updated = await client.query('UPDATE batch_reviews SET status = $1, map_json = $2, plan_hash = $3, summary_json = $4, updated_at = $5 WHERE id = $6 AND status = ANY($7::text[])', [
        to,
        JSON.stringify(plan.map),
        plan.planHash,
        JSON.stringify(plan.summary),
        this.now().toISOString(),
        id,
        [...from],
      ]);
      if (updated.rowCount !== 1) return false;
      await client.query('DELETE FROM review_rows WHERE review_id = $1', [id]);
      await insertRows(client, id, rows);
      await client.query('DELETE FROM approvals WHERE batch_id = $1', [id]);
      return true;
    });
  }
  async getReview(id: string) {
    const r = (await this.all<ReviewRecord>('SELECT * FROM batch_reviews WHERE id = $1', [id]))[0];
    return r && reviewOf(r);
  }
  async listReviews() {
    return (await this.all<ReviewRecord>('SELECT * FROM batch_reviews ORDER BY created_at DESC, id COLLATE "C"')).map(reviewOf);
  }
  async transition(id: string, from: readonly ReviewStatus[], to: ReviewStatus, fields: { planHash?: string; summary?: unknown; ledgerBatchId?: string; reason?: string } = {}) {
    const values: unknown[] = [to, this.now().toISOString()];
    const sets = ['status = $1', 'updated_at = $2'];
    const set = (column: string, value: unknown) => {
      values.push(value);
      sets.push(`${column} = $${values.length}`);
    };
    if (fields.planHash !== undefined) set('plan_hash', fields.planHash);
    if (fields.summary !== undefined) set('summary_json', JSON.stringify(fields.summary));
    if (fields.ledgerBatchId !== undefined) set('ledger_batch_id', fields.ledgerBatchId);
    if (fields.reason !== undefined) set('reason', fields.reason);
    values.push(id, [...from]);
    // One statement: of two requests moving the same review, only one finds it in a state of `from`.
    const sql = `UPDATE batch_reviews SET ${sets.join(', ')} WHERE id = $${values.length - 1} AND status = ANY($${values.length}::text[])`;
    return (await this.run(sql, values)) === 1;
  }
  async rows(id: string, filter: RowFilter) {
    const where = ['review_id = $1'];
    const values: unknown[] = [id];
    if (filter.status) {
      values.push(filter.status);
      where.push(`status = $${values.length}`);
    }
    if (filter.code) {
      values.push(` ${filter.code.trim()} `);
      where.push(`strpos(codes, $${values.length}) > 0`);
    }
    const clause = where.join(' AND ');
    const total = (await this.all<{ n: number }>(`SELECT count(*)::int AS n FROM review_rows WHERE ${clause}`, values))[0]!.n;
    const records = await this.all<{ row_number: number; order_id: string | null; status: string; issues_json: string; cells_json: string }>(
      `SELECT row_number, order_id, status, issues_json, cells_json FROM review_rows WHERE ${clause} ORDER BY row_number LIMIT $${values.length + 1} OFFSET $${values.length + 2}`,
      [...values, filter.limit, filter.offset],
    );
    return {
      total,
      rows: records.map((r) => ({ row: r.row_number, ...(r.order_id !== null ? { orderId: r.order_id } : {}), status: r.status, issues: JSON.parse(r.issues_json) as ReviewRow['issues'], cells: JSON.parse(r.cells_json) as Record<string, string> })),
    };
  }
  async codeCounts(id: string) {
    const counts: Record<string, number> = {};
    for (const r of await this.all<{ codes: string }>("SELECT codes FROM review_rows WHERE review_id = $1 AND codes <> '  '", [id])) {
      for (const code of new Set(r.codes.trim().split(' '))) if (code) counts[code] = (counts[code] ?? 0) + 1;
    }
    return counts;
  }

  async addApproval(approval: Approval) {
    const sql = 'INSERT INTO approvals (batch_id, user_name, plan_hash, at) VALUES ($1, $2, $3, $4) ON CONFLICT (batch_id, user_name) DO NOTHING';
    return (await this.run(sql, [approval.batchId, approval.user, approval.planHash, approval.at.toISOString()])) === 1;
  }
  async approvals(batchId: string) {
    const records = await this.all<{ batch_id: string; user_name: string; plan_hash: string; at: string }>('SELECT * FROM approvals WHERE batch_id = $1 ORDER BY at, user_name COLLATE "C"', [batchId]);
    return records.map((r) => ({ batchId: r.batch_id, user: r.user_name, planHash: r.plan_hash, at: new Date(r.at) }));
  }
  async clearApprovals(batchId: string) {
    await this.run('DELETE FROM approvals WHERE batch_id = $1', [batchId]);
  }

  async createSession(session: StoredSession) {
    await this.run('INSERT INTO serve_sessions (token_hash, user_name, created_at, seen_at, expires_at) VALUES ($1, $2, $3, $4, $5)', [
      session.tokenHash,
      session.user,
      session.createdAt.toISOString(),
      session.seenAt.toISOString(),
      session.expiresAt.toISOString(),
    ]);
  }
  async getSession(tokenHash: string, now: Date) {
    const r = (await this.all<SessionRecord>('SELECT * FROM serve_sessions WHERE token_hash = $1', [tokenHash]))[0];
    if (!r) return undefined;
    if (new Date(r.expires_at) <= now) {
      await this.run('DELETE FROM serve_sessions WHERE token_hash = $1 OR expires_at <= $2', [tokenHash, now.toISOString()]);
      return undefined;
    }
    return sessionOf(r);
  }
  async touchSession(tokenHash: string, seenAt: Date, expiresAt: Date) {
    await this.run('UPDATE serve_sessions SET seen_at = $1, expires_at = $2 WHERE token_hash = $3', [seenAt.toISOString(), expiresAt.toISOString(), tokenHash]);
  }
  async deleteSession(tokenHash: string) {
    await this.run('DELETE FROM serve_sessions WHERE token_hash = $1', [tokenHash]);
  }

  async audit(entry: AuditEntry) {
    await this.run('INSERT INTO audit_log (who, action, batch_id, detail_json, remote, at) VALUES ($1, $2, $3, $4, $5, $6)', [
      entry.who ?? null,
      entry.action,
      entry.batchId ?? null,
      JSON.stringify(entry.detail ?? {}),
      entry.remote ?? null,
      this.now().toISOString(),
    ]);
  }
  async auditFor(batchId: string) {
    const records = await this.all<{ who: string | null; action: string; batch_id: string; detail_json: string; remote: string | null; at: string }>('SELECT * FROM audit_log WHERE batch_id = $1 ORDER BY id', [batchId]);
    return records.map((r) => ({
      ...(r.who !== null ? { who: r.who } : {}),
      action: r.action,
      batchId: r.batch_id,
      detail: JSON.parse(r.detail_json) as Record<string, unknown>,
      ...(r.remote !== null ? { remote: r.remote } : {}),
      at: new Date(r.at),
    }));
  }
  async close() {
    await this.pool.end();
  }
}

/** Rows in multi-row INSERTs of at most 500 (7 parameters each, well under PostgreSQL's 65,535). */
async function insertRows(client: pg.PoolClient, id: string, rows: readonly ReviewRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    const values: unknown[] = [];
    const tuples = rows.slice(i, i + 500).map((r, j) => {
      // Codes between spaces: a filter by code looks for ' CODE '.
      values.push(id, r.row, r.orderId ?? null, r.status, ` ${r.issues.map((x) => x.code).join(' ')} `, JSON.stringify(r.issues), JSON.stringify(r.cells ?? {}));
      return `(${Array.from({ length: 7 }, (_, k) => `$${j * 7 + k + 1}`).join(', ')})`;
    });
    await client.query(`INSERT INTO review_rows (review_id, row_number, order_id, status, codes, issues_json, cells_json) VALUES ${tuples.join(', ')}`, values);
  }
}

function safePassword(url: string): string | undefined {
  try {
    const password = new URL(url).password;
    return password === '' ? undefined : decodeURIComponent(password);
  } catch {
    return undefined;
  }
}
