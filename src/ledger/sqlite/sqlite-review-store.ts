import Database from 'better-sqlite3';
import type { Approval, AuditEntry, NewReview, Review, ReviewRow, ReviewStatus, ReviewStore, Role, RowFilter, StoredSession, User } from '../../serve/review-store.ts';
import { LedgerError } from '../ledger-error.ts';
import { parseLedgerLocation } from '../ledger-location.ts';
import { openSqliteLedger } from './open-sqlite-ledger.ts';
import { SQLITE_MIGRATIONS } from './migrations.ts';
import { REVIEW_MIGRATION, SESSIONS_MIGRATION } from './review-migration.ts';

/**
 * The schema version the review and session tables arrive at (review-migration.ts), found by their places in the list
 * so that a migration added before them on another branch moves it without a second edit. A ledger below it is
 * migrated first.
 */
const REVIEW_SCHEMA_VERSION = Math.max(SQLITE_MIGRATIONS.indexOf(REVIEW_MIGRATION), SQLITE_MIGRATIONS.indexOf(SESSIONS_MIGRATION)) + 1;

/**
 * The ReviewStore on the SQLite ledger file: its own connection (WAL lets it sit beside the LedgerStore's), opened
 * after the ledger is migrated. Each method is one committed statement or transaction.
 */
export async function openSqliteReviewStore(path: string, options: { now?: () => Date } = {}): Promise<ReviewStore> {
  if (SQLITE_MIGRATIONS.indexOf(REVIEW_MIGRATION) < 0 || SQLITE_MIGRATIONS.indexOf(SESSIONS_MIGRATION) < 0) throw new Error('review or sessions migration missing from SQLITE_MIGRATIONS');
  // A postgres:// location is the PostgreSQL store's (serve/open-review-store.ts), never opened as a file path.
  if (parseLedgerLocation(path).kind !== 'sqlite') {
    throw new LedgerError('LEDGER_LOCATION_UNSUPPORTED', 'not a SQLite ledger file: open a postgres:// ledger with openPgReviewStore', {});
  }
  const db = new Database(path, { timeout: 10_000, fileMustExist: true });
  if ((db.pragma('user_version', { simple: true }) as number) < REVIEW_SCHEMA_VERSION) {
    db.close();
    // Opening the ledger migrates it.
    await openSqliteLedger(path, { create: false }).close();
    return openSqliteReviewStore(path, options);
  }
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  return new SqliteReviewStore(db, options.now ?? (() => new Date()));
}

export interface ReviewRecord {
  id: string;
  status: ReviewStatus;
  uploader: string;
  provider: string;
  file_name: string;
  stored_name: string;
  file_hash: string;
  sheet: string | null;
  map_json: string;
  plan_hash: string;
  summary_json: string;
  ledger_batch_id: string | null;
  reason: string | null;
  created_at: string;
  updated_at: string;
}

class SqliteReviewStore implements ReviewStore {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => Date,
  ) {}

  async addUser(user: { name: string; role: Role; passwordHash: string }) {
    // ON CONFLICT, not OR IGNORE: OR IGNORE would also swallow a CHECK failure (a role outside the three) as "exists".
    const sql = 'INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING';
    return this.db.prepare(sql).run(user.name, user.role, user.passwordHash, this.now().toISOString()).changes === 1;
  }
  async getUser(name: string) {
    const r = this.db.prepare('SELECT * FROM users WHERE name = ?').get(name) as UserRecord | undefined;
    return r && userOf(r);
  }
  async listUsers() {
    return (this.db.prepare('SELECT * FROM users ORDER BY name').all() as UserRecord[]).map(userOf);
  }
  async removeUser(name: string) {
    return this.db.prepare('DELETE FROM users WHERE name = ?').run(name).changes > 0;
  }

  async createReview(review: NewReview, rows: readonly ReviewRow[]) {
    const at = this.now().toISOString();
    const insertRow = this.insertRow();
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO batch_reviews (id, status, uploader, provider, file_name, stored_name, file_hash, sheet, map_json, plan_hash, summary_json, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(review.id, review.status, review.uploader, review.provider, review.fileName, review.storedName, review.fileHash, review.sheet ?? null, JSON.stringify(review.map), review.planHash, JSON.stringify(review.summary), at, at);
      for (const r of rows) insertRow(review.id, r);
    })();
  }
  private insertRow() {
    const statement = this.db.prepare('INSERT INTO review_rows (review_id, row_number, order_id, status, codes, issues_json, cells_json) VALUES (?, ?, ?, ?, ?, ?, ?)');
    // Codes between spaces: a filter by code looks for ' CODE '.
    return (id: string, r: ReviewRow) => statement.run(id, r.row, r.orderId ?? null, r.status, ` ${r.issues.map((i) => i.code).join(' ')} `, JSON.stringify(r.issues), JSON.stringify(r.cells ?? {}));
  }
  async replacePlan(id: string, from: readonly ReviewStatus[], to: ReviewStatus, plan: { map: Record<string, string>; planHash: string; summary: unknown }, rows: readonly ReviewRow[]) {
    const insertRow = this.insertRow();
    return this.db.transaction(() => {
      const sql = `UPDATE batch_reviews SET status = ?, map_json = ?, plan_hash = ?, summary_json = ?, updated_at = ? WHERE id = ? AND status IN (${from.map(() => '?').join(',')})`;
      if (this.db.prepare(sql).run(to, JSON.stringify(plan.map), plan.planHash, JSON.stringify(plan.summary), this.now().toISOString(), id, ...from).changes !== 1) return false;
      this.db.prepare('DELETE FROM review_rows WHERE review_id = ?').run(id);
      for (const r of rows) insertRow(id, r);
      this.db.prepare('DELETE FROM approvals WHERE batch_id = ?').run(id);
      return true;
    })();
  }
  async getReview(id: string) {
    const r = this.db.prepare('SELECT * FROM batch_reviews WHERE id = ?').get(id) as ReviewRecord | undefined;
    return r && reviewOf(r);
  }
  async listReviews() {
    return (this.db.prepare('SELECT * FROM batch_reviews ORDER BY created_at DESC, id').all() as ReviewRecord[]).map(reviewOf);
  }
  async transition(id: string, from: readonly ReviewStatus[], to: ReviewStatus, fields: { planHash?: string; summary?: unknown; ledgerBatchId?: string; reason?: string } = {}) {
    const sets = ['status = ?', 'updated_at = ?'];
    const values: unknown[] = [to, this.now().toISOString()];
    if (fields.planHash !== undefined) {
      sets.push('plan_hash = ?');
      values.push(fields.planHash);
    }
    if (fields.summary !== undefined) {
      sets.push('summary_json = ?');
      values.push(JSON.stringify(fields.summary));
    }
    if (fields.ledgerBatchId !== undefined) {
      sets.push('ledger_batch_id = ?');
      values.push(fields.ledgerBatchId);
    }
    if (fields.reason !== undefined) {
      sets.push('reason = ?');
      values.push(fields.reason);
    }
    const sql = `UPDATE batch_reviews SET ${sets.join(', ')} WHERE id = ? AND status IN (${from.map(() => '?').join(',')})`;
    return this.db.prepare(sql).run(...values, id, ...from).changes === 1;
  }
  async rows(id: string, filter: RowFilter) {
    const where = ['review_id = ?'];
    const values: unknown[] = [id];
    if (filter.status) {
      where.push('status = ?');
      values.push(filter.status);
    }
    if (filter.code) {
      where.push('instr(codes, ?) > 0');
      values.push(` ${filter.code.trim()} `);
    }
    const clause = where.join(' AND ');
    const total = (this.db.prepare(`SELECT count(*) AS n FROM review_rows WHERE ${clause}`).get(...values) as { n: number }).n;
    const records = this.db
      .prepare(`SELECT row_number, order_id, status, issues_json, cells_json FROM review_rows WHERE ${clause} ORDER BY row_number LIMIT ? OFFSET ?`)
      .all(...values, filter.limit, filter.offset) as Array<{ row_number: number; order_id: string | null; status: string; issues_json: string; cells_json: string }>;
    return {
      total,
      rows: records.map((r) => ({ row: r.row_number, ...(r.order_id !== null ? { orderId: r.order_id } : {}), status: r.status, issues: JSON.parse(r.issues_json) as ReviewRow['issues'], cells: JSON.parse(r.cells_json) as Record<string, string> })),
    };
  }
  async codeCounts(id: string) {
    const counts: Record<string, number> = {};
    for (const r of this.db.prepare("SELECT codes FROM review_rows WHERE review_id = ? AND codes != '  '").iterate(id) as Iterable<{ codes: string }>) {
      for (const code of new Set(r.codes.trim().split(' '))) if (code) counts[code] = (counts[code] ?? 0) + 1;
    }
    return counts;
  }

  async addApproval(approval: Approval) {
    return this.db.prepare('INSERT INTO approvals (batch_id, user_name, plan_hash, at) VALUES (?, ?, ?, ?) ON CONFLICT (batch_id, user_name) DO NOTHING').run(approval.batchId, approval.user, approval.planHash, approval.at.toISOString()).changes === 1;
  }
  async approvals(batchId: string) {
    const records = this.db.prepare('SELECT * FROM approvals WHERE batch_id = ? ORDER BY at, user_name').all(batchId) as Array<{ batch_id: string; user_name: string; plan_hash: string; at: string }>;
    return records.map((r) => ({ batchId: r.batch_id, user: r.user_name, planHash: r.plan_hash, at: new Date(r.at) }));
  }
  async clearApprovals(batchId: string) {
    this.db.prepare('DELETE FROM approvals WHERE batch_id = ?').run(batchId);
  }

  async createSession(session: StoredSession) {
    this.db
      .prepare('INSERT INTO serve_sessions (token_hash, user_name, created_at, seen_at, expires_at) VALUES (?, ?, ?, ?, ?)')
      .run(session.tokenHash, session.user, session.createdAt.toISOString(), session.seenAt.toISOString(), session.expiresAt.toISOString());
  }
  async getSession(tokenHash: string, now: Date) {
    const r = this.db.prepare('SELECT * FROM serve_sessions WHERE token_hash = ?').get(tokenHash) as SessionRecord | undefined;
    if (!r) return undefined;
    // ISO-8601 UTC strings of one length compare as the times they name.
    if (r.expires_at <= now.toISOString()) {
      this.db.prepare('DELETE FROM serve_sessions WHERE token_hash = ? OR expires_at <= ?').run(tokenHash, now.toISOString());
      return undefined;
    }
    return sessionOf(r);
  }
  async touchSession(tokenHash: string, seenAt: Date, expiresAt: Date) {
    this.db.prepare('UPDATE serve_sessions SET seen_at = ?, expires_at = ? WHERE token_hash = ?').run(seenAt.toISOString(), expiresAt.toISOString(), tokenHash);
  }
  async deleteSession(tokenHash: string) {
    this.db.prepare('DELETE FROM serve_sessions WHERE token_hash = ?').run(tokenHash);
  }

  async audit(entry: AuditEntry) {
    this.db
      .prepare('INSERT INTO audit_log (who, action, batch_id, detail_json, remote, at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(entry.who ?? null, entry.action, entry.batchId ?? null, JSON.stringify(entry.detail ?? {}), entry.remote ?? null, this.now().toISOString());
  }
  async auditFor(batchId: string) {
    const records = this.db.prepare('SELECT * FROM audit_log WHERE batch_id = ? ORDER BY id').all(batchId) as Array<{ who: string | null; action: string; batch_id: string; detail_json: string; remote: string | null; at: string }>;
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
    this.db.close();
  }
}

export interface UserRecord {
  name: string;
  role: Role;
  password_hash: string;
  created_at: string;
}

export interface SessionRecord {
  token_hash: string;
  user_name: string;
  created_at: string;
  seen_at: string;
  expires_at: string;
}

export function sessionOf(r: SessionRecord): StoredSession {
  return { tokenHash: r.token_hash, user: r.user_name, createdAt: new Date(r.created_at), seenAt: new Date(r.seen_at), expiresAt: new Date(r.expires_at) };
}

export function userOf(r: UserRecord): User {
  return { name: r.name, role: r.role, passwordHash: r.password_hash, createdAt: new Date(r.created_at) };
}

export function reviewOf(r: ReviewRecord): Review {
  return {
    id: r.id,
    status: r.status,
    uploader: r.uploader,
    provider: r.provider,
    fileName: r.file_name,
    storedName: r.stored_name,
    fileHash: r.file_hash,
    ...(r.sheet !== null ? { sheet: r.sheet } : {}),
    map: JSON.parse(r.map_json) as Record<string, string>,
    planHash: r.plan_hash,
    summary: JSON.parse(r.summary_json) as unknown,
    ...(r.ledger_batch_id !== null ? { ledgerBatchId: r.ledger_batch_id } : {}),
    ...(r.reason !== null ? { reason: r.reason } : {}),
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}
