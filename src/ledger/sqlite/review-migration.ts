/**
 * Migration 4 (user_version 3 → 4): what `payout-batch serve` keeps in the ledger, so that every server on a shared
 * ledger knows the same users, approvals and history. Self-contained: it only adds tables.
 * - users: scrypt hash with its own salt and parameters (serve/passwords.ts), never the password.
 * - batch_reviews: an uploaded file's way through review → awaiting_approval → approved → paying → finished (or
 *   paused / rejected / failed); ledger_batch_id is the payout batch (batch-identity.ts) once it is paid.
 * - review_rows: each row's verdict and issues as the review page shows them (filterable by status and code).
 * - approvals: one per batch and user (UNIQUE), bound to the plan hash the approver saw.
 * - audit_log: who did what, when, from where.
 */
export const REVIEW_MIGRATION = `
  CREATE TABLE users (
    name          TEXT PRIMARY KEY,
    role          TEXT NOT NULL CHECK (role IN ('operator','approver','viewer')),
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
  ) STRICT;

  CREATE TABLE batch_reviews (
    id              TEXT PRIMARY KEY,
    status          TEXT NOT NULL CHECK (status IN ('review','awaiting_approval','approved','paying','paused','finished','rejected','failed')),
    uploader        TEXT NOT NULL,
    provider        TEXT NOT NULL,
    file_name       TEXT NOT NULL,
    stored_name     TEXT NOT NULL,
    file_hash       TEXT NOT NULL,
    sheet           TEXT,
    map_json        TEXT NOT NULL DEFAULT '{}',
    plan_hash       TEXT NOT NULL,
    summary_json    TEXT NOT NULL,
    ledger_batch_id TEXT,
    reason          TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
  ) STRICT;
  CREATE INDEX batch_reviews_status ON batch_reviews (status, created_at);

  CREATE TABLE review_rows (
    review_id   TEXT NOT NULL REFERENCES batch_reviews(id),
    row_number  INTEGER NOT NULL,
    order_id    TEXT,
    status      TEXT NOT NULL,
    codes       TEXT NOT NULL,
    issues_json TEXT NOT NULL,
    -- The row's cells by field as the page shows them (accounts masked).
    cells_json  TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (review_id, row_number)
  ) STRICT;

  CREATE TABLE approvals (
    batch_id   TEXT NOT NULL REFERENCES batch_reviews(id),
    user_name  TEXT NOT NULL,
    plan_hash  TEXT NOT NULL,
    at         TEXT NOT NULL,
    UNIQUE (batch_id, user_name)
  ) STRICT;

  CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    who         TEXT,
    action      TEXT NOT NULL,
    batch_id    TEXT,
    detail_json TEXT NOT NULL DEFAULT '{}',
    remote      TEXT,
    at          TEXT NOT NULL
  ) STRICT;
  CREATE INDEX audit_log_batch ON audit_log (batch_id, id);
`;

/**
 * Sessions of `payout-batch serve`, in the ledger so that a restart signs no one out and every server on a shared
 * ledger knows the same sessions. Only the SHA-256 of the token is kept: a copy of the ledger signs no one in.
 * expires_at moves forward with each use (idle expiry); a row past it is refused and removed.
 */
export const SESSIONS_MIGRATION = `
  CREATE TABLE serve_sessions (
    token_hash TEXT PRIMARY KEY,
    user_name  TEXT NOT NULL,
    created_at TEXT NOT NULL,
    seen_at    TEXT NOT NULL,
    expires_at TEXT NOT NULL
  ) STRICT;
  CREATE INDEX serve_sessions_expiry ON serve_sessions (expires_at);
  CREATE INDEX serve_sessions_user ON serve_sessions (user_name);
`;
