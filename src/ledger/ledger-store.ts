import type { RateBudget } from '../dispatch/rate-budget.ts';
import type { Minor } from '../domain/money.ts';
import type { Account } from '../domain/payout-row.ts';
import type { Currency, ProviderId } from '../domain/provider-id.ts';
import type { RowStatus } from '../domain/row-status.ts';
import type { BatchLockOwner } from './ledger-error.ts';
import type { IgnoreReason, InitialStatus, TransitionCause } from './transitions.ts';

/**
 * The ledger: the system of record of every batch, row, attempt and state change. SQLite (sqlite/) is the embedded
 * default; a PostgreSQL store shared by several workers implements the same interface.
 *
 * Every method is async and a method that resolves has committed (durably: SQLite WAL + synchronous=FULL; a
 * PostgreSQL COMMIT). The dispatcher gets throughput from group commit (group-commit.ts batching many rows into one
 * markSending / recordOutcomes call), so a store should make each call one transaction. The rules every store keeps
 * are in transitions.ts (pure, shared) and in its schema:
 *  - every status change goes through the transition table (`decideOutcome` / `assertTransition`);
 *  - a write is conditional on the state it was decided from: `markSending` claims only rows still `queued` (or
 *    `unknown` with a lookup's proof) in a batch whose lease the caller holds, and refuses the whole call otherwise;
 *  - at most one row per environment + order key in a key-owning status (KEY_OWNING_STATUSES), enforced by a unique
 *    index, so two rows with the same key can never both be sent, whichever process writes them; a legacy row
 *    (environment 'unknown', written before environments were kept) owns its key in every environment;
 *  - a row is `sending` (with its attempt and request key) in a committed transaction before its request leaves;
 *  - every transition is appended to the history in the same transaction as the change;
 *  - the batch lock is a lease with an owner (pid, host, start time): a store may take over a lease whose owner is
 *    provably gone, never one that may still be sending.
 */
export interface LedgerStore {
  // Batches
  /**
   * Finds the batch of this file + provider + environment + account, or creates it `planned`. Re-running the same
   * file on the same target resumes it; the same file on another environment is another batch.
   */
  openBatch(input: OpenBatchInput): Promise<{ batch: Batch; created: boolean }>;
  getBatch(batchId: string): Promise<Batch | undefined>;
  /** Newest first, of every environment (callers keep to theirs: batch.environment). */
  listBatches(): Promise<Batch[]>;
  setBatchStatus(batchId: string, status: BatchStatus): Promise<void>;
  /**
   * Planning complete: every row of the batch's file is written (the run writes them in many transactions). A batch
   * without the marker is planned again by the next run and never dispatched; idempotent, the first time is kept.
   */
  markBatchPlanned(batchId: string): Promise<void>;
  /** Keeps the first balance captured per provider + currency: a resumed batch keeps its true opening balance. */
  saveOpeningBalance(batchId: string, balance: BatchBalance): Promise<void>;

  // Batch lock
  /**
   * Takes the batch for this process, in one transaction. A lock left by a dead process on this host is taken over;
   * any other holder makes this throw BatchLockedError with the owner's pid, host and start time.
   */
  acquireBatchLock(batchId: string): Promise<BatchLock>;
  /** Who holds the batch, if anyone. */
  batchLockOwner(batchId: string): Promise<BatchLockOwner | undefined>;
  /** Operator override for a lock whose owner is known to be gone (e.g. held from another host). */
  breakBatchLock(batchId: string): Promise<boolean>;

  // Rows
  /**
   * Writes the batch's rows in one transaction, idempotent on (batch, row number): rows already written are left
   * as they are, so a resumed batch never duplicates rows. A `queued` row claims its provider + order key; when
   * another row (this batch or any earlier one) owns it, the row is written as `duplicate` (same fingerprint) or
   * `conflict` (different fingerprint) pointing at the owner, and reported in `demoted`.
   */
  insertRows(batchId: string, rows: readonly LedgerRowInput[]): Promise<InsertRowsResult>;
  getRow(rowId: number): Promise<LedgerRow | undefined>;
  getRowByNumber(batchId: string, rowNumber: number): Promise<LedgerRow | undefined>;
  /**
   * For dedupe against earlier runs: per order key, the row of this environment (or a legacy row, which owns its key
   * everywhere) that owns it, or else the latest that released it (failed / not_sent), whatever provider it was sent
   * through. Keys never used in this environment are absent.
   */
  findKeyOwners(environment: Environment, orderKeys: readonly string[]): Promise<Map<string, KeyOwner>>;
  /**
   * Rows of a batch (or of all batches when `batchId` is null) in the given statuses, by id, read page by page so
   * the caller may write to the ledger while iterating. A row is visited at most once; its status is as of its page.
   */
  rowsByStatus(batchId: string | null, statuses: readonly RowStatus[], options?: RowsByStatusOptions): AsyncIterableIterator<LedgerRow>;
  /**
   * `paid` rows of a batch that became paid at or after `since`, by id, page by page: the rows still inside the
   * return window. The time a row became paid is the ledger's own history entry of its move into `paid` (not
   * updated_at, which every refresh moves, nor the provider's time, which Conekta does not give and a provider may
   * forge).
   */
  paidRowsSince(batchId: string, since: Date): AsyncIterableIterator<LedgerRow>;
  /**
   * The rows of a batch a sync asks the provider about again, by id, page by page: `paid` rows that became paid at or
   * after `since` (paidRowsSince); `paid` rows carrying a flag (PAID_ROW_FLAGS) whatever their age, until a re-check
   * clears it; `failed` rows returned (RETURNED) at or after `since`, whose return the provider may still reverse; and
   * `failed` rows flagged PAID_TWICE whatever their age (a reversed return whose order id another row paid again).
   */
  rowsToRecheck(batchId: string, since: Date): AsyncIterableIterator<LedgerRow>;
  /** Rows of one batch, or rows last changed in [from, to), by id, page by page. */
  rowsForReport(scope: ReportScope): AsyncIterableIterator<LedgerRow>;
  /** For webhooks and sync, which know the provider's payout id. */
  findRowByProviderPayoutId(provider: ProviderId, payoutId: string, environment?: BatchEnvironment): Promise<LedgerRow | undefined>;
  /** Every status, zero when absent, with the sum of amounts. */
  countsByStatus(batchId: string): Promise<Record<RowStatus, StatusCount>>;
  /**
   * Rows and amounts per status and currency (rows without a currency, e.g. unreadable ones, under currency null),
   * by status then currency: totals that never add one currency to another.
   */
  totalsByStatus(batchId: string): Promise<StatusTotal[]>;
  /**
   * The providers the batch's rows are routed to, sorted (one for a single-provider batch; several: a mixed batch).
   * A row naming none of ours counts under none (domain/row-provider.ts).
   */
  batchProviders(batchId: string): Promise<ProviderId[]>;
  /** Every row carrying this order key (order_id / externalReference), in every batch and environment, oldest first. */
  rowsByOrderKey(orderKey: string): Promise<LedgerRow[]>;

  // Transitions
  /**
   * Marks rows `sending` in ONE transaction: attempt + 1, request key, sent_at. Must return (committed) before any
   * of their requests leaves. All or nothing: an illegal row (not queued; unknown without a lookup's proof) throws
   * IllegalTransitionError and marks none. The caller must hold the batch lock of every row (BATCH_NOT_LOCKED).
   */
  markSending(items: readonly MarkSendingItem[]): Promise<SendingMark[]>;
  /**
   * Records outcomes and provider events in ONE transaction, each through `decideOutcome`: older or no-op provider
   * events are ignored, a final state is never left except paid → failed (reversal), and an outcome for an earlier
   * attempt is ignored. An illegal transition throws IllegalTransitionError and records none of the items.
   */
  recordOutcomes(items: readonly OutcomeInput[]): Promise<OutcomeResult[]>;
  /** One provider event (webhook, sync, lookup) for one row; `changed` tells whether it changed anything. */
  applyProviderState(rowId: number, state: 'pending' | 'paid' | 'failed', event: ProviderStateEvent): Promise<OutcomeResult>;
  /**
   * Flags a `paid` row whose payout the provider no longer shows as paid for that amount (deleted, amount changed):
   * the status stays `paid` (the money left), error_code / error_message say what the provider shows now, and a
   * history entry paid → paid keeps the provider's words. `changed` is false when the row already carries this flag,
   * or is no longer paid (another writer moved it).
   */
  flagPaidRow(rowId: number, flag: PaidRowFlag): Promise<OutcomeResult>;
  /**
   * Clears the flag of a `paid` row once the provider shows its payout again as the ledger paid it: error_code /
   * error_message become empty, and a history entry paid → paid (no error code, the note naming the flag cleared)
   * keeps the change beside the entry that set the flag. Compare-and-clear: `changed` is false when the row no longer
   * carries `clear.errorCode` (another writer flagged it otherwise meanwhile) or is no longer paid.
   */
  clearPaidRowFlag(rowId: number, clear: PaidRowFlagClear): Promise<OutcomeResult>;
  /**
   * A returned row (failed, RETURNED or PAID_TWICE) whose payout the provider shows paid again: the return was
   * reversed. In one transaction, with the owner of the row's order id read there: no other row owns it → failed →
   * paid (cause return_reversed), the error cleared, the row owns its order id again; another row owns it (a later
   * batch paid the same order id after the return released it) → the row stays failed, flagged PAID_TWICE with the
   * owner named (history failed → failed), and `owner` is that row: the order id was paid twice. `changed` is false
   * when nothing new was written; a row not failed, or failed otherwise than by a return, is left as it is
   * (ignored 'superseded' / 'final').
   */
  reverseReturn(rowId: number, reversal: ReturnReversal): Promise<ReturnReversalResult>;
  /**
   * A row flagged PAID_TWICE whose payout the provider shows failed again: the reversal no longer stands, so the flag
   * goes back to RETURNED (`errorMessage` the provider's words), with a history entry failed → failed naming the flag
   * cleared. Compare-and-set: `changed` is false when the row is not failed with PAID_TWICE (any more).
   */
  returnStandsAgain(rowId: number, again: { providerStatus: string; errorMessage: string; cause: TransitionCause }): Promise<OutcomeResult>;
  /** Interrupt / abort: every `queued` row of the batch becomes `not_sent` (releasing its key). Returns how many. */
  releaseQueued(batchId: string, cause: 'interrupted' | 'aborted' | 'insufficient_funds'): Promise<number>;
  /**
   * Re-run of a batch: every `not_sent` row goes back to `queued`, unless its key was taken meanwhile by another
   * row, in which case it becomes duplicate / conflict of that owner.
   */
  requeueNotSent(batchId: string): Promise<RequeueResult>;
  /** Every transition of the row, oldest first. */
  history(rowId: number): Promise<HistoryEntry[]>;
  /**
   * The histories of many rows in one read (up to HISTORY_ROWS_MAX ids), each oldest first; a row without one, or
   * unknown, is absent. A report over a million rows reads them a page at a time instead of a query per row.
   */
  historyOfRows(rowIds: readonly number[]): Promise<Map<number, HistoryEntry[]>>;
  /**
   * Many rows by id in one read (up to HISTORY_ROWS_MAX ids), keyed by id; an unknown id is absent. The statement
   * keeps only each movement's time and amount while it puts a scope in time order, and reads the rest back a page
   * of lines at a time as it writes them.
   */
  rowsOfIds(rowIds: readonly number[]): Promise<Map<number, LedgerRow>>;

  // Payouts at a provider that no row accounts for (a provider event under one of our order ids, for a payout id no row
  // holds): kept so that report lists them among its exceptions, whatever listing window it reads.
  /**
   * Records (or refreshes: last_seen_at, state, status word, amount) a payout the provider confirmed it has, under
   * the order id of row `rowId`, that no row holds. One entry per environment, provider and payout id; `recorded`
   * is true when the entry is new.
   */
  recordUnaccountedPayout(payout: UnaccountedPayoutInput): Promise<{ recorded: boolean }>;
  /** Every such payout of the environment, oldest first. */
  unaccountedPayouts(environment: Environment): Promise<UnaccountedPayout[]>;

  // Recipients (Conekta payee per CLABE, Digital FEMSA customer per email, Zenrise bank account per CBU/CVU/alias)
  // — per environment and provider account: an id made on the simulator or another merchant means nothing here.
  getRecipient(scope: LedgerScope, provider: ProviderId, recipientKey: string): Promise<string | undefined>;
  /** The latest id wins: it was just created at the provider and is known to be valid. */
  saveRecipient(scope: LedgerScope, provider: ProviderId, recipientKey: string, recipientId: string): Promise<void>;
  /** saveRecipient for many, in one durable transaction (the dispatcher group-commits them), in order. */
  saveRecipients(items: readonly RecipientSave[]): Promise<void>;

  // Rate budget
  /**
   * The request budget of a provider kept in the ledger, which every worker on it shares, so that `--rate N` holds
   * for all of them together (PostgreSQL: rate_slots, rate_pauses); undefined when the ledger keeps none (SQLite:
   * one process pays a batch, and its limiter keeps the budget in memory). A member of the interface rather than
   * found by looking at the object, so that a store wrapped on its way to the dispatcher must carry it along.
   */
  rateBudget(provider: ProviderId): RateBudget | undefined;

  /**
   * Writes a consistent copy of the whole ledger, as this connection sees it, to a new file at `path` (SQLite's online
   * backup: safe while other connections write). The way to keep what a run recorded when its file was deleted.
   */
  saveCopy(path: string): Promise<void>;

  /** Releases the locks this store holds, then closes. */
  close(): Promise<void>;
}

/** Row ids one historyOfRows call takes (SQLite's bound-parameter limit leaves room). */
export const HISTORY_ROWS_MAX = 1000;

/** Where a batch pays: the command's --target. Its keys, rows and recipients never mix with another's. */
export const ENVIRONMENTS = ['simulator', 'sandbox', 'live'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];
/** 'unknown': a batch written before the ledger kept environments (migration 3); its rows own their keys everywhere. */
export type BatchEnvironment = Environment | 'unknown';

/**
 * The environment and provider account (provider-account.ts: Openpay merchant id, a fingerprint of a Conekta / FEMSA
 * key, the Zenrise client id — never a secret) a batch or a recipient belongs to.
 */
/** One recipient id to keep (saveRecipients). */
export interface RecipientSave {
  scope: LedgerScope;
  provider: ProviderId;
  recipientKey: string;
  recipientId: string;
}

export interface LedgerScope {
  environment: Environment;
  account: string;
}

export const BATCH_STATUSES = ['planned', 'dispatching', 'finished', 'interrupted'] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

export interface OpenBatchInput {
  /** sha256 hex of the file's bytes. */
  fileHash: string;
  provider: ProviderId;
  /** The target the batch pays on. */
  environment: Environment;
  /** The batch provider's account (provider-account.ts). */
  account: string;
  fileName: string;
  rowCount: number;
  /** Who ran it (--operator, the config's "operator", else the OS user); kept as given, first run wins. */
  operator?: string;
}

export interface BatchBalance {
  provider: ProviderId;
  currency: Currency;
  amountMinor: Minor;
  capturedAt: Date;
}

export interface Batch {
  id: string;
  provider: ProviderId;
  fileName: string;
  fileHash: string;
  environment: BatchEnvironment;
  /** Absent for a legacy batch. */
  account?: string;
  rowCount: number;
  status: BatchStatus;
  /** When every row of the file was written (planning complete); absent while a crash left planning half done. */
  plannedAt?: Date;
  /** Who started the batch; absent for a batch written before the ledger kept it. */
  operator?: string;
  openingBalances: BatchBalance[];
  createdAt: Date;
  updatedAt: Date;
}

export interface BatchLock {
  readonly batchId: string;
  readonly owner: BatchLockOwner;
  /** The dead holder this lock was taken over from, for the run's log. */
  readonly tookOverFrom: BatchLockOwner | undefined;
  /** Idempotent. */
  release(): Promise<void>;
}

/** One row of the file as the plan hands it to the ledger. */
export interface LedgerRowInput {
  /** Spreadsheet row number: header = 1, first data row = 2. Unique within the batch. */
  rowNumber: number;
  status: InitialStatus;
  /** The row's provider when a `provider` column routes it elsewhere than the batch's provider. */
  provider?: ProviderId;
  /** order_id (Zenrise externalReference). Required for `queued`. */
  orderKey?: string;
  /** Required for `queued`. */
  amountMinor?: Minor;
  /** Required for `queued`. */
  currency?: Currency;
  /** Required for `queued`. */
  account?: Account;
  name?: string;
  email?: string;
  phone?: string;
  description?: string;
  /** For duplicate / conflict rows found by dedupe: the row that owns the key. */
  ownerRowId?: number;
  errorCode?: string;
  errorMessage?: string;
  warning?: string;
  note?: string;
  /** What the file said, for rows whose fields did not all parse (shown in the results file). */
  input?: Record<string, string>;
}

export interface LedgerRow {
  id: number;
  batchId: string;
  rowNumber: number;
  provider: ProviderId;
  /** The environment of the row's batch ('unknown' for a legacy batch). */
  environment: BatchEnvironment;
  orderKey?: string;
  /** `${amountMinor}|${account}|${currency}`, exact: tells a duplicate from a conflict. */
  fingerprint?: string;
  amountMinor?: Minor;
  currency?: Currency;
  /** Full account: for requests only, never for logs or output (use accountMasked). */
  account?: Account;
  accountMasked?: string;
  name?: string;
  email?: string;
  phone?: string;
  description?: string;
  input?: Record<string, string>;
  status: RowStatus;
  /** For duplicate / conflict: the row that owns the key. */
  ownerRowId?: number;
  requestKey?: string;
  attempts: number;
  recipientId?: string;
  providerPayoutId?: string;
  providerStatus?: string;
  providerReference?: string;
  errorCode?: string;
  errorMessage?: string;
  warning?: string;
  note?: string;
  /** Time of the last attempt: settlement lookups search the provider from here. */
  sentAt?: Date;
  /** Time of the provider event the row reflects; older events are ignored. */
  providerUpdatedAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

export interface InsertRowsResult {
  inserted: number;
  /** Rows already in the ledger from an earlier run of this batch, left untouched. */
  existing: number;
  /** Queued rows written as duplicate / conflict because another row owns their key. */
  demoted: DemotedRow[];
}

export interface DemotedRow {
  rowId: number;
  rowNumber: number;
  status: 'duplicate' | 'conflict';
  owner: KeyOwner;
}

export interface KeyOwner {
  rowId: number;
  batchId: string;
  rowNumber: number;
  /** The provider the owning row pays through: a key is one payout intent whatever provider carries it. */
  provider: ProviderId;
  /** The owning row's environment; 'unknown' for a legacy row, which owns its key in every environment. */
  environment: BatchEnvironment;
  status: RowStatus;
  fingerprint: string;
  /** False when the row released the key (failed / not_sent): a new row may claim it. */
  ownsKey: boolean;
  providerPayoutId?: string;
}

export interface RowsByStatusOptions {
  provider?: ProviderId;
  /** Rows fetched per page (default 1000). */
  pageSize?: number;
}

export type ReportScope = { batchId: string } | { from: Date; to: Date };

export interface StatusTotal {
  status: RowStatus;
  currency: Currency | null;
  count: number;
  amountMinor: Minor;
}

export interface StatusCount {
  count: number;
  amountMinor: Minor;
}

export interface MarkSendingItem {
  rowId: number;
  /** Defaults to requestKey(provider, orderKey) from domain/request-key.ts, the same on every attempt. */
  requestKey?: string;
  /** The recipient id the request will carry (two-step providers), kept on the row. */
  recipientId?: string;
  /**
   * Required to resend an `unknown` row: the caller asserts a lookup proved the provider has no payout for it.
   * Without it an unknown row is refused (never resend blindly).
   */
  lookupFoundNothing?: boolean;
}

export interface SendingMark {
  rowId: number;
  attempt: number;
  requestKey: string;
  sentAt: Date;
}

export interface OutcomeInput {
  rowId: number;
  to: RowStatus;
  cause: TransitionCause;
  /** The attempt this outcome belongs to; an outcome of an earlier attempt is ignored. */
  attempt?: number;
  providerPayoutId?: string;
  providerStatus?: string;
  providerReference?: string;
  /** The provider's own time of the event, when it gives one: decides the order of events. */
  providerUpdatedAt?: Date;
  /** Provider's own error code and message, kept in the history. */
  providerCode?: string;
  providerMessage?: string;
  /** What the results file shows for the row. Cleared when the row becomes pending or paid unless given. */
  errorCode?: string;
  errorMessage?: string;
  warning?: string;
  note?: string;
  /**
   * Cause `found_at_provider`: the request a run the ledger lost sent, as the provider shows it (our request key, the
   * payout's creation time, else now). The row takes it as its attempt 1, so it reads like any row that was sent.
   */
  foundRequest?: { requestKey: string; sentAt?: Date };
}

export interface ProviderStateEvent {
  cause: TransitionCause;
  providerStatus?: string;
  providerUpdatedAt?: Date;
  providerPayoutId?: string;
  providerReference?: string;
  providerCode?: string;
  providerMessage?: string;
  errorCode?: string;
  errorMessage?: string;
}

/** What a re-check of a paid row found at the provider that the status alone cannot say. */
export const PAID_ROW_FLAGS = ['PROVIDER_DELETED', 'AMOUNT_CHANGED'] as const;
export type PaidRowFlagCode = (typeof PAID_ROW_FLAGS)[number];

/** The error code of a row whose payout the provider returned after paying it (paid → failed, a reversal). */
export const RETURNED_CODE = 'RETURNED';
/**
 * The error code of a returned row whose payout the provider shows paid again while another row owns its order id
 * (a later batch paid it again after the return released it): the order id was paid twice.
 */
export const PAID_TWICE_CODE = 'PAID_TWICE';

export interface ReturnReversal {
  /** The provider's status word for the payout now (paid again). */
  providerStatus: string;
  providerUpdatedAt?: Date;
  /** Who asked the provider (the history note says so). */
  seenBy: 'sync';
}

export interface ReturnReversalResult extends OutcomeResult {
  /** The row that owns the order id: the row stays failed, flagged PAID_TWICE. */
  owner?: KeyOwner;
}

export interface PaidRowFlag {
  errorCode: PaidRowFlagCode;
  errorMessage: string;
  cause: TransitionCause;
  providerStatus?: string;
  providerCode?: string;
  providerMessage?: string;
  note?: string;
}

/** A payout the provider has under one of our order ids, and no row holds (see recordUnaccountedPayout). */
export interface UnaccountedPayoutInput {
  environment: Environment;
  provider: ProviderId;
  providerPayoutId: string;
  /** The order id it was made under, as the provider shows it. */
  reference?: string;
  /** The row that owns (or released) that order id, and what it holds. */
  rowId: number;
  batchId: string;
  state: 'pending' | 'paid' | 'failed';
  providerStatus: string;
  amountMinor: Minor;
  currency: Currency;
  destination?: string;
  /** How it was learnt: 'webhook' (an event, confirmed by fetching the payout). */
  source: 'webhook';
}

export interface UnaccountedPayout extends UnaccountedPayoutInput {
  firstSeenAt: Date;
  lastSeenAt: Date;
}

export interface PaidRowFlagClear {
  /** The flag the caller saw on the row and found no longer true. */
  errorCode: PaidRowFlagCode;
  cause: TransitionCause;
  providerStatus?: string;
  note: string;
}

export interface OutcomeResult {
  rowId: number;
  changed: boolean;
  /** The row's status after the outcome. */
  status: RowStatus;
  /** Why nothing changed, when nothing did. */
  ignored?: IgnoreReason;
}

export interface RequeueResult {
  requeued: number;
  demoted: DemotedRow[];
}

export interface HistoryEntry {
  id: number;
  rowId: number;
  batchId: string;
  at: Date;
  /** Null for the entry that wrote the row. */
  from: RowStatus | null;
  to: RowStatus;
  cause: TransitionCause;
  attempt: number;
  providerStatus?: string;
  providerCode?: string;
  providerMessage?: string;
  errorCode?: string;
  /** The provider's own time of the event, when it came from the provider. */
  providerEventAt?: Date;
  note?: string;
}

/**
 * Row leases: how several workers pay one batch together (the PostgreSQL store; the SQLite store keeps one dispatcher
 * per batch through its batch lock). A worker claims a few rows at a time; each claimed row carries the worker as
 * `lease_owner`, a `lease_until` its heartbeat keeps pushing forward, and a `lease_epoch` that grows on every claim.
 * While the store holds a row's lease, every write of the row through it (markSending, recordOutcomes) is conditional
 * on that epoch and refused with LEASE_LOST once another worker claimed the row: the fence lives in the ledger's
 * conditional update, since providers cannot check tokens. A claimed row that was `sending` under an expired lease
 * becomes `unknown` in the claim's transaction: its request may have left, so it is settled by lookup, never resent
 * blindly. markSending also needs the lease to have at least half its length left, so a request leaves only well
 * inside its lease.
 */
export interface RowLeasing {
  /**
   * Claims up to `limit` rows of the batch that are `queued`, `sending` or `unknown` and that no live worker holds
   * (never leased, lease expired, or held by a dead process on this host), in-flight rows first, with
   * `FOR UPDATE SKIP LOCKED`: two claimers never get the same row, and neither waits for the other.
   */
  claimRows(batchId: string, limit: number, options?: ClaimOptions): Promise<ClaimedRow[]>;
  /** Pushes forward the lease of every row this store holds; rows no longer held are reported (and stay fenced). */
  renewLeases(): Promise<{ renewed: number; lost: number[] }>;
  /** Gives up the leases of these rows (done with them); writes for them are no longer fenced by this store. */
  releaseRows(rowIds: readonly number[]): Promise<void>;
  /** True while this store holds the row's lease and its heartbeat has not failed past it. */
  holdsLease(rowId: number): boolean;
  /** Rows of the batch still to be sent or settled (queued, sending, unknown), whoever holds them. */
  openRowCount(batchId: string): Promise<number>;
  /** Of those, the rows another worker holds under a live lease (a worker with none left waits for these). */
  heldElsewhere(batchId: string): Promise<number>;
  /** How long a lease lasts without renewal. */
  readonly leaseMs: number;
}

export interface ClaimOptions {
  /** Rows not to claim (a worker's rows it already tried this run and left open, e.g. still unknown). */
  exclude?: readonly number[];
}

export interface ClaimedRow extends LedgerRow {
  leaseEpoch: number;
  /** The row was `sending` under a lease that expired, and the claim recorded it `unknown`. */
  tookOver: boolean;
  /**
   * With `tookOver`: how long before the claim (ms, on the database's clock) the previous lease ran out — the last
   * moment its worker could still send (it sends only while it holds the lease by its own clock). Negative when the
   * worker was found gone before its lease ran out.
   */
  leaseEndedMsAgo?: number;
}

export function supportsRowLeases(store: LedgerStore): store is LedgerStore & RowLeasing {
  return typeof (store as Partial<RowLeasing>).claimRows === 'function';
}
