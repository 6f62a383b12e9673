/**
 * What `payout-batch serve` keeps besides the payout ledger: users, batch reviews, approvals, the audit log. Kept in
 * the ledger (ledger/sqlite/sqlite-review-store.ts, ledger/postgres/pg-review-store.ts; serve/open-review-store.ts opens
 * the one of a ledger location), so every server on a shared ledger knows the same.
 */
export const ROLES = ['operator', 'approver', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const REVIEW_STATUSES = ['review', 'awaiting_approval', 'approved', 'paying', 'paused', 'finished', 'rejected', 'failed'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

export interface User {
  name: string;
  role: Role;
  passwordHash: string;
  createdAt: Date;
}

export interface IssueView {
  code: string;
  severity: 'error' | 'warning';
  field?: string;
  column?: string;
  message: string;
}

export interface ReviewRow {
  row: number;
  orderId?: string;
  status: string;
  issues: IssueView[];
  /** The cells by field (order_id, amount, currency, account masked, name, provider). */
  cells?: Record<string, string>;
}

export interface Review {
  id: string;
  status: ReviewStatus;
  uploader: string;
  provider: string;
  /** As uploaded, for display only: never a path. */
  fileName: string;
  /** The generated name under the data folder. */
  storedName: string;
  fileHash: string;
  sheet?: string;
  map: Record<string, string>;
  planHash: string;
  /** Counts, totals, mapping, funds: whatever the review page shows (serve/plan-upload.ts ReviewSummary). */
  summary: unknown;
  ledgerBatchId?: string;
  reason?: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface Approval {
  batchId: string;
  user: string;
  planHash: string;
  at: Date;
}

export interface AuditEntry {
  who?: string;
  action: string;
  batchId?: string;
  detail?: Record<string, unknown>;
  remote?: string;
}

export interface RowFilter {
  status?: string;
  code?: string;
  offset: number;
  limit: number;
}

/** A signed-in session as the ledger keeps it: the SHA-256 of its token, never the token. */
export interface StoredSession {
  tokenHash: string;
  user: string;
  createdAt: Date;
  seenAt: Date;
  /** Moves forward with each use: a session unused until then has ended. */
  expiresAt: Date;
}

export type NewReview = Omit<Review, 'createdAt' | 'updatedAt' | 'ledgerBatchId' | 'reason'>;

export interface ReviewStore {
  /** False when a user of that name exists. */
  addUser(user: { name: string; role: Role; passwordHash: string }): Promise<boolean>;
  getUser(name: string): Promise<User | undefined>;
  listUsers(): Promise<User[]>;
  removeUser(name: string): Promise<boolean>;

  createReview(review: NewReview, rows: readonly ReviewRow[]): Promise<void>;
  getReview(id: string): Promise<Review | undefined>;
  listReviews(): Promise<Review[]>;
  /**
   * Moves a review from one of `from` to `to` (with the other fields given); false when it was in no state of `from`,
   * so that two requests never both move it.
   */
  transition(id: string, from: readonly ReviewStatus[], to: ReviewStatus, fields?: { planHash?: string; summary?: unknown; ledgerBatchId?: string; reason?: string }): Promise<boolean>;
  /**
   * A new plan of the same file (another column mapping): the review moves from one of `from` to `to` with its new map,
   * plan hash, summary and rows, and loses its approvals — all in one transaction; false when it was in no state of
   * `from` (nothing changed).
   */
  replacePlan(id: string, from: readonly ReviewStatus[], to: ReviewStatus, plan: { map: Record<string, string>; planHash: string; summary: unknown }, rows: readonly ReviewRow[]): Promise<boolean>;
  rows(id: string, filter: RowFilter): Promise<{ rows: ReviewRow[]; total: number }>;
  /** Every issue code in the review's rows, with its count. */
  codeCounts(id: string): Promise<Record<string, number>>;

  /** False when this user already approved this batch. */
  addApproval(approval: Approval): Promise<boolean>;
  approvals(batchId: string): Promise<Approval[]>;
  /** A new plan needs new approvals. */
  clearApprovals(batchId: string): Promise<void>;

  createSession(session: StoredSession): Promise<void>;
  /** The session of this token hash unless it expired by `now` (an expired one is removed). */
  getSession(tokenHash: string, now: Date): Promise<StoredSession | undefined>;
  touchSession(tokenHash: string, seenAt: Date, expiresAt: Date): Promise<void>;
  deleteSession(tokenHash: string): Promise<void>;

  audit(entry: AuditEntry): Promise<void>;
  auditFor(batchId: string): Promise<Array<AuditEntry & { at: Date }>>;
  close(): Promise<void>;
}
