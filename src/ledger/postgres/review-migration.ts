/**
 * What `payout-batch serve` keeps in a PostgreSQL ledger: the SQLite ledger's migration 4 (users, batch reviews, their
 * rows, approvals, the audit log) and its sessions migration, in PostgreSQL's types (times as timestamptz, ids as
 * bigint). JSON stays text, so that it reads back byte for byte as it was written on either store.
 * - users: scrypt hash with its own salt and parameters (serve/passwords.ts), never the password.
 * - approvals: one per batch and user (UNIQUE), bound to the plan hash the approver saw.
 * - serve_sessions: the SHA-256 of each session token, never the token; expires_at moves with each use.
 */
export const PG_REVIEW_MIGRATION = `
  CREATE TABLE users (
    name          text PRIMARY KEY,
    role          text NOT NULL CHECK (role IN ('operator','approver','viewer')),
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL
  );

  CREATE TABLE batch_reviews (
    id              text PRIMARY KEY,
    status          text NOT NULL CHECK (status IN ('review','awaiting_approval','approved','paying','paused','finished','rejected','failed')),
    uploader        text NOT NULL,
    provider        text NOT NULL,
    file_name       text NOT NULL,
    stored_name     text NOT NULL,
    file_hash       text NOT NULL,
    sheet           text,
    map_json        text NOT NULL DEFAULT '{}',
    plan_hash       text NOT NULL,
    summary_json    text NOT NULL,
    ledger_batch_id text,
    reason          text,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
  );
  CREATE INDEX batch_reviews_status ON batch_reviews (status, created_at);

  CREATE TABLE review_rows (
    review_id   text NOT NULL REFERENCES batch_reviews(id),
    row_number  integer NOT NULL,
    order_id    text,
    status      text NOT NULL,
    -- The row's issue codes between spaces: a filter by code looks for ' CODE '.
    codes       text NOT NULL,
    issues_json text NOT NULL,
    cells_json  text NOT NULL DEFAULT '{}',
    PRIMARY KEY (review_id, row_number)
  );

  CREATE TABLE approvals (
    batch_id   text NOT NULL REFERENCES batch_reviews(id),
    user_name  text NOT NULL,
    plan_hash  text NOT NULL,
    at         timestamptz NOT NULL,
    UNIQUE (batch_id, user_name)
  );

  CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    who         text,
    action      text NOT NULL,
    batch_id    text,
    detail_json text NOT NULL DEFAULT '{}',
    remote      text,
    at          timestamptz NOT NULL
  );
  CREATE INDEX audit_log_batch ON audit_log (batch_id, id);

  CREATE TABLE serve_sessions (
    token_hash text PRIMARY KEY,
    user_name  text NOT NULL,
    created_at timestamptz NOT NULL,
    seen_at    timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
  );
  CREATE INDEX serve_sessions_expiry ON serve_sessions (expires_at);
  CREATE INDEX serve_sessions_user ON serve_sessions (user_name);
`;
