import { KEY_OWNING_STATUSES } from '../transitions.ts';
import { PG_REVIEW_MIGRATION } from './review-migration.ts';

/**
 * The PostgreSQL schema, as an ordered list of migrations: migration i (0-based) is version i + 1 in `schema_version`,
 * applied in its own transaction with its version row. Never edit a shipped migration: append a new one.
 *
 * Version 1 is the SQLite ledger's schema as of its migration 3 (environments, one key owner per environment +
 * order_key, recipients per environment and account), in PostgreSQL's types: money and ids as bigint (never numeric,
 * never a float), times as timestamptz. The batch lock row carries a heartbeat (see locks in postgres-ledger.ts).
 */
const ALL_STATUSES = `'valid','invalid','duplicate','conflict','queued','sending','pending','paid','failed','unknown','not_sent'`;
export const PG_KEY_OWNING_SQL = KEY_OWNING_STATUSES.map((s) => `'${s}'`).join(',');
const ENVIRONMENT_CHECK = `CHECK (environment IN ('unknown','simulator','sandbox','live'))`;

export const PG_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE batches (
    id          text PRIMARY KEY,
    provider    text NOT NULL,
    environment text NOT NULL DEFAULT 'unknown' ${ENVIRONMENT_CHECK},
    account     text,
    file_name   text NOT NULL,
    file_hash   text NOT NULL,
    row_count   integer NOT NULL,
    status      text NOT NULL CHECK (status IN ('planned','dispatching','finished','interrupted')),
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
  );
  CREATE INDEX batches_environment ON batches (environment, created_at);

  CREATE TABLE batch_balances (
    batch_id     text NOT NULL REFERENCES batches(id),
    provider     text NOT NULL,
    currency     text NOT NULL,
    amount_minor bigint NOT NULL,
    captured_at  timestamptz NOT NULL,
    PRIMARY KEY (batch_id, provider, currency)
  );

  -- One row per batch at most: who holds it, and when it last proved it is alive (heartbeat_at, server time).
  CREATE TABLE batch_locks (
    batch_id     text PRIMARY KEY REFERENCES batches(id),
    owner_pid    integer NOT NULL,
    owner_host   text NOT NULL,
    owner_token  text NOT NULL,
    started_at   timestamptz NOT NULL,
    heartbeat_at timestamptz NOT NULL
  );

  CREATE TABLE payout_rows (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch_id            text NOT NULL REFERENCES batches(id),
    row_number          integer NOT NULL,
    provider            text NOT NULL,
    environment         text NOT NULL DEFAULT 'unknown' ${ENVIRONMENT_CHECK},
    order_key           text,
    fingerprint         text,
    amount_minor        bigint,
    currency            text,
    account             text,
    account_kind        text CHECK (account_kind IN ('clabe','cbu','cvu','alias','cash_out')),
    account_bank_code   text,
    account_bank_name   text,
    account_masked      text,
    name                text,
    email               text,
    phone               text,
    description         text,
    input               text,
    status              text NOT NULL CHECK (status IN (${ALL_STATUSES})),
    owner_row_id        bigint REFERENCES payout_rows(id),
    request_key         text,
    attempts            integer NOT NULL DEFAULT 0,
    recipient_id        text,
    provider_payout_id  text,
    provider_status     text,
    provider_reference  text,
    error_code          text,
    error_message       text,
    warning             text,
    note                text,
    sent_at             timestamptz,
    provider_updated_at timestamptz,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    UNIQUE (batch_id, row_number),
    CHECK (status NOT IN ('queued','sending','pending','unknown','paid','failed','not_sent')
           OR (order_key IS NOT NULL AND amount_minor IS NOT NULL AND currency IS NOT NULL
               AND account IS NOT NULL AND account_kind IS NOT NULL AND fingerprint IS NOT NULL)),
    CHECK (status NOT IN ('sending','pending','unknown','paid','failed')
           OR (request_key IS NOT NULL AND attempts > 0 AND sent_at IS NOT NULL)
           OR (status = 'failed' AND attempts = 0))
  );

  -- THE double-payment guard: one row per environment + order key in a key-owning status, whoever writes it.
  CREATE UNIQUE INDEX payout_rows_key_owner ON payout_rows (environment, order_key) WHERE status IN (${PG_KEY_OWNING_SQL});
  CREATE INDEX payout_rows_key ON payout_rows (order_key, environment);
  CREATE INDEX payout_rows_batch_status ON payout_rows (batch_id, status, id);
  CREATE INDEX payout_rows_status ON payout_rows (status, id);
  CREATE INDEX payout_rows_payout_id ON payout_rows (provider, provider_payout_id) WHERE provider_payout_id IS NOT NULL;
  CREATE INDEX payout_rows_updated ON payout_rows (updated_at, id);

  CREATE TABLE row_history (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    row_id            bigint NOT NULL REFERENCES payout_rows(id),
    batch_id          text NOT NULL,
    at                timestamptz NOT NULL,
    from_status       text,
    to_status         text NOT NULL,
    cause             text NOT NULL,
    attempt           integer NOT NULL,
    provider_status   text,
    provider_code     text,
    provider_message  text,
    error_code        text,
    provider_event_at timestamptz,
    note              text
  );
  CREATE INDEX row_history_row ON row_history (row_id, id);

  CREATE TABLE recipients (
    environment   text NOT NULL CHECK (environment IN ('simulator','sandbox','live')),
    account       text NOT NULL,
    provider      text NOT NULL,
    recipient_key text NOT NULL,
    recipient_id  text NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    PRIMARY KEY (environment, account, provider, recipient_key)
  );
  `,
  // 2: a batch records when every row of its file was written ("planning complete"), as SQLite's migration 5: a run
  // writes a large file's rows in many transactions, and a batch whose planning a crash cut short is planned again
  // (never dispatched) until the marker is set. Batches written before this wrote all their rows at once.
  `
  ALTER TABLE batches ADD COLUMN planned_at timestamptz;
  UPDATE batches SET planned_at = updated_at
    WHERE status <> 'planned' OR row_count = 0 OR EXISTS (SELECT 1 FROM payout_rows r WHERE r.batch_id = batches.id);
  `,
  // The users, reviews, approvals, audit log and sessions of `payout-batch serve` (review-migration.ts).
  PG_REVIEW_MIGRATION,
  // The request budget of each provider, shared by every worker on this database (rate-budget.ts): one row per send
  // slot holding its last grant (server clock, ms since the epoch), and the pause a provider's 429 asked for.
  `
  CREATE TABLE rate_slots (
    provider   text NOT NULL,
    slot       integer NOT NULL CHECK (slot >= 0),
    granted_ms bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (provider, slot)
  );
  -- A grant picks the provider's oldest slot: an index scan, not a pass over every slot (--rate 10000 has 10,000).
  CREATE INDEX rate_slots_oldest ON rate_slots (provider, granted_ms, slot);
  CREATE TABLE rate_pauses (
    provider        text PRIMARY KEY,
    paused_until_ms bigint NOT NULL
  );
  `,
  // A batch's rows in id order, as SQLite's payout_rows_batch_id: a report of a batch pages through it by id.
  `
  CREATE INDEX payout_rows_batch_id ON payout_rows (batch_id, id);
  `,
  // A batch records who ran it, as SQLite's migration of the same name.
  `
  ALTER TABLE batches ADD COLUMN operator text;
  `,
  // Cooperating workers (row leases, see claimRows in postgres-ledger.ts): a worker claims rows of a batch still to be
  // sent or settled, and holds each until lease_until (server clock), renewed by its heartbeat. lease_epoch grows on
  // every claim: a write of the row's worker is conditional on the epoch it claimed, so a worker whose row was
  // claimed again (its lease expired: killed, partitioned, paused) can write nothing more to it. The index serves
  // the claim: only rows still open are searched.
  `
  ALTER TABLE payout_rows ADD COLUMN lease_owner text, ADD COLUMN lease_until timestamptz, ADD COLUMN lease_epoch bigint NOT NULL DEFAULT 0;
  CREATE INDEX payout_rows_claimable ON payout_rows (batch_id, id) WHERE status IN ('queued','sending','unknown');
  `,
  // Payouts at a provider under one of our order ids that no row holds, as SQLite's migration of the same name.
  `
  CREATE TABLE unaccounted_payouts (
    environment        text NOT NULL CHECK (environment IN ('simulator','sandbox','live')),
    provider           text NOT NULL,
    provider_payout_id text NOT NULL,
    reference          text,
    row_id             bigint NOT NULL REFERENCES payout_rows(id),
    batch_id           text NOT NULL,
    state              text NOT NULL CHECK (state IN ('pending','paid','failed')),
    provider_status    text NOT NULL,
    amount_minor       bigint NOT NULL,
    currency           text NOT NULL,
    destination        text,
    source             text NOT NULL,
    first_seen_at      timestamptz NOT NULL,
    last_seen_at       timestamptz NOT NULL,
    PRIMARY KEY (environment, provider, provider_payout_id)
  );
  `,
  // A send slot also keeps when the worker that took it last lets it go (free_ms: its grant + that worker's window,
  // a second plus the jitter margin it measured). A slot is taken again only once the windows of both that worker and
  // the one asking have passed: a worker measuring little jitter cannot shorten the window of one measuring much
  // (rate-budget.ts). Slots written before this are free at once, as they were.
  `
  ALTER TABLE rate_slots ADD COLUMN free_ms bigint NOT NULL DEFAULT 0;
  `,
];
