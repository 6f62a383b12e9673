import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { assertMinor } from '../domain/money.ts';
import { maskAccount, accountValue } from '../domain/mask-account.ts';
import type { Account } from '../domain/payout-row.ts';
import type { Currency, ProviderId } from '../domain/provider-id.ts';
import { requestKey as deriveRequestKey } from '../domain/request-key.ts';
import { ROW_STATUSES, type RowStatus } from '../domain/row-status.ts';
import { batchIdFor, rowFingerprint } from './batch-identity.ts';
import { BatchLockedError, IllegalTransitionError, LedgerError, type BatchLockOwner } from './ledger-error.ts';
import type {
  Batch,
  BatchBalance,
  BatchLock,
  BatchStatus,
  DemotedRow,
  HistoryEntry,
  InsertRowsResult,
  KeyOwner,
  LedgerRow,
  LedgerRowInput,
  LedgerStore,
  MarkSendingItem,
  OpenBatchInput,
  OutcomeInput,
  OutcomeResult,
  ProviderStateEvent,
  ReportScope,
  RequeueResult,
  RowsByStatusOptions,
  SendingMark,
  StatusCount,
} from './ledger-store.ts';
import { BATCH_STATUSES } from './ledger-store.ts';
import { KEY_OWNING_SQL, SQLITE_MIGRATIONS } from './migrations.ts';
import {
  assertInitialStatus,
  assertTransition,
  decideOutcome,
  ownsKey,
  type TransitionCause,
} from './transitions.ts';

export interface SqliteLedgerOptions {
  now?: () => Date;
  /** How long a write waits for another process's transaction before failing (SQLite busy timeout). */
  busyTimeoutMs?: number;
  /** Liveness of a lock holder on this host; `process.kill(pid, 0)` unless replaced. */
  isProcessAlive?: (pid: number) => boolean;
}

/**
 * Identifies this process as a lock holder beyond its pid: in a container every run may get the same pid, so a
 * lock with our pid but another token was left by an earlier, dead incarnation. Kept on globalThis so that a second
 * copy of this module in the same process (test runners re-import modules) still counts as the same holder.
 */
const TOKEN_SLOT = Symbol.for('payout-batch.ledger.process-token');
const PROCESS_TOKEN: string = ((globalThis as Record<symbol, unknown>)[TOKEN_SLOT] ??= randomUUID()) as string;

/** Opens (creating the folder and file if needed) and migrates the ledger. */
export function openSqliteLedger(path: string, options: SqliteLedgerOptions = {}): SqliteLedger {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const timeoutMs = options.busyTimeoutMs ?? 10_000;
  const db = new Database(path, { timeout: timeoutMs });
  try {
    enableWal(db, timeoutMs);
    // FULL: a committed transaction is on disk (WAL fsynced) before commit returns; a row marked `sending` must
    // survive a power cut, since its request leaves right after.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    migrate(db);
    return new SqliteLedger(new SqliteLedgerSync(db, options));
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Switches the file to WAL. Switching needs the file to itself, and SQLite answers SQLITE_BUSY at once (its busy
 * handler does not wait for this) when another process opens a new ledger at the same moment: wait and try again.
 */
function enableWal(db: Database.Database, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  for (let pause = 5; ; pause = Math.min(pause * 2, 200)) {
    try {
      if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, pause);
    }
  }
}

export function migrate(db: Database.Database): void {
  const target = SQLITE_MIGRATIONS.length;
  for (;;) {
    // Re-read inside the write transaction: another process may be migrating the same file.
    const step = db.transaction((): boolean => {
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > target) {
        throw new LedgerError('LEDGER_TOO_NEW', `the ledger has schema version ${version}; this version of payout-batch knows up to ${target}`, {
          version,
          known: target,
        });
      }
      if (version === target) return false;
      db.exec(SQLITE_MIGRATIONS[version] as string);
      db.pragma(`user_version = ${version + 1}`);
      return true;
    });
    if (!step.immediate()) return;
  }
}

type Maybe<T> = T | null;

interface RowRecord {
  id: number;
  batch_id: string;
  row_number: number;
  provider: string;
  order_key: Maybe<string>;
  fingerprint: Maybe<string>;
  amount_minor: Maybe<number>;
  currency: Maybe<string>;
  account: Maybe<string>;
  account_kind: Maybe<string>;
  account_bank_code: Maybe<string>;
  account_bank_name: Maybe<string>;
  account_masked: Maybe<string>;
  name: Maybe<string>;
  email: Maybe<string>;
  phone: Maybe<string>;
  description: Maybe<string>;
  input: Maybe<string>;
  status: string;
  owner_row_id: Maybe<number>;
  request_key: Maybe<string>;
  attempts: number;
  recipient_id: Maybe<string>;
  provider_payout_id: Maybe<string>;
  provider_status: Maybe<string>;
  provider_reference: Maybe<string>;
  error_code: Maybe<string>;
  error_message: Maybe<string>;
  warning: Maybe<string>;
  note: Maybe<string>;
  sent_at: Maybe<string>;
  provider_updated_at: Maybe<string>;
  created_at: string;
  updated_at: string;
}

interface BatchRecord {
  id: string;
  provider: string;
  file_name: string;
  file_hash: string;
  row_count: number;
  status: string;
  created_at: string;
  updated_at: string;
}

interface HistoryRecord {
  id: number;
  row_id: number;
  batch_id: string;
  at: string;
  from_status: Maybe<string>;
  to_status: string;
  cause: string;
  attempt: number;
  provider_status: Maybe<string>;
  provider_code: Maybe<string>;
  provider_message: Maybe<string>;
  error_code: Maybe<string>;
  provider_event_at: Maybe<string>;
  note: Maybe<string>;
}

interface LockRecord {
  owner_pid: number;
  owner_host: string;
  owner_token: string;
  started_at: string;
}

interface OwnerRecord {
  id: number;
  batch_id: string;
  row_number: number;
  status: string;
  fingerprint: string;
  provider_payout_id: Maybe<string>;
}

const ROW_PAGE = 1000;
/** Well under SQLite's bound-parameter limit. */
const IN_CHUNK = 500;

/** Statuses whose outcome clears a previous attempt's error: the row is in flight or settled well. */
const CLEARS_ERROR: readonly RowStatus[] = ['queued', 'sending', 'pending', 'paid'];

/**
 * The synchronous SQLite work behind SqliteLedger: better-sqlite3 is synchronous, and each method is one committed
 * transaction. Only the async façade below is exported to callers.
 */
type SyncBatchLock = Omit<BatchLock, 'release'> & { release(): void };

class SqliteLedgerSync {
  private readonly db: Database.Database;
  private readonly now: () => Date;
  private readonly isProcessAlive: (pid: number) => boolean;
  private readonly host = hostname();
  /** Batch ids whose lock this store took and has not released. */
  private readonly heldLocks = new Set<string>();
  private readonly inCache = new Map<string, Database.Statement>();

  private readonly s: ReturnType<typeof prepareStatements>;

  constructor(db: Database.Database, options: SqliteLedgerOptions = {}) {
    this.db = db;
    this.now = options.now ?? (() => new Date());
    this.isProcessAlive = options.isProcessAlive ?? processIsAlive;
    this.s = prepareStatements(db);
  }

  // ---- batches

  openBatch(input: OpenBatchInput): { batch: Batch; created: boolean } {
    if (!Number.isSafeInteger(input.rowCount) || input.rowCount < 0) {
      throw new LedgerError('INVALID_INPUT', 'rowCount must be an integer >= 0', { rowCount: input.rowCount });
    }
    const id = batchIdFor(input.fileHash, input.provider);
    return this.write(() => {
      const existing = this.s.getBatch.get(id) as BatchRecord | undefined;
      if (existing) return { batch: this.toBatch(existing), created: false };
      const at = iso(this.now());
      this.s.insertBatch.run({
        id,
        provider: input.provider,
        file_name: input.fileName,
        file_hash: input.fileHash,
        row_count: input.rowCount,
        status: 'planned',
        at,
      });
      return { batch: this.toBatch(this.s.getBatch.get(id) as BatchRecord), created: true };
    });
  }

  getBatch(batchId: string): Batch | undefined {
    const record = this.open().s.getBatch.get(batchId) as BatchRecord | undefined;
    return record ? this.toBatch(record) : undefined;
  }

  listBatches(): Batch[] {
    return (this.open().s.listBatches.all() as BatchRecord[]).map((r) => this.toBatch(r));
  }

  setBatchStatus(batchId: string, status: BatchStatus): void {
    if (!(BATCH_STATUSES as readonly string[]).includes(status)) {
      throw new LedgerError('INVALID_INPUT', `unknown batch status ${JSON.stringify(status)}`, { status });
    }
    const info = this.open().s.setBatchStatus.run({ id: batchId, status, at: iso(this.now()) });
    if (info.changes === 0) throw new LedgerError('BATCH_NOT_FOUND', `no batch ${batchId}`, { batchId });
  }

  saveOpeningBalance(batchId: string, balance: BatchBalance): void {
    assertMinor(balance.amountMinor, 'opening balance');
    this.write(() => {
      this.requireBatch(batchId);
      this.s.insertBalance.run({
        batch_id: batchId,
        provider: balance.provider,
        currency: balance.currency,
        amount_minor: balance.amountMinor,
        captured_at: iso(balance.capturedAt),
      });
    });
  }

  // ---- batch lock

  acquireBatchLock(batchId: string): SyncBatchLock {
    const at = this.now();
    const tookOverFrom = this.write((): BatchLockOwner | undefined => {
      this.requireBatch(batchId);
      const existing = this.s.getLock.get(batchId) as LockRecord | undefined;
      let previous: BatchLockOwner | undefined;
      if (existing) {
        previous = toOwner(existing);
        if (!this.isStale(existing)) throw new BatchLockedError(batchId, previous);
        this.s.deleteLock.run(batchId);
      }
      this.s.insertLock.run({ batch_id: batchId, pid: process.pid, host: this.host, token: PROCESS_TOKEN, at: iso(at) });
      return previous;
    });
    this.heldLocks.add(batchId);
    const owner: BatchLockOwner = { pid: process.pid, host: this.host, startedAt: at };
    return {
      batchId,
      owner,
      tookOverFrom,
      release: () => {
        if (!this.heldLocks.delete(batchId) || !this.db.open) return;
        this.s.releaseLock.run(batchId, PROCESS_TOKEN);
      },
    };
  }

  batchLockOwner(batchId: string): BatchLockOwner | undefined {
    const existing = this.open().s.getLock.get(batchId) as LockRecord | undefined;
    return existing ? toOwner(existing) : undefined;
  }

  breakBatchLock(batchId: string): boolean {
    this.heldLocks.delete(batchId);
    return this.open().s.deleteLock.run(batchId).changes > 0;
  }

  /**
   * A lock may be taken over only when its holder is provably gone: same host (liveness is checkable only here),
   * and either our own pid under another token (an earlier incarnation) or a pid that no longer exists.
   */
  private isStale(lock: LockRecord): boolean {
    if (lock.owner_host !== this.host) return false;
    if (lock.owner_token === PROCESS_TOKEN) return false;
    if (lock.owner_pid === process.pid) return true;
    return !this.isProcessAlive(lock.owner_pid);
  }

  // ---- rows

  insertRows(batchId: string, rows: readonly LedgerRowInput[]): InsertRowsResult {
    const seen = new Set<number>();
    for (const row of rows) {
      if (!Number.isSafeInteger(row.rowNumber) || row.rowNumber < 1) {
        throw new LedgerError('INVALID_INPUT', 'rowNumber must be a positive integer', { rowNumber: row.rowNumber });
      }
      if (seen.has(row.rowNumber)) throw new LedgerError('INVALID_INPUT', `row ${row.rowNumber} given twice`, { rowNumber: row.rowNumber });
      seen.add(row.rowNumber);
    }
    return this.write(() => {
      const batch = this.requireBatch(batchId);
      const at = iso(this.now());
      const result: InsertRowsResult = { inserted: 0, existing: 0, demoted: [] };
      for (const row of rows) {
        if (this.s.rowIdByNumber.get(batchId, row.rowNumber) !== undefined) {
          result.existing += 1;
          continue;
        }
        assertInitialStatus(0, row.status);
        const payable = payableFields(row);
        let status: RowStatus = row.status;
        let cause: TransitionCause = 'planned';
        let ownerRowId = row.ownerRowId ?? null;
        let errorCode = row.errorCode ?? null;
        let errorMessage = row.errorMessage ?? null;
        let owner: KeyOwner | undefined;
        if (status === 'queued') {
          if (!payable) {
            throw new LedgerError('INVALID_INPUT', `row ${row.rowNumber}: a queued row needs orderKey, amountMinor, currency and account`, {
              rowNumber: row.rowNumber,
            });
          }
          owner = this.currentOwner(row.provider ?? batch.provider, payable.orderKey);
          if (owner) {
            status = owner.fingerprint === payable.fingerprint ? 'duplicate' : 'conflict';
            cause = 'key_owned';
            ownerRowId = owner.rowId;
            errorCode = status === 'duplicate' ? 'DUPLICATE_ORDER_ID' : 'CONFLICTING_ORDER_ID';
            errorMessage = ownedMessage(owner);
          }
        }
        const info = this.s.insertRow.run({
          batch_id: batchId,
          row_number: row.rowNumber,
          provider: row.provider ?? batch.provider,
          order_key: row.orderKey ?? null,
          fingerprint: payable?.fingerprint ?? null,
          amount_minor: row.amountMinor ?? null,
          currency: row.currency ?? null,
          account: row.account ? accountValue(row.account) : null,
          account_kind: row.account?.kind ?? null,
          account_bank_code: row.account?.kind === 'clabe' ? row.account.bankCode : null,
          account_bank_name: row.account?.kind === 'clabe' ? (row.account.bankName ?? null) : null,
          account_masked: row.account ? maskAccount(row.account) : null,
          name: row.name ?? null,
          email: row.email ?? null,
          phone: row.phone ?? null,
          description: row.description ?? null,
          input: row.input ? JSON.stringify(row.input) : null,
          status,
          owner_row_id: ownerRowId,
          error_code: errorCode,
          error_message: errorMessage,
          warning: row.warning ?? null,
          note: row.note ?? null,
          at,
        });
        const rowId = Number(info.lastInsertRowid);
        this.s.insertHistory.run(historyParams(rowId, batchId, at, null, status, cause, 0, { errorCode: errorCode ?? undefined }));
        result.inserted += 1;
        if (owner && (status === 'duplicate' || status === 'conflict')) {
          result.demoted.push({ rowId, rowNumber: row.rowNumber, status, owner });
        }
      }
      return result;
    });
  }

  getRow(rowId: number): LedgerRow | undefined {
    const record = this.open().s.getRow.get(rowId) as RowRecord | undefined;
    return record ? toRow(record) : undefined;
  }

  getRowByNumber(batchId: string, rowNumber: number): LedgerRow | undefined {
    const record = this.open().s.getRowByNumber.get(batchId, rowNumber) as RowRecord | undefined;
    return record ? toRow(record) : undefined;
  }

  findKeyOwners(provider: ProviderId, orderKeys: readonly string[]): Map<string, KeyOwner> {
    this.open();
    const found = new Map<string, KeyOwner>();
    const keys = [...new Set(orderKeys)];
    for (let i = 0; i < keys.length; i += IN_CHUNK) {
      const chunk = keys.slice(i, i + IN_CHUNK);
      const stmt = this.inStatement(
        'owners',
        chunk.length,
        (list) => `SELECT id, batch_id, row_number, status, fingerprint, provider_payout_id, order_key FROM payout_rows
          WHERE provider = ? AND order_key IN (${list}) AND status IN (${KEY_OWNING_SQL}, 'failed', 'not_sent') ORDER BY id`,
      );
      for (const r of stmt.all(provider, ...chunk) as (OwnerRecord & { order_key: string })[]) {
        const current = found.get(r.order_key);
        // The owner wins; among rows that released the key, the latest.
        if (current === undefined || !current.ownsKey) found.set(r.order_key, toKeyOwner(r));
      }
    }
    return found;
  }

  *rowsByStatus(batchId: string | null, statuses: readonly RowStatus[], options: RowsByStatusOptions = {}): IterableIterator<LedgerRow> {
    this.open();
    for (const status of statuses) {
      if (!(ROW_STATUSES as readonly string[]).includes(status)) {
        throw new LedgerError('INVALID_INPUT', `unknown row status ${JSON.stringify(status)}`, { status });
      }
    }
    if (statuses.length === 0) return;
    const pageSize = options.pageSize ?? ROW_PAGE;
    const stmt = this.inStatement(
      `byStatus:${batchId === null ? 'all' : 'batch'}:${options.provider === undefined ? 'any' : 'provider'}`,
      statuses.length,
      (list) => `SELECT * FROM payout_rows WHERE status IN (${list})
        ${batchId === null ? '' : 'AND batch_id = @batchId'} ${options.provider === undefined ? '' : 'AND provider = @provider'}
        AND id > @after ORDER BY id LIMIT @limit`,
    );
    const base: Record<string, unknown> = { limit: pageSize };
    if (batchId !== null) base.batchId = batchId;
    if (options.provider !== undefined) base.provider = options.provider;
    yield* this.paged((after) => stmt.all(...statuses, { ...base, after }) as RowRecord[], pageSize);
  }

  *rowsForReport(scope: ReportScope): IterableIterator<LedgerRow> {
    this.open();
    if ('batchId' in scope) {
      yield* this.paged((after) => this.s.reportByBatch.all({ batchId: scope.batchId, after, limit: ROW_PAGE }) as RowRecord[], ROW_PAGE);
    } else {
      const from = iso(scope.from);
      const to = iso(scope.to);
      yield* this.paged((after) => this.s.reportByTime.all({ from, to, after, limit: ROW_PAGE }) as RowRecord[], ROW_PAGE);
    }
  }

  findRowByProviderPayoutId(provider: ProviderId, payoutId: string): LedgerRow | undefined {
    const record = this.open().s.rowByPayoutId.get(provider, payoutId) as RowRecord | undefined;
    return record ? toRow(record) : undefined;
  }

  countsByStatus(batchId: string): Record<RowStatus, StatusCount> {
    const counts = Object.fromEntries(ROW_STATUSES.map((s) => [s, { count: 0, amountMinor: 0 }])) as Record<RowStatus, StatusCount>;
    for (const r of this.open().s.countsByStatus.all(batchId) as { status: RowStatus; n: number; amount: number }[]) {
      assertMinor(r.amount, `total of ${r.status} rows`);
      counts[r.status] = { count: r.n, amountMinor: r.amount };
    }
    return counts;
  }

  // ---- transitions

  markSending(items: readonly MarkSendingItem[]): SendingMark[] {
    if (items.length === 0) return [];
    return this.write(() => {
      const sentAt = this.now();
      const at = iso(sentAt);
      const lockChecked = new Set<string>();
      return items.map((item): SendingMark => {
        const row = this.requireRow(item.rowId);
        if (!lockChecked.has(row.batch_id)) {
          this.assertLockHeld(row.batch_id);
          lockChecked.add(row.batch_id);
        }
        const status = row.status as RowStatus;
        const cause: TransitionCause = status === 'unknown' && item.lookupFoundNothing === true ? 'resent_after_lookup' : 'sent';
        assertTransition(row.id, status, 'sending', cause);
        // The table admits only key-owning rows here; the unique index is the backstop.
        if (row.order_key === null || !ownsKey(status)) throw new IllegalTransitionError(row.id, status, 'sending', cause);
        const attempt = row.attempts + 1;
        const key = item.requestKey ?? deriveRequestKey(row.provider as ProviderId, row.order_key);
        this.s.markSending.run({ id: row.id, attempt, request_key: key, recipient_id: item.recipientId ?? null, at });
        this.s.insertHistory.run(historyParams(row.id, row.batch_id, at, status, 'sending', cause, attempt, {}));
        return { rowId: row.id, attempt, requestKey: key, sentAt };
      });
    });
  }

  recordOutcomes(items: readonly OutcomeInput[]): OutcomeResult[] {
    if (items.length === 0) return [];
    return this.write(() => {
      const at = iso(this.now());
      return items.map((item) => this.applyOutcome(item, at));
    });
  }

  applyProviderState(rowId: number, state: 'pending' | 'paid' | 'failed', event: ProviderStateEvent): OutcomeResult {
    const [result] = this.recordOutcomes([{ ...event, rowId, to: state }]);
    return result as OutcomeResult;
  }

  releaseQueued(batchId: string, cause: 'interrupted' | 'aborted' | 'insufficient_funds'): number {
    assertTransition(0, 'queued', 'not_sent', cause);
    return this.write(() => {
      this.requireBatch(batchId);
      const at = iso(this.now());
      this.s.historyForQueued.run({ batchId, at, cause });
      return this.s.releaseQueued.run({ batchId, at }).changes;
    });
  }

  requeueNotSent(batchId: string): RequeueResult {
    return this.write(() => {
      this.requireBatch(batchId);
      const at = iso(this.now());
      const result: RequeueResult = { requeued: 0, demoted: [] };
      for (const row of this.s.notSentOfBatch.all(batchId) as RowRecord[]) {
        const demoted = this.requeue(row, at);
        if (demoted) result.demoted.push(demoted);
        else result.requeued += 1;
      }
      return result;
    });
  }

  history(rowId: number): HistoryEntry[] {
    return (this.open().s.history.all(rowId) as HistoryRecord[]).map(toHistory);
  }

  // ---- recipients

  getRecipient(provider: ProviderId, recipientKey: string): string | undefined {
    const r = this.open().s.getRecipient.get(provider, recipientKey) as { recipient_id: string } | undefined;
    return r?.recipient_id;
  }

  saveRecipient(provider: ProviderId, recipientKey: string, recipientId: string): void {
    this.open().s.saveRecipient.run({ provider, recipient_key: recipientKey, recipient_id: recipientId, at: iso(this.now()) });
  }

  close(): void {
    if (!this.db.open) return;
    for (const batchId of this.heldLocks) this.s.releaseLock.run(batchId, PROCESS_TOKEN);
    this.heldLocks.clear();
    this.db.close();
  }

  // ---- internals

  /**
   * Write transactions are IMMEDIATE: the write lock is taken at BEGIN, so two processes never both read, decide
   * and then collide on the upgrade to a write lock (which SQLite resolves with SQLITE_BUSY, not by waiting).
   */
  private write<T>(fn: () => T): T {
    return this.open().db.transaction(fn).immediate();
  }

  private open(): this {
    if (!this.db.open) throw new LedgerError('LEDGER_CLOSED', 'the ledger is closed');
    return this;
  }

  private requireBatch(batchId: string): Batch {
    const record = this.s.getBatch.get(batchId) as BatchRecord | undefined;
    if (!record) throw new LedgerError('BATCH_NOT_FOUND', `no batch ${batchId}`, { batchId });
    return this.toBatch(record);
  }

  private requireRow(rowId: number): RowRecord {
    const record = this.s.getRow.get(rowId) as RowRecord | undefined;
    if (!record) throw new LedgerError('ROW_NOT_FOUND', `no row ${rowId}`, { rowId });
    return record;
  }

  private assertLockHeld(batchId: string): void {
    const lock = this.s.getLock.get(batchId) as LockRecord | undefined;
    if (!this.heldLocks.has(batchId) || lock?.owner_token !== PROCESS_TOKEN || lock.owner_pid !== process.pid) {
      throw new LedgerError('BATCH_NOT_LOCKED', `rows of batch ${batchId} may be sent only by the holder of its lock`, {
        batchId,
        owner: lock ? toOwner(lock) : undefined,
      });
    }
  }

  private currentOwner(provider: string, orderKey: string): KeyOwner | undefined {
    const r = this.s.keyOwner.get(provider, orderKey) as OwnerRecord | undefined;
    return r ? toKeyOwner(r) : undefined;
  }

  private applyOutcome(item: OutcomeInput, at: string): OutcomeResult {
    const row = this.requireRow(item.rowId);
    const status = row.status as RowStatus;
    const decision = decideOutcome(row.id, facts(row), item);
    if (decision.kind === 'ignore') return { rowId: row.id, changed: false, status, ignored: decision.reason };

    const eventAt = item.providerUpdatedAt ? iso(item.providerUpdatedAt) : null;
    if (decision.kind === 'refresh') {
      this.s.refreshRow.run({
        id: row.id,
        provider_status: item.providerStatus ?? null,
        provider_payout_id: item.providerPayoutId ?? null,
        provider_reference: item.providerReference ?? null,
        provider_updated_at: eventAt,
        at,
      });
      this.s.insertHistory.run(historyParams(row.id, row.batch_id, at, status, status, item.cause, row.attempts, item));
      return { rowId: row.id, changed: true, status };
    }

    if (status === 'not_sent' && decision.to === 'queued') {
      const demoted = this.requeue(row, at);
      const after = this.requireRow(row.id).status as RowStatus;
      return { rowId: row.id, changed: true, status: demoted ? demoted.status : after };
    }

    const clearsError = CLEARS_ERROR.includes(decision.to);
    this.s.transitionRow.run({
      id: row.id,
      status: decision.to,
      provider_payout_id: item.providerPayoutId ?? null,
      provider_status: item.providerStatus ?? null,
      provider_reference: item.providerReference ?? null,
      provider_updated_at: eventAt,
      set_error: clearsError ? 1 : 0,
      error_code: item.errorCode ?? null,
      error_message: item.errorMessage ?? null,
      warning: item.warning ?? null,
      note: item.note ?? null,
      at,
    });
    const note = [decision.note, item.note].filter((n) => n !== undefined).join('; ');
    this.s.insertHistory.run(
      historyParams(row.id, row.batch_id, at, status, decision.to, decision.cause, row.attempts, { ...item, note: note || undefined }),
    );
    return { rowId: row.id, changed: true, status: decision.to };
  }

  /** not_sent → queued, or → duplicate / conflict of the row that took the key meanwhile. */
  private requeue(row: RowRecord, at: string): DemotedRow | undefined {
    const orderKey = row.order_key as string;
    const owner = this.currentOwner(row.provider, orderKey);
    if (!owner) {
      assertTransition(row.id, 'not_sent', 'queued', 'resumed');
      this.s.requeueRow.run({ id: row.id, at });
      this.s.insertHistory.run(historyParams(row.id, row.batch_id, at, 'not_sent', 'queued', 'resumed', row.attempts, {}));
      return undefined;
    }
    const status = owner.fingerprint === row.fingerprint ? 'duplicate' : 'conflict';
    assertTransition(row.id, 'not_sent', status, 'key_owned');
    const errorCode = status === 'duplicate' ? 'DUPLICATE_ORDER_ID' : 'CONFLICTING_ORDER_ID';
    this.s.demoteRow.run({ id: row.id, status, owner_row_id: owner.rowId, error_code: errorCode, error_message: ownedMessage(owner), at });
    this.s.insertHistory.run(historyParams(row.id, row.batch_id, at, 'not_sent', status, 'key_owned', row.attempts, { errorCode }));
    return { rowId: row.id, rowNumber: row.row_number, status, owner };
  }

  /** Keyset pages by id: each page is read completely before rows are yielded, so the caller may write meanwhile. */
  private *paged(fetch: (after: number) => RowRecord[], pageSize: number): IterableIterator<LedgerRow> {
    let after = 0;
    for (;;) {
      const page = fetch(after);
      for (const r of page) yield toRow(r);
      const last = page[page.length - 1];
      if (page.length < pageSize || last === undefined) return;
      after = last.id;
    }
  }

  private inStatement(name: string, count: number, sql: (list: string) => string): Database.Statement {
    const key = `${name}:${count}`;
    let stmt = this.inCache.get(key);
    if (!stmt) {
      stmt = this.db.prepare(sql(new Array(count).fill('?').join(', ')));
      this.inCache.set(key, stmt);
    }
    return stmt;
  }

  private toBatch(r: BatchRecord): Batch {
    const balances = this.s.balances.all(r.id) as { provider: string; currency: string; amount_minor: number; captured_at: string }[];
    return {
      id: r.id,
      provider: r.provider as ProviderId,
      fileName: r.file_name,
      fileHash: r.file_hash,
      rowCount: r.row_count,
      status: r.status as BatchStatus,
      openingBalances: balances.map((b) => ({
        provider: b.provider as ProviderId,
        currency: b.currency as Currency,
        amountMinor: b.amount_minor,
        capturedAt: new Date(b.captured_at),
      })),
      createdAt: new Date(r.created_at),
      updatedAt: new Date(r.updated_at),
    };
  }
}

function prepareStatements(db: Database.Database) {
  return {
    getBatch: db.prepare('SELECT * FROM batches WHERE id = ?'),
    listBatches: db.prepare('SELECT * FROM batches ORDER BY created_at DESC, id'),
    insertBatch: db.prepare(
      `INSERT INTO batches (id, provider, file_name, file_hash, row_count, status, created_at, updated_at)
       VALUES (@id, @provider, @file_name, @file_hash, @row_count, @status, @at, @at)`,
    ),
    setBatchStatus: db.prepare('UPDATE batches SET status = @status, updated_at = @at WHERE id = @id'),
    balances: db.prepare('SELECT * FROM batch_balances WHERE batch_id = ? ORDER BY provider, currency'),
    insertBalance: db.prepare(
      `INSERT INTO batch_balances (batch_id, provider, currency, amount_minor, captured_at)
       VALUES (@batch_id, @provider, @currency, @amount_minor, @captured_at) ON CONFLICT DO NOTHING`,
    ),
    getLock: db.prepare('SELECT * FROM batch_locks WHERE batch_id = ?'),
    insertLock: db.prepare(
      `INSERT INTO batch_locks (batch_id, owner_pid, owner_host, owner_token, started_at) VALUES (@batch_id, @pid, @host, @token, @at)`,
    ),
    deleteLock: db.prepare('DELETE FROM batch_locks WHERE batch_id = ?'),
    releaseLock: db.prepare('DELETE FROM batch_locks WHERE batch_id = ? AND owner_token = ?'),
    rowIdByNumber: db.prepare('SELECT id FROM payout_rows WHERE batch_id = ? AND row_number = ?').pluck(),
    getRow: db.prepare('SELECT * FROM payout_rows WHERE id = ?'),
    getRowByNumber: db.prepare('SELECT * FROM payout_rows WHERE batch_id = ? AND row_number = ?'),
    keyOwner: db.prepare(
      `SELECT id, batch_id, row_number, status, fingerprint, provider_payout_id FROM payout_rows
       WHERE provider = ? AND order_key = ? AND status IN (${KEY_OWNING_SQL})`,
    ),
    insertRow: db.prepare(
      `INSERT INTO payout_rows (batch_id, row_number, provider, order_key, fingerprint, amount_minor, currency, account,
         account_kind, account_bank_code, account_bank_name, account_masked, name, email, phone, description, input, status,
         owner_row_id, error_code, error_message, warning, note, created_at, updated_at)
       VALUES (@batch_id, @row_number, @provider, @order_key, @fingerprint, @amount_minor, @currency, @account,
         @account_kind, @account_bank_code, @account_bank_name, @account_masked, @name, @email, @phone, @description, @input, @status,
         @owner_row_id, @error_code, @error_message, @warning, @note, @at, @at)`,
    ),
    markSending: db.prepare(
      `UPDATE payout_rows SET status = 'sending', attempts = @attempt, request_key = @request_key,
         recipient_id = coalesce(@recipient_id, recipient_id), sent_at = @at, error_code = NULL, error_message = NULL,
         updated_at = @at
       WHERE id = @id`,
    ),
    transitionRow: db.prepare(
      `UPDATE payout_rows SET status = @status,
         provider_payout_id = coalesce(@provider_payout_id, provider_payout_id),
         provider_status = coalesce(@provider_status, provider_status),
         provider_reference = coalesce(@provider_reference, provider_reference),
         provider_updated_at = CASE WHEN @provider_updated_at IS NOT NULL
           AND (provider_updated_at IS NULL OR @provider_updated_at > provider_updated_at)
           THEN @provider_updated_at ELSE provider_updated_at END,
         error_code = CASE WHEN @set_error = 1 THEN @error_code ELSE coalesce(@error_code, error_code) END,
         error_message = CASE WHEN @set_error = 1 THEN @error_message ELSE coalesce(@error_message, error_message) END,
         warning = coalesce(@warning, warning),
         note = coalesce(@note, note),
         updated_at = @at
       WHERE id = @id`,
    ),
    refreshRow: db.prepare(
      `UPDATE payout_rows SET
         provider_status = coalesce(@provider_status, provider_status),
         provider_payout_id = coalesce(provider_payout_id, @provider_payout_id),
         provider_reference = coalesce(@provider_reference, provider_reference),
         provider_updated_at = CASE WHEN @provider_updated_at IS NOT NULL
           AND (provider_updated_at IS NULL OR @provider_updated_at > provider_updated_at)
           THEN @provider_updated_at ELSE provider_updated_at END,
         updated_at = @at
       WHERE id = @id`,
    ),
    requeueRow: db.prepare(
      `UPDATE payout_rows SET status = 'queued', error_code = NULL, error_message = NULL, updated_at = @at WHERE id = @id`,
    ),
    demoteRow: db.prepare(
      `UPDATE payout_rows SET status = @status, owner_row_id = @owner_row_id, error_code = @error_code,
         error_message = @error_message, updated_at = @at WHERE id = @id`,
    ),
    historyForQueued: db.prepare(
      `INSERT INTO row_history (row_id, batch_id, at, from_status, to_status, cause, attempt)
       SELECT id, batch_id, @at, 'queued', 'not_sent', @cause, attempts FROM payout_rows
       WHERE batch_id = @batchId AND status = 'queued' ORDER BY id`,
    ),
    releaseQueued: db.prepare(`UPDATE payout_rows SET status = 'not_sent', updated_at = @at WHERE batch_id = @batchId AND status = 'queued'`),
    notSentOfBatch: db.prepare(`SELECT * FROM payout_rows WHERE batch_id = ? AND status = 'not_sent' ORDER BY id`),
    insertHistory: db.prepare(
      `INSERT INTO row_history (row_id, batch_id, at, from_status, to_status, cause, attempt, provider_status, provider_code,
         provider_message, error_code, provider_event_at, note)
       VALUES (@row_id, @batch_id, @at, @from_status, @to_status, @cause, @attempt, @provider_status, @provider_code,
         @provider_message, @error_code, @provider_event_at, @note)`,
    ),
    history: db.prepare('SELECT * FROM row_history WHERE row_id = ? ORDER BY id'),
    reportByBatch: db.prepare('SELECT * FROM payout_rows WHERE batch_id = @batchId AND id > @after ORDER BY id LIMIT @limit'),
    reportByTime: db.prepare(
      'SELECT * FROM payout_rows WHERE updated_at >= @from AND updated_at < @to AND id > @after ORDER BY id LIMIT @limit',
    ),
    rowByPayoutId: db.prepare('SELECT * FROM payout_rows WHERE provider = ? AND provider_payout_id = ? ORDER BY id DESC LIMIT 1'),
    countsByStatus: db.prepare(
      'SELECT status, count(*) AS n, coalesce(sum(amount_minor), 0) AS amount FROM payout_rows WHERE batch_id = ? GROUP BY status',
    ),
    getRecipient: db.prepare('SELECT recipient_id FROM recipients WHERE provider = ? AND recipient_key = ?'),
    saveRecipient: db.prepare(
      `INSERT INTO recipients (provider, recipient_key, recipient_id, created_at, updated_at)
       VALUES (@provider, @recipient_key, @recipient_id, @at, @at)
       ON CONFLICT (provider, recipient_key) DO UPDATE SET recipient_id = excluded.recipient_id, updated_at = excluded.updated_at`,
    ),
  };
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else — alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function payableFields(row: LedgerRowInput): { orderKey: string; fingerprint: string } | undefined {
  if (row.orderKey === undefined || row.amountMinor === undefined || row.currency === undefined || row.account === undefined) {
    return undefined;
  }
  assertMinor(row.amountMinor, `row ${row.rowNumber} amount`);
  return { orderKey: row.orderKey, fingerprint: rowFingerprint(row.amountMinor, row.account, row.currency) };
}

function ownedMessage(owner: KeyOwner): string {
  return `order key already taken by batch ${owner.batchId} row ${owner.rowNumber} (${owner.status})`;
}

function facts(row: RowRecord) {
  return {
    status: row.status as RowStatus,
    attempts: row.attempts,
    providerStatus: row.provider_status ?? undefined,
    providerPayoutId: row.provider_payout_id ?? undefined,
    providerUpdatedAt: row.provider_updated_at === null ? undefined : new Date(row.provider_updated_at),
  };
}

interface HistoryDetail {
  providerStatus?: string;
  providerCode?: string;
  providerMessage?: string;
  errorCode?: string;
  providerUpdatedAt?: Date;
  note?: string;
}

function historyParams(
  rowId: number,
  batchId: string,
  at: string,
  from: RowStatus | null,
  to: RowStatus,
  cause: TransitionCause,
  attempt: number,
  detail: HistoryDetail,
) {
  return {
    row_id: rowId,
    batch_id: batchId,
    at,
    from_status: from,
    to_status: to,
    cause,
    attempt,
    provider_status: detail.providerStatus ?? null,
    provider_code: detail.providerCode ?? null,
    provider_message: detail.providerMessage ?? null,
    error_code: detail.errorCode ?? null,
    provider_event_at: detail.providerUpdatedAt ? iso(detail.providerUpdatedAt) : null,
    note: detail.note ?? null,
  };
}

function toOwner(lock: LockRecord): BatchLockOwner {
  return { pid: lock.owner_pid, host: lock.owner_host, startedAt: new Date(lock.started_at) };
}

function toKeyOwner(r: OwnerRecord): KeyOwner {
  const status = r.status as RowStatus;
  return {
    rowId: r.id,
    batchId: r.batch_id,
    rowNumber: r.row_number,
    status,
    fingerprint: r.fingerprint,
    ownsKey: ownsKey(status),
    providerPayoutId: r.provider_payout_id ?? undefined,
  };
}

function toAccount(r: RowRecord): Account | undefined {
  if (r.account === null || r.account_kind === null) return undefined;
  switch (r.account_kind) {
    case 'clabe':
      return {
        kind: 'clabe',
        number: r.account,
        bankCode: r.account_bank_code ?? r.account.slice(0, 3),
        ...(r.account_bank_name === null ? {} : { bankName: r.account_bank_name }),
      };
    case 'cbu':
    case 'cvu':
      return { kind: r.account_kind, number: r.account };
    case 'cash_out':
      return { kind: 'cash_out', email: r.email ?? r.account };
    default:
      return { kind: 'alias', alias: r.account };
  }
}

function toRow(r: RowRecord): LedgerRow {
  return {
    id: r.id,
    batchId: r.batch_id,
    rowNumber: r.row_number,
    provider: r.provider as ProviderId,
    orderKey: r.order_key ?? undefined,
    fingerprint: r.fingerprint ?? undefined,
    amountMinor: r.amount_minor ?? undefined,
    currency: (r.currency ?? undefined) as Currency | undefined,
    account: toAccount(r),
    accountMasked: r.account_masked ?? undefined,
    name: r.name ?? undefined,
    email: r.email ?? undefined,
    phone: r.phone ?? undefined,
    description: r.description ?? undefined,
    input: r.input === null ? undefined : (JSON.parse(r.input) as Record<string, string>),
    status: r.status as RowStatus,
    ownerRowId: r.owner_row_id ?? undefined,
    requestKey: r.request_key ?? undefined,
    attempts: r.attempts,
    recipientId: r.recipient_id ?? undefined,
    providerPayoutId: r.provider_payout_id ?? undefined,
    providerStatus: r.provider_status ?? undefined,
    providerReference: r.provider_reference ?? undefined,
    errorCode: r.error_code ?? undefined,
    errorMessage: r.error_message ?? undefined,
    warning: r.warning ?? undefined,
    note: r.note ?? undefined,
    sentAt: r.sent_at === null ? undefined : new Date(r.sent_at),
    providerUpdatedAt: r.provider_updated_at === null ? undefined : new Date(r.provider_updated_at),
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

function toHistory(r: HistoryRecord): HistoryEntry {
  return {
    id: r.id,
    rowId: r.row_id,
    batchId: r.batch_id,
    at: new Date(r.at),
    from: r.from_status as RowStatus | null,
    to: r.to_status as RowStatus,
    cause: r.cause as TransitionCause,
    attempt: r.attempt,
    providerStatus: r.provider_status ?? undefined,
    providerCode: r.provider_code ?? undefined,
    providerMessage: r.provider_message ?? undefined,
    errorCode: r.error_code ?? undefined,
    providerEventAt: r.provider_event_at === null ? undefined : new Date(r.provider_event_at),
    note: r.note ?? undefined,
  };
}

function iso(date: Date): string {
  return date.toISOString();
}

/**
 * The SQLite ledger as the async LedgerStore: each method performs one synchronous, committed better-sqlite3
 * transaction; rows are read page by page, so a caller may write between pages.
 */
export class SqliteLedger implements LedgerStore {
  constructor(private readonly core: SqliteLedgerSync) {}

  async openBatch(input: OpenBatchInput) {
    return this.core.openBatch(input);
  }
  async getBatch(batchId: string) {
    return this.core.getBatch(batchId);
  }
  async listBatches() {
    return this.core.listBatches();
  }
  async setBatchStatus(batchId: string, status: BatchStatus) {
    this.core.setBatchStatus(batchId, status);
  }
  async saveOpeningBalance(batchId: string, balance: BatchBalance) {
    this.core.saveOpeningBalance(batchId, balance);
  }
  async acquireBatchLock(batchId: string): Promise<BatchLock> {
    const lock = this.core.acquireBatchLock(batchId);
    return { batchId: lock.batchId, owner: lock.owner, tookOverFrom: lock.tookOverFrom, release: async () => lock.release() };
  }
  async batchLockOwner(batchId: string) {
    return this.core.batchLockOwner(batchId);
  }
  async breakBatchLock(batchId: string) {
    return this.core.breakBatchLock(batchId);
  }
  async insertRows(batchId: string, rows: readonly LedgerRowInput[]) {
    return this.core.insertRows(batchId, rows);
  }
  async getRow(rowId: number) {
    return this.core.getRow(rowId);
  }
  async getRowByNumber(batchId: string, rowNumber: number) {
    return this.core.getRowByNumber(batchId, rowNumber);
  }
  async findKeyOwners(provider: ProviderId, orderKeys: readonly string[]) {
    return this.core.findKeyOwners(provider, orderKeys);
  }
  async *rowsByStatus(batchId: string | null, statuses: readonly RowStatus[], options?: RowsByStatusOptions): AsyncIterableIterator<LedgerRow> {
    yield* this.core.rowsByStatus(batchId, statuses, options);
  }
  async *rowsForReport(scope: ReportScope): AsyncIterableIterator<LedgerRow> {
    yield* this.core.rowsForReport(scope);
  }
  async findRowByProviderPayoutId(provider: ProviderId, payoutId: string) {
    return this.core.findRowByProviderPayoutId(provider, payoutId);
  }
  async countsByStatus(batchId: string) {
    return this.core.countsByStatus(batchId);
  }
  async markSending(items: readonly MarkSendingItem[]) {
    return this.core.markSending(items);
  }
  async recordOutcomes(items: readonly OutcomeInput[]) {
    return this.core.recordOutcomes(items);
  }
  async applyProviderState(rowId: number, state: 'pending' | 'paid' | 'failed', event: ProviderStateEvent) {
    return this.core.applyProviderState(rowId, state, event);
  }
  async releaseQueued(batchId: string, cause: 'interrupted' | 'aborted' | 'insufficient_funds') {
    return this.core.releaseQueued(batchId, cause);
  }
  async requeueNotSent(batchId: string) {
    return this.core.requeueNotSent(batchId);
  }
  async history(rowId: number) {
    return this.core.history(rowId);
  }
  async getRecipient(provider: ProviderId, recipientKey: string) {
    return this.core.getRecipient(provider, recipientKey);
  }
  async saveRecipient(provider: ProviderId, recipientKey: string, recipientId: string) {
    this.core.saveRecipient(provider, recipientKey, recipientId);
  }
  async close() {
    this.core.close();
  }
}
