/**
 * The SQLite schema, as an ordered list of migrations. Migration i (0-based) brings the database from
 * `PRAGMA user_version = i` to `i + 1`; each runs in its own transaction with the version bump, so a crash
 * mid-migration leaves the previous version intact. Never edit a shipped migration: append a new one.
 *
 * Kept to portable SQL where it matters (a PostgreSQL store will follow): TEXT ISO-8601 UTC times, INTEGER minor
 * units (never REAL), a partial unique index for key ownership. STRICT tables are SQLite's way of refusing a REAL
 * in an INTEGER column.
 */

import { REVIEW_MIGRATION, SESSIONS_MIGRATION } from './review-migration.ts';

const ALL_STATUSES = `'valid','invalid','duplicate','conflict','queued','sending','pending','paid','failed','unknown','not_sent'`;
/** Must match KEY_OWNING_STATUSES in transitions.ts (a test checks). */
export const KEY_OWNING_SQL = `'queued','sending','pending','unknown','paid'`;

export const SQLITE_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE batches (
    id          TEXT PRIMARY KEY,
    provider    TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    file_hash   TEXT NOT NULL,
    row_count   INTEGER NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('planned','dispatching','finished','interrupted')),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
  ) STRICT;

  CREATE TABLE batch_balances (
    batch_id     TEXT NOT NULL REFERENCES batches(id),
    provider     TEXT NOT NULL,
    currency     TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    captured_at  TEXT NOT NULL,
    PRIMARY KEY (batch_id, provider, currency)
  ) STRICT;

  -- One row per batch at most; taken and checked inside a write transaction.
  CREATE TABLE batch_locks (
    batch_id    TEXT PRIMARY KEY REFERENCES batches(id),
    owner_pid   INTEGER NOT NULL,
    owner_host  TEXT NOT NULL,
    owner_token TEXT NOT NULL,
    started_at  TEXT NOT NULL
  ) STRICT;

  CREATE TABLE payout_rows (
    id                  INTEGER PRIMARY KEY,
    batch_id            TEXT NOT NULL REFERENCES batches(id),
    row_number          INTEGER NOT NULL,
    provider            TEXT NOT NULL,
    order_key           TEXT,
    fingerprint         TEXT,
    amount_minor        INTEGER,
    currency            TEXT,
    account             TEXT,
    account_kind        TEXT CHECK (account_kind IN ('clabe','cbu','cvu','alias','cash_out')),
    account_bank_code   TEXT,
    account_bank_name   TEXT,
    account_masked      TEXT,
    name                TEXT,
    email               TEXT,
    phone               TEXT,
    description         TEXT,
    input               TEXT,
    status              TEXT NOT NULL CHECK (status IN (${ALL_STATUSES})),
    owner_row_id        INTEGER REFERENCES payout_rows(id),
    request_key         TEXT,
    attempts            INTEGER NOT NULL DEFAULT 0,
    recipient_id        TEXT,
    provider_payout_id  TEXT,
    provider_status     TEXT,
    provider_reference  TEXT,
    error_code          TEXT,
    error_message       TEXT,
    warning             TEXT,
    note                TEXT,
    sent_at             TEXT,
    provider_updated_at TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    UNIQUE (batch_id, row_number),
    -- A row in the payment states is payable: everything a request needs is there.
    CHECK (status NOT IN ('queued','sending','pending','unknown','paid','failed','not_sent')
           OR (order_key IS NOT NULL AND amount_minor IS NOT NULL AND currency IS NOT NULL
               AND account IS NOT NULL AND account_kind IS NOT NULL AND fingerprint IS NOT NULL)),
    -- A row past sending was marked sending first, with its key and attempt; the one exception is a row failed
    -- before any payout request, because the provider refused its destination (attempts stays 0).
    CHECK (status NOT IN ('sending','pending','unknown','paid','failed')
           OR (request_key IS NOT NULL AND attempts > 0 AND sent_at IS NOT NULL)
           OR (status = 'failed' AND attempts = 0))
  ) STRICT;

  -- THE double-payment guard: one row per provider + order key across all batches may be in a key-owning status.
  CREATE UNIQUE INDEX payout_rows_key_owner ON payout_rows (provider, order_key) WHERE status IN (${KEY_OWNING_SQL});
  CREATE INDEX payout_rows_key ON payout_rows (provider, order_key);
  CREATE INDEX payout_rows_batch_status ON payout_rows (batch_id, status, id);
  CREATE INDEX payout_rows_status ON payout_rows (status, id);
  CREATE INDEX payout_rows_payout_id ON payout_rows (provider, provider_payout_id) WHERE provider_payout_id IS NOT NULL;
  CREATE INDEX payout_rows_updated ON payout_rows (updated_at, id);

  CREATE TABLE row_history (
    id                INTEGER PRIMARY KEY,
    row_id            INTEGER NOT NULL REFERENCES payout_rows(id),
    batch_id          TEXT NOT NULL,
    at                TEXT NOT NULL,
    from_status       TEXT,
    to_status         TEXT NOT NULL,
    cause             TEXT NOT NULL,
    attempt           INTEGER NOT NULL,
    provider_status   TEXT,
    provider_code     TEXT,
    provider_message  TEXT,
    error_code        TEXT,
    provider_event_at TEXT,
    note              TEXT
  ) STRICT;
  CREATE INDEX row_history_row ON row_history (row_id, id);

  CREATE TABLE recipients (
    provider      TEXT NOT NULL,
    recipient_key TEXT NOT NULL,
    recipient_id  TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (provider, recipient_key)
  ) STRICT;
  `,
  // 2: one key per payout intent across providers. The merchant's order_id / externalReference names the payout
  // whatever provider carries it, so at most one row owns it in the whole ledger (was: one per provider). A ledger
  // where two providers already own the same order_id cannot take this index: opening it fails loudly, since those
  // rows are the double payment this rule prevents and need an operator.
  `
  DROP INDEX payout_rows_key_owner;
  CREATE UNIQUE INDEX payout_rows_key_owner ON payout_rows (order_key) WHERE status IN (${KEY_OWNING_SQL});
  DROP INDEX payout_rows_key;
  CREATE INDEX payout_rows_key ON payout_rows (order_key);
  `,
  // 3: environments never mix. A batch, its rows and its keys belong to one environment (simulator, sandbox, live) and
  // one provider account; a key owned in the simulator does not block live, and vice versa (the unique index is per
  // environment). Batches written before this migration get environment 'unknown': nothing recorded says whether they
  // were rehearsals or real payouts, so their rows keep owning their keys in EVERY environment (rows.ts: currentOwner)
  // — a legacy row still makes a new live row a duplicate, and the message says the owner is a legacy batch.
  // Recipients become per environment + account: an id made on the simulator means nothing on live. The old table is
  // kept, renamed, for the record, and no longer read: a recipient is created again once per environment and account.
  `
  ALTER TABLE batches ADD COLUMN environment TEXT NOT NULL DEFAULT 'unknown'
    CHECK (environment IN ('unknown','simulator','sandbox','live'));
  ALTER TABLE batches ADD COLUMN account TEXT;
  ALTER TABLE payout_rows ADD COLUMN environment TEXT NOT NULL DEFAULT 'unknown'
    CHECK (environment IN ('unknown','simulator','sandbox','live'));
  DROP INDEX payout_rows_key_owner;
  CREATE UNIQUE INDEX payout_rows_key_owner ON payout_rows (environment, order_key) WHERE status IN (${KEY_OWNING_SQL});
  DROP INDEX payout_rows_key;
  CREATE INDEX payout_rows_key ON payout_rows (order_key, environment);
  CREATE INDEX batches_environment ON batches (environment, created_at);

  ALTER TABLE recipients RENAME TO recipients_unscoped;
  CREATE TABLE recipients (
    environment   TEXT NOT NULL CHECK (environment IN ('simulator','sandbox','live')),
    account       TEXT NOT NULL,
    provider      TEXT NOT NULL,
    recipient_key TEXT NOT NULL,
    recipient_id  TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (environment, account, provider, recipient_key)
  ) STRICT;
  `,
  // 4: users, reviews, approvals and the audit log of `payout-batch serve` (review-migration.ts).
  REVIEW_MIGRATION,
  // 5: a batch records when every row of its file was written ("planning complete"). The run writes a large file's
  // rows in many transactions; a batch whose planning a crash cut short has only some of them, and is planned again
  // (never dispatched) until the marker is set. Batches written before this wrote all their rows in one transaction:
  // any with a row, a status past planned, or no rows to write is complete.
  `
  ALTER TABLE batches ADD COLUMN planned_at TEXT;
  UPDATE batches SET planned_at = updated_at
    WHERE status <> 'planned' OR row_count = 0 OR EXISTS (SELECT 1 FROM payout_rows r WHERE r.batch_id = batches.id);
  `,
  // The sessions of `payout-batch serve` (review-migration.ts): a restart signs no one out.
  SESSIONS_MIGRATION,
  // A batch's rows in id order: a report of a batch reads it a page at a time by id, and without this index each
  // page sorted every row of the batch again (a million-row batch, a thousand sorts of up to a million rows).
  `
  CREATE INDEX payout_rows_batch_id ON payout_rows (batch_id, id);
  `,
  // A batch records who ran it (`payout-batch batches` shows it): --operator, the config's "operator", else the OS
  // user. Batches written before stay without one.
  `
  ALTER TABLE batches ADD COLUMN operator TEXT;
  `,
  // Payouts at a provider under one of our order ids that no row holds, learnt from a provider event and confirmed by
  // fetching the payout (webhooks/follow-payout-event.ts): report lists them among its exceptions, whatever window its
  // provider listing reads (Zenrise lists nothing at all).
  `
  CREATE TABLE unaccounted_payouts (
    environment        TEXT NOT NULL CHECK (environment IN ('simulator','sandbox','live')),
    provider           TEXT NOT NULL,
    provider_payout_id TEXT NOT NULL,
    reference          TEXT,
    row_id             INTEGER NOT NULL REFERENCES payout_rows(id),
    batch_id           TEXT NOT NULL,
    state              TEXT NOT NULL CHECK (state IN ('pending','paid','failed')),
    provider_status    TEXT NOT NULL,
    amount_minor       INTEGER NOT NULL,
    currency           TEXT NOT NULL,
    destination        TEXT,
    source             TEXT NOT NULL,
    first_seen_at      TEXT NOT NULL,
    last_seen_at       TEXT NOT NULL,
    PRIMARY KEY (environment, provider, provider_payout_id)
  ) STRICT;
  `,
];
