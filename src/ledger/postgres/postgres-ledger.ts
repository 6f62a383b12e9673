import { randomUUID } from 'node:crypto';
import { assertMinor } from '../../domain/money.ts';
import { accountValue, maskAccount } from '../../domain/mask-account.ts';
import type { ProviderId } from '../../domain/provider-id.ts';
import { requestKey as deriveRequestKey } from '../../domain/request-key.ts';
import { ROW_STATUSES, type RowStatus } from '../../domain/row-status.ts';
import { batchIdFor, rowFingerprint } from '../batch-identity.ts';
import { BatchLockedError, IllegalTransitionError, LedgerError, type BatchLockOwner } from '../ledger-error.ts';
import {
  BATCH_STATUSES,
  ENVIRONMENTS,
  type Batch,
  type BatchBalance,
  type BatchEnvironment,
  type BatchLock,
  type BatchStatus,
  type ClaimedRow,
  type ClaimOptions,
  type DemotedRow,
  type Environment,
  type HistoryEntry,
  type InsertRowsResult,
  type KeyOwner,
  type LedgerRow,
  type LedgerRowInput,
  type LedgerScope,
  type RecipientSave,
  type LedgerStore,
  type MarkSendingItem,
  type OpenBatchInput,
  type OutcomeInput,
  type OutcomeResult,
  type PaidRowFlag,
  type PaidRowFlagClear,
  type ProviderStateEvent,
  type ReportScope,
  type RequeueResult,
  type ReturnReversal,
  type ReturnReversalResult,
  type RowLeasing,
  type RowsByStatusOptions,
  type SendingMark,
  type StatusCount,
  type StatusTotal,
  type UnaccountedPayout,
  type UnaccountedPayoutInput,
  PAID_ROW_FLAGS,
  PAID_TWICE_CODE,
  RETURNED_CODE,
} from '../ledger-store.ts';
// The process's lock-holder identity is one per process, whichever store holds the lock.
import { PROCESS_TOKEN } from '../sqlite/context.ts';
// Both stores return the same record shape (pg-context.ts PG_TYPES), so rows map to LedgerRow in one place.
import { sortedTotals, type TotalRecord } from '../sqlite/records.ts';
import { checkHistoryIds } from '../sqlite/queries.ts';
import { facts, historyParams, iso, returnedFacts, toBatch as recordToBatch, toHistory, toKeyOwner, toOwner, toRow, type BalanceRecord, type BatchRecord, type HistoryRecord, type LockRecord, type OwnerRecord, type RowRecord } from '../sqlite/records.ts';
import { ownedMessage } from '../sqlite/rows.ts';
import { checkUnaccountedInput, toUnaccounted, type UnaccountedRecord } from '../sqlite/unaccounted.ts';
import { assertInitialStatus, assertTransition, clampEventTime, decideOutcome, decideReturnReversal, ownsKey, returnStandsAgainHistory, type TransitionCause } from '../transitions.ts';
import { ensureOpen, read, transaction, write, type HeldLease, type PgContext, type Query } from './pg-context.ts';
import { PG_KEY_OWNING_SQL } from './migrations.ts';
import { ROUTED_ROW_SQL } from '../../domain/row-provider.ts';
import { createPostgresRateBudget } from './rate-budget.ts';
import type { RateBudget } from '../../dispatch/rate-budget.ts';
import { messageText } from '../../messages/stored-message.ts';

/**
 * The PostgreSQL ledger: the same LedgerStore, rules and transition table as the SQLite one (sqlite/), on a database
 * several processes and hosts can share. Every method is one transaction (write) or one statement (read).
 *
 * The batch lock is a row with its owner (pid, host, token, start) and a heartbeat renewed every `heartbeatMs`, not a
 * session advisory lock: it names its owner in the refusal, works through transaction-pooling proxies (PgBouncer),
 * and a holder whose host died is taken over once its heartbeat is `lockExpiryMs` old (server clock), where the SQLite
 * store could only be broken by hand. Marking rows sending checks the lock row in the same transaction, so a holder
 * whose lock was taken over can mark nothing more.
 */
const ROW_PAGE = 1000;
const CLEARS_ERROR: readonly RowStatus[] = ['queued', 'sending', 'pending', 'paid'];

const HISTORY_COLUMNS = 'row_id, batch_id, at, from_status, to_status, cause, attempt, provider_status, provider_code, provider_message, error_code, provider_event_at, note';
const HISTORY_VALUES = (n: number) => Array.from({ length: 13 }, (_, i) => `$${n + i}${i === 2 || i === 11 ? '::timestamptz' : ''}`).join(', ');

function historyArgs(p: ReturnType<typeof historyParams>): unknown[] {
  return [p.row_id, p.batch_id, p.at, p.from_status, p.to_status, p.cause, p.attempt, p.provider_status, p.provider_code, p.provider_message, p.error_code, p.provider_event_at, p.note];
}

async function insertHistory(q: Query, p: ReturnType<typeof historyParams>): Promise<void> {
  await q.run(`INSERT INTO row_history (${HISTORY_COLUMNS}) VALUES (${HISTORY_VALUES(1)})`, historyArgs(p));
}

function checkEnvironment(environment: string): void {
  if (!(ENVIRONMENTS as readonly string[]).includes(environment)) {
    throw new LedgerError('INVALID_INPUT', `unknown environment ${JSON.stringify(environment)}`, { environment });
  }
}

const OPEN_STATUSES_SQL = `'queued','sending','unknown'`;

/**
 * This store as a row lease owner: host and pid (so a dead pid on this host is seen as gone), the process's token,
 * and one of its own (two stores of one process are two workers).
 */
function leaseOwner(host: string): string {
  return `${host}/${process.pid}/${PROCESS_TOKEN}/${randomUUID().slice(0, 8)}`;
}

type LeasedRecord = RowRecord & { lease_owner: string | null; lease_epoch: number; lease_fresh?: boolean; lease_ended_ms_ago?: number | null };

export class PostgresLedger implements LedgerStore, RowLeasing {
  private readonly owner: string;
  constructor(private readonly ctx: PgContext) {
    this.owner = leaseOwner(ctx.host);
  }

  get leaseMs(): number {
    return this.ctx.rowLeaseMs;
  }

  // Row leases (cooperating workers; see RowLeasing in ledger-store.ts)

  async claimRows(batchId: string, limit: number, options: ClaimOptions = {}): Promise<ClaimedRow[]> {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new LedgerError('INVALID_INPUT', 'limit must be an integer >= 1', { limit });
    const exclude = options.exclude ?? [];
    let claimed = await this.claimOnce(batchId, limit, [], exclude);
    if (claimed.length === 0) {
      // Rows held by a worker of this host that is gone (killed, then restarted) need not wait for their leases.
      const dead = await this.deadOwners(batchId);
      if (dead.length > 0) claimed = await this.claimOnce(batchId, limit, dead, exclude);
    }
    if (claimed.length > 0) this.startLeaseHeartbeat();
    return claimed;
  }

  private async claimOnce(batchId: string, limit: number, deadOwners: readonly string[], exclude: readonly number[]): Promise<ClaimedRow[]> {
    const ctx = ensureOpen(this.ctx);
    const started = performance.now();
    const claimed = await transaction(ctx.pool, async (client) => {
      // SKIP LOCKED: rows another claimer (or a writer) has locked are passed over, never waited for, so two claimers
      // never get the same row. In-flight rows first: they are settled before new ones are sent.
      const rows = (
        await client.query<LeasedRecord>(
          `WITH picked AS (
             SELECT id, lease_until AS previous_until FROM payout_rows
             WHERE batch_id = $1 AND status IN (${OPEN_STATUSES_SQL})
               AND (lease_until IS NULL OR lease_until < now() OR lease_owner = ANY($4::text[]))
               AND id <> ALL($6::bigint[])
             ORDER BY (status = 'queued'), id
             LIMIT $2
             FOR UPDATE SKIP LOCKED
           )
           UPDATE payout_rows r SET lease_owner = $3, lease_until = now() + make_interval(secs => $5::double precision / 1000), lease_epoch = r.lease_epoch + 1
           FROM picked WHERE r.id = picked.id
           RETURNING r.*, (extract(epoch FROM now() - picked.previous_until) * 1000)::float8 AS lease_ended_ms_ago`,
          [batchId, limit, this.owner, [...deadOwners], ctx.rowLeaseMs, [...exclude]],
        )
      ).rows.sort((a, b) => a.id - b.id);
      const at = iso(ctx.now());
      const claimed: ClaimedRow[] = [];
      for (const row of rows) {
        let record: RowRecord = row;
        let tookOver = false;
        if (row.status === 'sending') {
          // Its worker lost it with the request possibly gone: not final, never resent blindly — a lookup settles it.
          assertTransition(row.id, 'sending', 'unknown', 'outcome_unknown');
          await client.query(`UPDATE payout_rows SET status = 'unknown', updated_at = $2::timestamptz WHERE id = $1`, [row.id, at]);
          await client.query(
            `INSERT INTO row_history (${HISTORY_COLUMNS}) VALUES (${HISTORY_VALUES(1)})`,
            historyArgs(historyParams(row.id, row.batch_id, at, 'sending', 'unknown', 'outcome_unknown', row.attempts, { note: 'the lease of the worker that sent it expired; settled by lookup' })),
          );
          record = { ...row, status: 'unknown' };
          tookOver = true;
        }
        const endedMsAgo = row.lease_ended_ms_ago;
        claimed.push({ ...toRow(record), leaseEpoch: row.lease_epoch, tookOver, ...(tookOver && endedMsAgo !== null && endedMsAgo !== undefined ? { leaseEndedMsAgo: endedMsAgo } : {}) });
      }
      return claimed;
    });
    for (const row of claimed) ctx.leases.set(row.id, { epoch: row.leaseEpoch, until: started + ctx.rowLeaseMs, lost: false });
    return claimed;
  }

  /** Lease owners of this host holding rows of the batch whose process is gone (not this process). */
  private async deadOwners(batchId: string): Promise<string[]> {
    const prefix = `${this.ctx.host}/`;
    const owners = await read(this.ctx).all<{ lease_owner: string }>(
      `SELECT DISTINCT lease_owner FROM payout_rows WHERE batch_id = $1 AND status IN (${OPEN_STATUSES_SQL}) AND lease_until >= now() AND starts_with(lease_owner, $2)`,
      [batchId, prefix],
    );
    return owners
      .map((o) => o.lease_owner)
      .filter((owner) => {
        if (owner === this.owner) return false;
        const pid = Number(owner.slice(prefix.length).split('/')[0]);
        return Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && !this.ctx.isProcessAlive(pid);
      });
  }

  async renewLeases(): Promise<{ renewed: number; lost: number[] }> {
    const ctx = ensureOpen(this.ctx);
    const held = [...ctx.leases].filter(([, l]) => !l.lost);
    if (held.length === 0) return { renewed: 0, lost: [] };
    const started = performance.now();
    const ids = held.map(([id]) => id);
    const epochs = held.map(([, l]) => l.epoch);
    // Locked in id order, as every writer locks rows: a renewal and a write of the same rows cannot deadlock.
    const renewed = new Set(
      (
        await ctx.pool.query<{ id: number }>(
          `WITH mine AS (
             SELECT r.id FROM payout_rows r JOIN unnest($1::bigint[], $2::bigint[]) AS h(id, epoch) ON r.id = h.id AND r.lease_epoch = h.epoch
             WHERE r.lease_owner = $3 ORDER BY r.id FOR UPDATE OF r
           )
           UPDATE payout_rows r SET lease_until = now() + make_interval(secs => $4::double precision / 1000) FROM mine WHERE r.id = mine.id RETURNING r.id`,
          [ids, epochs, this.owner, ctx.rowLeaseMs],
        )
      ).rows.map((r) => r.id),
    );
    const lost: number[] = [];
    for (const [id, lease] of held) {
      if (renewed.has(id)) lease.until = Math.max(lease.until, started + ctx.rowLeaseMs);
      else {
        lease.lost = true;
        lost.push(id);
      }
    }
    return { renewed: renewed.size, lost };
  }

  async releaseRows(rowIds: readonly number[]): Promise<void> {
    const ctx = ensureOpen(this.ctx);
    const held = rowIds.flatMap((id) => {
      const lease = ctx.leases.get(id);
      return lease ? [[id, lease] as const] : [];
    });
    for (const id of rowIds) ctx.leases.delete(id);
    if (ctx.leases.size === 0) this.stopLeaseHeartbeat();
    const live = held.filter(([, l]) => !l.lost);
    if (live.length === 0) return;
    await ctx.pool.query(
      `WITH mine AS (
         SELECT r.id FROM payout_rows r JOIN unnest($1::bigint[], $2::bigint[]) AS h(id, epoch) ON r.id = h.id AND r.lease_epoch = h.epoch
         WHERE r.lease_owner = $3 ORDER BY r.id FOR UPDATE OF r
       )
       UPDATE payout_rows r SET lease_owner = NULL, lease_until = NULL FROM mine WHERE r.id = mine.id`,
      [live.map(([id]) => id), live.map(([, l]) => l.epoch), this.owner],
    );
  }

  holdsLease(rowId: number): boolean {
    const lease = this.ctx.leases.get(rowId);
    return lease !== undefined && !lease.lost && performance.now() < lease.until;
  }

  async openRowCount(batchId: string): Promise<number> {
    const r = await read(this.ctx).one<{ n: number }>(`SELECT count(*)::bigint AS n FROM payout_rows WHERE batch_id = $1 AND status IN (${OPEN_STATUSES_SQL})`, [batchId]);
    return r?.n ?? 0;
  }

  async heldElsewhere(batchId: string): Promise<number> {
    const r = await read(this.ctx).one<{ n: number }>(
      `SELECT count(*)::bigint AS n FROM payout_rows WHERE batch_id = $1 AND status IN (${OPEN_STATUSES_SQL}) AND lease_until >= now() AND lease_owner <> $2`,
      [batchId, this.owner],
    );
    return r?.n ?? 0;
  }

  private startLeaseHeartbeat(): void {
    const ctx = this.ctx;
    if (ctx.leaseTimer !== undefined) return;
    let renewing = false;
    ctx.leaseTimer = setInterval(() => {
      if (renewing || ctx.closed) return;
      renewing = true;
      this.renewLeases()
        .then(({ lost }) => {
          if (lost.length > 0) ctx.onError(new Error(`${lost.length} row lease(s) lost to another worker (rows ${lost.slice(0, 5).join(', ')}${lost.length > 5 ? ', …' : ''})`), 'row lease heartbeat');
        })
        .catch((error: unknown) => ctx.onError(error as Error, 'row lease heartbeat'))
        .finally(() => {
          renewing = false;
        });
    }, Math.max(25, Math.floor(ctx.rowLeaseMs / 4)));
    ctx.leaseTimer.unref();
  }

  private stopLeaseHeartbeat(): void {
    if (this.ctx.leaseTimer !== undefined) clearInterval(this.ctx.leaseTimer);
    this.ctx.leaseTimer = undefined;
  }

  /**
   * The fence of a row this store claimed: the row (read FOR UPDATE in the writer's transaction) must still carry
   * this worker and the epoch it claimed — and, to send, half a lease still to run. Throws LEASE_LOST otherwise.
   */
  private checkLease(row: LeasedRecord, lease: HeldLease, toSend: boolean): void {
    const held = !lease.lost && row.lease_owner === this.owner && row.lease_epoch === lease.epoch;
    if (!held) lease.lost = true;
    if (!held || (toSend && row.lease_fresh !== true)) {
      throw new LedgerError('LEASE_LOST', `row ${row.id}: this worker no longer holds its lease (epoch ${lease.epoch}); the write is refused`, {
        rowId: row.id,
        epoch: lease.epoch,
        currentEpoch: row.lease_epoch,
      });
    }
  }

  /** Locks the rows a write is about to touch, in id order (as renewals do), so concurrent writers cannot deadlock. */
  private async lockRows(q: Query, rowIds: readonly number[]): Promise<void> {
    await q.all('SELECT id FROM payout_rows WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE', [[...new Set(rowIds)]]);
  }

  /** A provider's request budget, shared by every worker on this database (rate-budget.ts). */
  rateBudget(provider: ProviderId): RateBudget {
    return createPostgresRateBudget(ensureOpen(this.ctx).pool, provider);
  }

  // Batches

  async openBatch(input: OpenBatchInput): Promise<{ batch: Batch; created: boolean }> {
    if (!Number.isSafeInteger(input.rowCount) || input.rowCount < 0) {
      throw new LedgerError('INVALID_INPUT', 'rowCount must be an integer >= 0', { rowCount: input.rowCount });
    }
    const id = batchIdFor(input.fileHash, input.provider, { environment: input.environment, account: input.account });
    return write(this.ctx, async (q) => {
      const existing = await q.one<BatchRecord>('SELECT * FROM batches WHERE id = $1', [id]);
      if (existing) return { batch: await this.toBatch(q, existing), created: false };
      const at = iso(this.ctx.now());
      await q.run(
        `INSERT INTO batches (id, provider, environment, account, file_name, file_hash, row_count, status, operator, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'planned', $9, $8::timestamptz, $8::timestamptz)`,
        [id, input.provider, input.environment, input.account, input.fileName, input.fileHash, input.rowCount, at, input.operator ?? null],
      );
      return { batch: await this.toBatch(q, (await q.one<BatchRecord>('SELECT * FROM batches WHERE id = $1', [id]))!), created: true };
    });
  }

  async getBatch(batchId: string): Promise<Batch | undefined> {
    const q = read(this.ctx);
    const record = await q.one<BatchRecord>('SELECT * FROM batches WHERE id = $1', [batchId]);
    return record ? this.toBatch(q, record) : undefined;
  }

  async listBatches(): Promise<Batch[]> {
    const q = read(this.ctx);
    const records = await q.all<BatchRecord>('SELECT * FROM batches ORDER BY created_at DESC, id');
    return Promise.all(records.map((r) => this.toBatch(q, r)));
  }

  async setBatchStatus(batchId: string, status: BatchStatus): Promise<void> {
    if (!(BATCH_STATUSES as readonly string[]).includes(status)) {
      throw new LedgerError('INVALID_INPUT', `unknown batch status ${JSON.stringify(status)}`, { status });
    }
    const changed = await read(this.ctx).run('UPDATE batches SET status = $2, updated_at = $3::timestamptz WHERE id = $1', [batchId, status, iso(this.ctx.now())]);
    if (changed === 0) throw new LedgerError('BATCH_NOT_FOUND', `no batch ${batchId}`, { batchId });
  }

  async markBatchPlanned(batchId: string): Promise<void> {
    const at = iso(this.ctx.now());
    const changed = await read(this.ctx).run('UPDATE batches SET planned_at = coalesce(planned_at, $2::timestamptz), updated_at = $2::timestamptz WHERE id = $1', [batchId, at]);
    if (changed === 0) throw new LedgerError('BATCH_NOT_FOUND', `no batch ${batchId}`, { batchId });
  }

  async saveOpeningBalance(batchId: string, balance: BatchBalance): Promise<void> {
    assertMinor(balance.amountMinor, 'opening balance');
    await write(this.ctx, async (q) => {
      await this.requireBatch(q, batchId);
      await q.run(
        `INSERT INTO batch_balances (batch_id, provider, currency, amount_minor, captured_at) VALUES ($1, $2, $3, $4, $5::timestamptz)
         ON CONFLICT DO NOTHING`,
        [batchId, balance.provider, balance.currency, balance.amountMinor, iso(balance.capturedAt)],
      );
    });
  }

  // Batch lock

  async acquireBatchLock(batchId: string): Promise<BatchLock> {
    const ctx = this.ctx;
    const at = ctx.now();
    const tookOverFrom = await write(ctx, async (q): Promise<BatchLockOwner | undefined> => {
      await this.requireBatch(q, batchId);
      const existing = await q.one<LockRecord & { expired: boolean }>(
        `SELECT *, heartbeat_at < now() - make_interval(secs => $2::double precision / 1000) AS expired FROM batch_locks WHERE batch_id = $1`,
        [batchId, ctx.lockExpiryMs],
      );
      let previous: BatchLockOwner | undefined;
      if (existing) {
        previous = toOwner(existing);
        if (!this.isStale(existing)) throw new BatchLockedError(batchId, previous);
        await q.run('DELETE FROM batch_locks WHERE batch_id = $1', [batchId]);
      }
      await q.run(
        `INSERT INTO batch_locks (batch_id, owner_pid, owner_host, owner_token, started_at, heartbeat_at) VALUES ($1, $2, $3, $4, $5::timestamptz, now())`,
        [batchId, process.pid, ctx.host, PROCESS_TOKEN, iso(at)],
      );
      return previous;
    });
    this.startHeartbeat(batchId);
    const owner: BatchLockOwner = { pid: process.pid, host: ctx.host, startedAt: at };
    return {
      batchId,
      owner,
      tookOverFrom,
      release: async () => {
        if (!this.stopHeartbeat(batchId) || ctx.closed) return;
        await ctx.pool.query('DELETE FROM batch_locks WHERE batch_id = $1 AND owner_token = $2', [batchId, PROCESS_TOKEN]);
      },
    };
  }

  async batchLockOwner(batchId: string): Promise<BatchLockOwner | undefined> {
    const lock = await read(this.ctx).one<LockRecord>('SELECT * FROM batch_locks WHERE batch_id = $1', [batchId]);
    return lock ? toOwner(lock) : undefined;
  }

  async breakBatchLock(batchId: string): Promise<boolean> {
    this.stopHeartbeat(batchId);
    return (await read(this.ctx).run('DELETE FROM batch_locks WHERE batch_id = $1', [batchId])) > 0;
  }

  /**
   * Taken over only from a holder that is provably gone: on this host, an earlier incarnation (our pid, another token)
   * or a dead pid; on any host, one whose heartbeat stopped `lockExpiryMs` ago. Never from this process itself.
   */
  private isStale(lock: LockRecord & { expired: boolean }): boolean {
    if (lock.owner_token === PROCESS_TOKEN) return false;
    if (lock.expired) return true;
    if (lock.owner_host !== this.ctx.host) return false;
    if (lock.owner_pid === process.pid) return true;
    return !this.ctx.isProcessAlive(lock.owner_pid);
  }

  private startHeartbeat(batchId: string): void {
    const ctx = this.ctx;
    this.stopHeartbeat(batchId);
    const timer = setInterval(() => {
      ctx.pool
        .query('UPDATE batch_locks SET heartbeat_at = now() WHERE batch_id = $1 AND owner_token = $2 AND owner_pid = $3', [batchId, PROCESS_TOKEN, process.pid])
        .then((result) => {
          if (result.rowCount === 0) ctx.onError(new Error(`the lock of batch ${batchId} is no longer held by this process`), 'heartbeat');
        })
        .catch((error: unknown) => ctx.onError(error as Error, 'heartbeat'));
    }, ctx.heartbeatMs);
    // The heartbeat must not keep a finished process alive.
    timer.unref();
    ctx.heldLocks.set(batchId, timer);
  }

  /** True when this store held the lock. */
  private stopHeartbeat(batchId: string): boolean {
    const timer = this.ctx.heldLocks.get(batchId);
    if (timer === undefined) return false;
    clearInterval(timer);
    this.ctx.heldLocks.delete(batchId);
    return true;
  }

  private async assertLockHeld(q: Query, batchId: string): Promise<void> {
    const lock = await q.one<LockRecord>('SELECT * FROM batch_locks WHERE batch_id = $1', [batchId]);
    if (!this.ctx.heldLocks.has(batchId) || lock?.owner_token !== PROCESS_TOKEN || lock.owner_pid !== process.pid) {
      throw new LedgerError('BATCH_NOT_LOCKED', `rows of batch ${batchId} may be sent only by the holder of its lock`, {
        batchId,
        owner: lock ? toOwner(lock) : undefined,
      });
    }
  }

  // Rows

  async insertRows(batchId: string, rows: readonly LedgerRowInput[]): Promise<InsertRowsResult> {
    const seen = new Set<number>();
    for (const row of rows) {
      if (!Number.isSafeInteger(row.rowNumber) || row.rowNumber < 1) {
        throw new LedgerError('INVALID_INPUT', 'rowNumber must be a positive integer', { rowNumber: row.rowNumber });
      }
      if (seen.has(row.rowNumber)) throw new LedgerError('INVALID_INPUT', `row ${row.rowNumber} given twice`, { rowNumber: row.rowNumber });
      seen.add(row.rowNumber);
    }
    return write(this.ctx, async (q) => {
      const batch = await this.requireBatch(q, batchId);
      const at = iso(this.ctx.now());
      const result: InsertRowsResult = { inserted: 0, existing: 0, demoted: [] };
      const existing = new Set(
        (await q.all<{ row_number: number }>('SELECT row_number FROM payout_rows WHERE batch_id = $1 AND row_number = ANY($2::int[])', [batchId, [...seen]])).map(
          (r) => r.row_number,
        ),
      );
      // Owners of the keys as of this transaction (writers are serialised), kept current as rows claim keys below.
      const keys = [...new Set(rows.filter((r) => r.status === 'queued' && r.orderKey !== undefined).map((r) => r.orderKey as string))];
      const owners = await this.currentOwners(q, batch.environment, keys);
      for (const row of rows) {
        if (existing.has(row.rowNumber)) {
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
            throw new LedgerError('INVALID_INPUT', `row ${row.rowNumber}: a queued row needs orderKey, amountMinor, currency and account`, { rowNumber: row.rowNumber });
          }
          owner = owners.get(payable.orderKey);
          if (owner) {
            status = owner.fingerprint === payable.fingerprint ? 'duplicate' : 'conflict';
            cause = 'key_owned';
            ownerRowId = owner.rowId;
            errorCode = status === 'duplicate' ? 'DUPLICATE_ORDER_ID' : 'CONFLICTING_ORDER_ID';
            errorMessage = ownedMessage(owner);
          }
        }
        const provider = row.provider ?? batch.provider;
        const history = historyParams(0, batchId, at, null, status, cause, 0, { errorCode: errorCode ?? undefined });
        const inserted = await q.one<{ id: number }>(
          `WITH r AS (
             INSERT INTO payout_rows (batch_id, row_number, provider, environment, order_key, fingerprint, amount_minor, currency, account,
               account_kind, account_bank_code, account_bank_name, account_masked, name, email, phone, description, input, status,
               owner_row_id, error_code, error_message, warning, note, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24,
               $25::timestamptz, $25::timestamptz)
             RETURNING id, batch_id
           )
           INSERT INTO row_history (${HISTORY_COLUMNS})
           SELECT r.id, r.batch_id, $25::timestamptz, NULL::text, $19::text, $26::text, 0, NULL::text, NULL::text, NULL::text, $21::text, NULL::timestamptz, NULL::text FROM r
           RETURNING row_id AS id`,
          [
            batchId,
            row.rowNumber,
            provider,
            batch.environment,
            row.orderKey ?? null,
            payable?.fingerprint ?? null,
            row.amountMinor ?? null,
            row.currency ?? null,
            row.account ? accountValue(row.account) : null,
            row.account?.kind ?? null,
            row.account?.kind === 'clabe' ? row.account.bankCode : null,
            row.account?.kind === 'clabe' ? (row.account.bankName ?? null) : null,
            row.account ? maskAccount(row.account) : null,
            row.name ?? null,
            row.email ?? null,
            row.phone ?? null,
            row.description ?? null,
            row.input ? JSON.stringify(row.input) : null,
            status,
            ownerRowId,
            errorCode,
            errorMessage,
            row.warning ?? null,
            row.note ?? null,
            at,
            history.cause,
          ],
        );
        const rowId = inserted!.id;
        result.inserted += 1;
        if (owner && (status === 'duplicate' || status === 'conflict')) {
          result.demoted.push({ rowId, rowNumber: row.rowNumber, status, owner });
        } else if (status === 'queued' && payable) {
          owners.set(payable.orderKey, {
            rowId,
            batchId,
            rowNumber: row.rowNumber,
            provider,
            environment: batch.environment,
            status,
            fingerprint: payable.fingerprint,
            ownsKey: true,
          });
        }
      }
      return result;
    });
  }

  async getRow(rowId: number): Promise<LedgerRow | undefined> {
    const record = await read(this.ctx).one<RowRecord>('SELECT * FROM payout_rows WHERE id = $1', [rowId]);
    return record ? toRow(record) : undefined;
  }

  async getRowByNumber(batchId: string, rowNumber: number): Promise<LedgerRow | undefined> {
    const record = await read(this.ctx).one<RowRecord>('SELECT * FROM payout_rows WHERE batch_id = $1 AND row_number = $2', [batchId, rowNumber]);
    return record ? toRow(record) : undefined;
  }

  async findKeyOwners(environment: Environment, orderKeys: readonly string[]): Promise<Map<string, KeyOwner>> {
    checkEnvironment(environment);
    const found = new Map<string, KeyOwner>();
    const records = await read(this.ctx).all<OwnerRecord & { order_key: string }>(
      `SELECT id, batch_id, row_number, provider, environment, status, fingerprint, provider_payout_id, order_key FROM payout_rows
       WHERE order_key = ANY($1::text[]) AND status IN (${PG_KEY_OWNING_SQL}, 'failed', 'not_sent')
         AND environment IN ($2, 'unknown') ORDER BY id`,
      [[...new Set(orderKeys)], environment],
    );
    for (const r of records) {
      const current = found.get(r.order_key);
      if (current === undefined || !current.ownsKey) found.set(r.order_key, toKeyOwner(r));
    }
    return found;
  }

  /** Per key, the row that owns it for a row of `environment` (the same rule as the SQLite store's keyOwner). */
  private async currentOwners(q: Query, environment: BatchEnvironment, keys: readonly string[]): Promise<Map<string, KeyOwner>> {
    const owners = new Map<string, KeyOwner>();
    if (keys.length === 0) return owners;
    const records = await q.all<OwnerRecord & { order_key: string }>(
      `SELECT id, batch_id, row_number, provider, environment, status, fingerprint, provider_payout_id, order_key FROM payout_rows
       WHERE order_key = ANY($1::text[]) AND status IN (${PG_KEY_OWNING_SQL})
         AND (environment = $2 OR environment = 'unknown' OR $2 = 'unknown')
       ORDER BY id`,
      [keys, environment],
    );
    for (const r of records) if (!owners.has(r.order_key)) owners.set(r.order_key, toKeyOwner(r));
    return owners;
  }

  async *rowsByStatus(batchId: string | null, statuses: readonly RowStatus[], options: RowsByStatusOptions = {}): AsyncIterableIterator<LedgerRow> {
    ensureOpen(this.ctx);
    for (const status of statuses) {
      if (!(ROW_STATUSES as readonly string[]).includes(status)) {
        throw new LedgerError('INVALID_INPUT', `unknown row status ${JSON.stringify(status)}`, { status });
      }
    }
    if (statuses.length === 0) return;
    const pageSize = options.pageSize ?? ROW_PAGE;
    const params: unknown[] = [[...statuses], pageSize];
    let where = 'status = ANY($1::text[])';
    if (batchId !== null) where += ` AND batch_id = $${params.push(batchId)}`;
    if (options.provider !== undefined) where += ` AND provider = $${params.push(options.provider)}`;
    const afterParam = params.length + 1;
    yield* this.paged((after) => read(this.ctx).all<RowRecord>(`SELECT * FROM payout_rows WHERE ${where} AND id > $${afterParam} ORDER BY id LIMIT $2`, [...params, after]), pageSize);
  }

  async *paidRowsSince(batchId: string, since: Date): AsyncIterableIterator<LedgerRow> {
    const at = iso(since);
    yield* this.paged(
      (after) =>
        read(this.ctx).all<RowRecord>(
          `SELECT r.* FROM payout_rows r WHERE r.status = 'paid' AND r.batch_id = $1 AND r.id > $3
             AND (SELECT max(h.at) FROM row_history h WHERE h.row_id = r.id AND h.to_status = 'paid' AND h.from_status IS DISTINCT FROM 'paid') >= $2::timestamptz
           ORDER BY r.id LIMIT $4`,
          [batchId, at, after, ROW_PAGE],
        ),
      ROW_PAGE,
    );
  }

  async *rowsToRecheck(batchId: string, since: Date): AsyncIterableIterator<LedgerRow> {
    const at = iso(since);
    const flags = PAID_ROW_FLAGS.map((code) => `'${code}'`).join(',');
    // Paid rows inside the window or flagged whatever their age, then failed rows returned inside the window (the
    // history's reversal entry) or flagged PAID_TWICE whatever their age.
    yield* this.paged(
      (after) =>
        read(this.ctx).all<RowRecord>(
          `SELECT r.* FROM payout_rows r WHERE r.status = 'paid' AND r.batch_id = $1 AND r.id > $3
             AND (r.error_code IN (${flags})
               OR (SELECT max(h.at) FROM row_history h WHERE h.row_id = r.id AND h.to_status = 'paid' AND h.from_status IS DISTINCT FROM 'paid') >= $2::timestamptz)
           ORDER BY r.id LIMIT $4`,
          [batchId, at, after, ROW_PAGE],
        ),
      ROW_PAGE,
    );
    yield* this.paged(
      (after) =>
        read(this.ctx).all<RowRecord>(
          `SELECT r.* FROM payout_rows r WHERE r.status = 'failed' AND r.batch_id = $1 AND r.id > $3
             AND (r.error_code = '${PAID_TWICE_CODE}'
               OR (SELECT max(h.at) FROM row_history h WHERE h.row_id = r.id AND h.to_status = 'failed' AND h.cause = 'reversal') >= $2::timestamptz)
           ORDER BY r.id LIMIT $4`,
          [batchId, at, after, ROW_PAGE],
        ),
      ROW_PAGE,
    );
  }

  async *rowsForReport(scope: ReportScope): AsyncIterableIterator<LedgerRow> {
    if ('batchId' in scope) {
      yield* this.paged((after) => read(this.ctx).all<RowRecord>('SELECT * FROM payout_rows WHERE batch_id = $1 AND id > $2 ORDER BY id LIMIT $3', [scope.batchId, after, ROW_PAGE]), ROW_PAGE);
    } else {
      const from = iso(scope.from);
      const to = iso(scope.to);
      yield* this.paged(
        (after) =>
          read(this.ctx).all<RowRecord>(
            'SELECT * FROM payout_rows WHERE updated_at >= $1::timestamptz AND updated_at < $2::timestamptz AND id > $3 ORDER BY id LIMIT $4',
            [from, to, after, ROW_PAGE],
          ),
        ROW_PAGE,
      );
    }
  }

  async findRowByProviderPayoutId(provider: ProviderId, payoutId: string, environment?: BatchEnvironment): Promise<LedgerRow | undefined> {
    const record =
      environment === undefined
        ? await read(this.ctx).one<RowRecord>('SELECT * FROM payout_rows WHERE provider = $1 AND provider_payout_id = $2 ORDER BY id DESC LIMIT 1', [provider, payoutId])
        : await read(this.ctx).one<RowRecord>('SELECT * FROM payout_rows WHERE provider = $1 AND provider_payout_id = $2 AND environment = $3 ORDER BY id DESC LIMIT 1', [
            provider,
            payoutId,
            environment,
          ]);
    return record ? toRow(record) : undefined;
  }

  async countsByStatus(batchId: string): Promise<Record<RowStatus, StatusCount>> {
    const counts = Object.fromEntries(ROW_STATUSES.map((s) => [s, { count: 0, amountMinor: 0 }])) as Record<RowStatus, StatusCount>;
    // sum(bigint) is numeric: cast back to bigint (an overflow is an error in PostgreSQL, never a rounded float).
    const records = await read(this.ctx).all<{ status: RowStatus; n: number; amount: number }>(
      'SELECT status, count(*) AS n, coalesce(sum(amount_minor), 0)::bigint AS amount FROM payout_rows WHERE batch_id = $1 GROUP BY status',
      [batchId],
    );
    for (const r of records) {
      assertMinor(r.amount, `total of ${r.status} rows`);
      counts[r.status] = { count: r.n, amountMinor: r.amount };
    }
    return counts;
  }

  // Transitions

  async markSending(items: readonly MarkSendingItem[]): Promise<SendingMark[]> {
    if (items.length === 0) return [];
    return write(this.ctx, async (q) => {
      const sentAt = this.ctx.now();
      const at = iso(sentAt);
      const lockChecked = new Set<string>();
      const marks: SendingMark[] = [];
      await this.lockRows(q, items.map((i) => i.rowId));
      for (const item of items) {
        const lease = this.ctx.leases.get(item.rowId);
        const row = lease ? await requireLeasedRow(q, item.rowId, this.ctx.rowLeaseMs / 2) : await requireRow(q, item.rowId);
        // A claimed row is fenced by its lease; any other row needs the batch lock (one dispatcher).
        if (lease) this.checkLease(row as LeasedRecord, lease, true);
        else if (!lockChecked.has(row.batch_id)) {
          await this.assertLockHeld(q, row.batch_id);
          lockChecked.add(row.batch_id);
        }
        const status = row.status as RowStatus;
        const cause: TransitionCause = status === 'unknown' && item.lookupFoundNothing === true ? 'resent_after_lookup' : 'sent';
        assertTransition(row.id, status, 'sending', cause);
        if (row.order_key === null || !ownsKey(status)) throw new IllegalTransitionError(row.id, status, 'sending', cause);
        const attempt = row.attempts + 1;
        const key = item.requestKey ?? deriveRequestKey(row.provider as ProviderId, row.order_key);
        const changed = await q.run(
          `UPDATE payout_rows SET status = 'sending', attempts = $2, request_key = $3, recipient_id = coalesce($4, recipient_id),
             sent_at = $5::timestamptz, error_code = NULL, error_message = NULL, updated_at = $5::timestamptz
           WHERE id = $1 AND ($6::bigint IS NULL OR (lease_owner = $7 AND lease_epoch = $6))`,
          [row.id, attempt, key, item.recipientId ?? null, at, lease?.epoch ?? null, this.owner],
        );
        if (changed !== 1) throw new LedgerError('LEASE_LOST', `row ${row.id}: its lease was taken; the write is refused`, { rowId: row.id });
        await insertHistory(q, historyParams(row.id, row.batch_id, at, status, 'sending', cause, attempt, {}));
        marks.push({ rowId: row.id, attempt, requestKey: key, sentAt });
      }
      return marks;
    });
  }

  async recordOutcomes(items: readonly OutcomeInput[]): Promise<OutcomeResult[]> {
    if (items.length === 0) return [];
    return write(this.ctx, async (q) => {
      const at = iso(this.ctx.now());
      const results: OutcomeResult[] = [];
      await this.lockRows(q, items.map((i) => i.rowId));
      for (const item of items) results.push(await this.applyOutcome(q, item, at));
      return results;
    });
  }

  async applyProviderState(rowId: number, state: 'pending' | 'paid' | 'failed', event: ProviderStateEvent): Promise<OutcomeResult> {
    const [result] = await this.recordOutcomes([{ ...event, rowId, to: state }]);
    return result as OutcomeResult;
  }

  async flagPaidRow(rowId: number, flag: PaidRowFlag): Promise<OutcomeResult> {
    return write(this.ctx, async (q) => {
      const row = await requireRow(q, rowId);
      const status = row.status as RowStatus;
      if (status !== 'paid') return { rowId, changed: false, status, ignored: 'superseded' };
      if (row.error_code === flag.errorCode && row.error_message === flag.errorMessage) return { rowId, changed: false, status, ignored: 'no_change' };
      const at = iso(this.ctx.now());
      await q.run(
        `UPDATE payout_rows SET error_code = $2, error_message = $3, provider_status = coalesce($4, provider_status), updated_at = $5::timestamptz
         WHERE id = $1 AND status = 'paid'`,
        [rowId, flag.errorCode, flag.errorMessage, flag.providerStatus ?? null, at],
      );
      await insertHistory(q, historyParams(row.id, row.batch_id, at, 'paid', 'paid', flag.cause, row.attempts, flag));
      return { rowId, changed: true, status };
    });
  }

  async clearPaidRowFlag(rowId: number, clear: PaidRowFlagClear): Promise<OutcomeResult> {
    return write(this.ctx, async (q) => {
      const row = await requireRow(q, rowId);
      const status = row.status as RowStatus;
      if (status !== 'paid') return { rowId, changed: false, status, ignored: 'superseded' };
      if (row.error_code !== clear.errorCode) return { rowId, changed: false, status, ignored: 'no_change' };
      const at = iso(this.ctx.now());
      await q.run(
        `UPDATE payout_rows SET error_code = NULL, error_message = NULL, provider_status = coalesce($3, provider_status), updated_at = $4::timestamptz
         WHERE id = $1 AND status = 'paid' AND error_code = $2`,
        [rowId, clear.errorCode, clear.providerStatus ?? null, at],
      );
      await insertHistory(q, historyParams(row.id, row.batch_id, at, 'paid', 'paid', clear.cause, row.attempts, { providerStatus: clear.providerStatus, note: clear.note }));
      return { rowId, changed: true, status };
    });
  }

  async reverseReturn(rowId: number, reversal: ReturnReversal): Promise<ReturnReversalResult> {
    return write(this.ctx, async (q) => {
      const row = await requireRow(q, rowId);
      const status = row.status as RowStatus;
      if (status !== 'failed') return { rowId, changed: false, status, ignored: 'superseded' };
      if (row.error_code !== PAID_TWICE_CODE) {
        const returned = await q.one(`SELECT 1 AS one FROM row_history WHERE row_id = $1 AND to_status = 'failed' AND cause = 'reversal' LIMIT 1`, [rowId]);
        if (returned === undefined) return { rowId, changed: false, status, ignored: 'final' };
      }
      const at = iso(this.ctx.now());
      const owner = row.order_key === null ? undefined : (await this.currentOwners(q, row.environment as BatchEnvironment, [row.order_key])).get(row.order_key);
      const decision = decideReturnReversal(returnedFacts(row), reversal, owner);
      if (decision.kind === 'unchanged') return { rowId, changed: false, status, ignored: 'no_change', ...(owner ? { owner } : {}) };
      if (decision.kind === 'paid_twice') {
        await q.run(
          `UPDATE payout_rows SET error_code = $2, error_message = $3, provider_status = coalesce($4, provider_status), updated_at = $5::timestamptz
           WHERE id = $1 AND status = 'failed'`,
          [rowId, PAID_TWICE_CODE, decision.errorMessage, reversal.providerStatus, at],
        );
        await insertHistory(q, historyParams(row.id, row.batch_id, at, 'failed', 'failed', 'return_reversed', row.attempts, decision.history));
        return { rowId, changed: true, status, owner: decision.owner };
      }
      const eventTime = reversal.providerUpdatedAt ? clampEventTime(reversal.providerUpdatedAt, this.ctx.now()) : undefined;
      await q.run(
        `UPDATE payout_rows SET status = 'paid', provider_status = $2, error_code = NULL, error_message = NULL,
           provider_updated_at = CASE WHEN $3::timestamptz IS NOT NULL AND (provider_updated_at IS NULL OR $3::timestamptz > provider_updated_at)
             THEN $3::timestamptz ELSE provider_updated_at END,
           updated_at = $4::timestamptz
         WHERE id = $1`,
        [rowId, reversal.providerStatus, eventTime ? iso(eventTime) : null, at],
      );
      await insertHistory(q, historyParams(row.id, row.batch_id, at, 'failed', 'paid', 'return_reversed', row.attempts, { ...decision.history, providerUpdatedAt: eventTime }));
      return { rowId, changed: true, status: 'paid' };
    });
  }

  async returnStandsAgain(rowId: number, again: { providerStatus: string; errorMessage: string; cause: TransitionCause }): Promise<OutcomeResult> {
    return write(this.ctx, async (q) => {
      const row = await requireRow(q, rowId);
      const status = row.status as RowStatus;
      if (status !== 'failed' || row.error_code !== PAID_TWICE_CODE) return { rowId, changed: false, status, ignored: 'no_change' };
      const at = iso(this.ctx.now());
      await q.run(
        `UPDATE payout_rows SET error_code = $2, error_message = $3, provider_status = coalesce($4, provider_status), updated_at = $5::timestamptz
         WHERE id = $1 AND status = 'failed'`,
        [rowId, RETURNED_CODE, again.errorMessage, again.providerStatus, at],
      );
      await insertHistory(
        q,
        historyParams(row.id, row.batch_id, at, 'failed', 'failed', again.cause, row.attempts, returnStandsAgainHistory(again.providerStatus)),
      );
      return { rowId, changed: true, status };
    });
  }

  async releaseQueued(batchId: string, cause: 'interrupted' | 'aborted' | 'insufficient_funds'): Promise<number> {
    assertTransition(0, 'queued', 'not_sent', cause);
    return write(this.ctx, async (q) => {
      await this.requireBatch(q, batchId);
      const at = iso(this.ctx.now());
      // Rows another live worker has claimed are its to send: released are only the rows nobody (else) holds.
      return q.run(
        `WITH released AS (
           UPDATE payout_rows SET status = 'not_sent', updated_at = $2::timestamptz
           WHERE batch_id = $1 AND status = 'queued' AND (lease_until IS NULL OR lease_until < now() OR lease_owner = $4)
           RETURNING id, batch_id, attempts
         )
         INSERT INTO row_history (row_id, batch_id, at, from_status, to_status, cause, attempt)
         SELECT id, batch_id, $2::timestamptz, 'queued', 'not_sent', $3, attempts FROM released ORDER BY id`,
        [batchId, at, cause, this.owner],
      );
    });
  }

  async requeueNotSent(batchId: string): Promise<RequeueResult> {
    return write(this.ctx, async (q) => {
      await this.requireBatch(q, batchId);
      const at = iso(this.ctx.now());
      const result: RequeueResult = { requeued: 0, demoted: [] };
      for (const row of await q.all<RowRecord>(`SELECT * FROM payout_rows WHERE batch_id = $1 AND status = 'not_sent' ORDER BY id`, [batchId])) {
        const demoted = await this.requeue(q, row, at);
        if (demoted) result.demoted.push(demoted);
        else result.requeued += 1;
      }
      return result;
    });
  }

  async totalsByStatus(batchId: string): Promise<StatusTotal[]> {
    const records = await read(this.ctx).all<TotalRecord>(
      'SELECT status, currency, count(*) AS n, coalesce(sum(amount_minor), 0)::bigint AS amount FROM payout_rows WHERE batch_id = $1 GROUP BY status, currency',
      [batchId],
    );
    return sortedTotals(records);
  }

  async batchProviders(batchId: string): Promise<ProviderId[]> {
    const records = await read(this.ctx).all<{ provider: string }>(`SELECT DISTINCT provider FROM payout_rows WHERE batch_id = $1 AND ${ROUTED_ROW_SQL} ORDER BY provider`, [batchId]);
    return records.map((r) => r.provider as ProviderId);
  }

  async rowsByOrderKey(orderKey: string): Promise<LedgerRow[]> {
    return (await read(this.ctx).all<RowRecord>('SELECT * FROM payout_rows WHERE order_key = $1 ORDER BY id', [orderKey])).map(toRow);
  }

  async history(rowId: number): Promise<HistoryEntry[]> {
    return (await read(this.ctx).all<HistoryRecord>('SELECT * FROM row_history WHERE row_id = $1 ORDER BY id', [rowId])).map(toHistory);
  }

  async historyOfRows(rowIds: readonly number[]): Promise<Map<number, HistoryEntry[]>> {
    checkHistoryIds(rowIds);
    const out = new Map<number, HistoryEntry[]>();
    if (rowIds.length === 0) return out;
    // One array parameter, whatever the count.
    const records = await read(this.ctx).all<HistoryRecord>('SELECT * FROM row_history WHERE row_id = ANY($1::bigint[]) ORDER BY row_id, id', [[...new Set(rowIds)]]);
    for (const record of records) {
      const entry = toHistory(record);
      const list = out.get(entry.rowId);
      if (list) list.push(entry);
      else out.set(entry.rowId, [entry]);
    }
    return out;
  }

  async rowsOfIds(rowIds: readonly number[]): Promise<Map<number, LedgerRow>> {
    checkHistoryIds(rowIds, 'rowsOfIds');
    const out = new Map<number, LedgerRow>();
    if (rowIds.length === 0) return out;
    for (const record of await read(this.ctx).all<RowRecord>('SELECT * FROM payout_rows WHERE id = ANY($1::bigint[])', [[...new Set(rowIds)]])) {
      const row = toRow(record);
      out.set(row.id, row);
    }
    return out;
  }

  private async applyOutcome(q: Query, item: OutcomeInput, at: string): Promise<OutcomeResult> {
    const row = await requireRow(q, item.rowId);
    // A row this worker claimed is written only while the worker still holds the epoch it claimed (the row is
    // locked by lockRows, so no claim can move it between this check and the update).
    const lease = this.ctx.leases.get(item.rowId);
    if (lease) this.checkLease(row as LeasedRecord, lease, false);
    const status = row.status as RowStatus;
    const decision = decideOutcome(row.id, facts(row), item, this.ctx.now());
    if (decision.kind === 'ignore') return { rowId: row.id, changed: false, status, ignored: decision.reason };

    const eventTime = item.providerUpdatedAt ? clampEventTime(item.providerUpdatedAt, this.ctx.now()) : undefined;
    const eventAt = eventTime ? iso(eventTime) : null;
    if (decision.kind === 'refresh') {
      await q.run(
        `UPDATE payout_rows SET provider_status = coalesce($2, provider_status), provider_payout_id = coalesce(provider_payout_id, $3),
           provider_reference = coalesce($4, provider_reference),
           provider_updated_at = CASE WHEN $5::timestamptz IS NOT NULL AND (provider_updated_at IS NULL OR $5::timestamptz > provider_updated_at)
             THEN $5::timestamptz ELSE provider_updated_at END,
           updated_at = $6::timestamptz
         WHERE id = $1`,
        [row.id, item.providerStatus ?? null, item.providerPayoutId ?? null, item.providerReference ?? null, eventAt, at],
      );
      await insertHistory(q, historyParams(row.id, row.batch_id, at, status, status, item.cause, row.attempts, { ...item, providerUpdatedAt: eventTime }));
      return { rowId: row.id, changed: true, status };
    }

    if (status === 'not_sent' && decision.to === 'queued') {
      const demoted = await this.requeue(q, row, at);
      const after = (await requireRow(q, row.id)).status as RowStatus;
      return { rowId: row.id, changed: true, status: demoted ? demoted.status : after };
    }

    let attempts = row.attempts;
    if (decision.cause === 'found_at_provider') {
      // As in the SQLite store: the payout was made by a request the ledger has lost; the row takes that request as
      // its attempt (our request key, the payout's creation time) without being sent.
      const found = item.foundRequest;
      const key = found?.requestKey ?? deriveRequestKey(row.provider as ProviderId, row.order_key as string);
      await q.run('UPDATE payout_rows SET attempts = attempts + 1, request_key = $2, sent_at = $3::timestamptz, updated_at = $4::timestamptz WHERE id = $1', [
        row.id,
        key,
        iso(found?.sentAt ?? this.ctx.now()),
        at,
      ]);
      attempts += 1;
    }
    const clearsError = CLEARS_ERROR.includes(decision.to);
    await q.run(
      `UPDATE payout_rows SET status = $2,
         provider_payout_id = coalesce($3, provider_payout_id),
         provider_status = coalesce($4, provider_status),
         provider_reference = coalesce($5, provider_reference),
         provider_updated_at = CASE WHEN $6::timestamptz IS NOT NULL AND (provider_updated_at IS NULL OR $6::timestamptz > provider_updated_at)
           THEN $6::timestamptz ELSE provider_updated_at END,
         error_code = CASE WHEN $7::boolean THEN $8 ELSE coalesce($8, error_code) END,
         error_message = CASE WHEN $7::boolean THEN $9 ELSE coalesce($9, error_message) END,
         warning = coalesce($10, warning),
         note = coalesce($11, note),
         updated_at = $12::timestamptz
       WHERE id = $1`,
      [
        row.id,
        decision.to,
        item.providerPayoutId ?? null,
        item.providerStatus ?? null,
        item.providerReference ?? null,
        eventAt,
        clearsError,
        item.errorCode ?? null,
        item.errorMessage ?? null,
        item.warning ?? null,
        item.note ?? null,
        at,
      ],
    );
    // The history is an audit trail read as it is: a catalogue note (messages/stored-message.ts) goes in as English.
    const note = [decision.note, item.note === undefined ? undefined : messageText(item.note, 'en')].filter((n) => n !== undefined).join('; ');
    await insertHistory(
      q,
      historyParams(row.id, row.batch_id, at, status, decision.to, decision.cause, attempts, { ...item, providerUpdatedAt: eventTime, note: note || undefined }),
    );
    return { rowId: row.id, changed: true, status: decision.to };
  }

  /** not_sent → queued, or → duplicate / conflict of the row that took the key meanwhile. */
  private async requeue(q: Query, row: RowRecord, at: string): Promise<DemotedRow | undefined> {
    const orderKey = row.order_key as string;
    const owner = (await this.currentOwners(q, row.environment as BatchEnvironment, [orderKey])).get(orderKey);
    if (!owner) {
      assertTransition(row.id, 'not_sent', 'queued', 'resumed');
      await q.run(`UPDATE payout_rows SET status = 'queued', error_code = NULL, error_message = NULL, updated_at = $2::timestamptz WHERE id = $1`, [row.id, at]);
      await insertHistory(q, historyParams(row.id, row.batch_id, at, 'not_sent', 'queued', 'resumed', row.attempts, {}));
      return undefined;
    }
    const status = owner.fingerprint === row.fingerprint ? 'duplicate' : 'conflict';
    assertTransition(row.id, 'not_sent', status, 'key_owned');
    const errorCode = status === 'duplicate' ? 'DUPLICATE_ORDER_ID' : 'CONFLICTING_ORDER_ID';
    await q.run(
      `UPDATE payout_rows SET status = $2, owner_row_id = $3, error_code = $4, error_message = $5, updated_at = $6::timestamptz WHERE id = $1`,
      [row.id, status, owner.rowId, errorCode, ownedMessage(owner), at],
    );
    await insertHistory(q, historyParams(row.id, row.batch_id, at, 'not_sent', status, 'key_owned', row.attempts, { errorCode }));
    return { rowId: row.id, rowNumber: row.row_number, status, owner };
  }

  // Payouts no row accounts for

  async recordUnaccountedPayout(payout: UnaccountedPayoutInput): Promise<{ recorded: boolean }> {
    checkUnaccountedInput(payout);
    return write(this.ctx, async (q) => {
      const r = await q.one<{ inserted: boolean }>(
        `INSERT INTO unaccounted_payouts (environment, provider, provider_payout_id, reference, row_id, batch_id, state, provider_status,
           amount_minor, currency, destination, source, first_seen_at, last_seen_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::timestamptz, $13::timestamptz)
         ON CONFLICT (environment, provider, provider_payout_id) DO UPDATE SET reference = coalesce(excluded.reference, unaccounted_payouts.reference),
           row_id = excluded.row_id, batch_id = excluded.batch_id, state = excluded.state, provider_status = excluded.provider_status,
           amount_minor = excluded.amount_minor, currency = excluded.currency,
           destination = coalesce(excluded.destination, unaccounted_payouts.destination), last_seen_at = excluded.last_seen_at
         RETURNING (xmax = 0) AS inserted`,
        [
          payout.environment,
          payout.provider,
          payout.providerPayoutId,
          payout.reference ?? null,
          payout.rowId,
          payout.batchId,
          payout.state,
          payout.providerStatus,
          payout.amountMinor,
          payout.currency,
          payout.destination ?? null,
          payout.source,
          iso(this.ctx.now()),
        ],
      );
      return { recorded: r?.inserted === true };
    });
  }

  async unaccountedPayouts(environment: Environment): Promise<UnaccountedPayout[]> {
    const records = await read(this.ctx).all<UnaccountedRecord>('SELECT * FROM unaccounted_payouts WHERE environment = $1 ORDER BY first_seen_at, provider, provider_payout_id', [environment]);
    return records.map(toUnaccounted);
  }

  // Recipients

  async getRecipient(scope: LedgerScope, provider: ProviderId, recipientKey: string): Promise<string | undefined> {
    const s = scopeParams(scope);
    const r = await read(this.ctx).one<{ recipient_id: string }>(
      'SELECT recipient_id FROM recipients WHERE environment = $1 AND account = $2 AND provider = $3 AND recipient_key = $4',
      [s.environment, s.account, provider, recipientKey],
    );
    return r?.recipient_id;
  }

  async saveRecipients(items: readonly RecipientSave[]): Promise<void> {
    if (items.length === 0) return;
    await write(this.ctx, async (q) => {
      const at = iso(this.ctx.now());
      for (const item of items) {
        const s = scopeParams(item.scope);
        await q.run(
          `INSERT INTO recipients (environment, account, provider, recipient_key, recipient_id, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $6::timestamptz)
           ON CONFLICT (environment, account, provider, recipient_key) DO UPDATE SET recipient_id = excluded.recipient_id, updated_at = excluded.updated_at`,
          [s.environment, s.account, item.provider, item.recipientKey, item.recipientId, at],
        );
      }
    });
  }

  async saveRecipient(scope: LedgerScope, provider: ProviderId, recipientKey: string, recipientId: string): Promise<void> {
    const s = scopeParams(scope);
    await read(this.ctx).run(
      `INSERT INTO recipients (environment, account, provider, recipient_key, recipient_id, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $6::timestamptz)
       ON CONFLICT (environment, account, provider, recipient_key) DO UPDATE SET recipient_id = excluded.recipient_id, updated_at = excluded.updated_at`,
      [s.environment, s.account, provider, recipientKey, recipientId, iso(this.ctx.now())],
    );
  }

  /** A file copy is SQLite's way; a PostgreSQL ledger is backed up by PostgreSQL's own tools. */
  async saveCopy(_path: string): Promise<void> {
    ensureOpen(this.ctx);
    throw new LedgerError('NOT_SUPPORTED', 'a file copy of a PostgreSQL ledger is not supported: back it up with pg_dump', {});
  }

  async close(): Promise<void> {
    const ctx = this.ctx;
    if (ctx.closed) return;
    const held = [...ctx.heldLocks.keys()];
    for (const batchId of held) this.stopHeartbeat(batchId);
    try {
      if (held.length) await ctx.pool.query('DELETE FROM batch_locks WHERE batch_id = ANY($1::text[]) AND owner_token = $2', [held, PROCESS_TOKEN]);
      // Rows still claimed go back to the batch at once rather than when their leases run out.
      if (ctx.leases.size > 0) await this.releaseRows([...ctx.leases.keys()]);
    } finally {
      this.stopLeaseHeartbeat();
      ctx.closed = true;
      await ctx.pool.end();
    }
  }

  // Helpers

  private async requireBatch(q: Query, batchId: string): Promise<Batch> {
    const record = await q.one<BatchRecord>('SELECT * FROM batches WHERE id = $1', [batchId]);
    if (!record) throw new LedgerError('BATCH_NOT_FOUND', `no batch ${batchId}`, { batchId });
    return this.toBatch(q, record);
  }

  private async toBatch(q: Query, r: BatchRecord): Promise<Batch> {
    return recordToBatch(r, await q.all<BalanceRecord>('SELECT * FROM batch_balances WHERE batch_id = $1 ORDER BY provider, currency', [r.id]));
  }


  /** Keyset pages by id: each page is read completely before its rows are yielded, so the caller may write meanwhile. */
  private async *paged(fetch: (after: number) => Promise<RowRecord[]>, pageSize: number): AsyncIterableIterator<LedgerRow> {
    let after = 0;
    for (;;) {
      const page = await fetch(after);
      for (const r of page) yield toRow(r);
      const last = page[page.length - 1];
      if (page.length < pageSize || last === undefined) return;
      after = last.id;
    }
  }
}

/** The row with its lease, and whether half a lease (`freshMs`) is still to run. */
async function requireLeasedRow(q: Query, rowId: number, freshMs: number): Promise<RowRecord> {
  const record = await q.one<RowRecord>('SELECT *, lease_until > now() + make_interval(secs => $2::double precision / 1000) AS lease_fresh FROM payout_rows WHERE id = $1', [rowId, freshMs]);
  if (!record) throw new LedgerError('ROW_NOT_FOUND', `no row ${rowId}`, { rowId });
  return record;
}

async function requireRow(q: Query, rowId: number): Promise<RowRecord> {
  const record = await q.one<RowRecord>('SELECT * FROM payout_rows WHERE id = $1', [rowId]);
  if (!record) throw new LedgerError('ROW_NOT_FOUND', `no row ${rowId}`, { rowId });
  return record;
}

function payableFields(row: LedgerRowInput): { orderKey: string; fingerprint: string } | undefined {
  if (row.orderKey === undefined || row.amountMinor === undefined || row.currency === undefined || row.account === undefined) return undefined;
  assertMinor(row.amountMinor, `row ${row.rowNumber} amount`);
  return { orderKey: row.orderKey, fingerprint: rowFingerprint(row.amountMinor, row.account, row.currency) };
}

function scopeParams(scope: LedgerScope): { environment: string; account: string } {
  checkEnvironment(scope.environment);
  if (typeof scope.account !== 'string' || scope.account.length === 0) {
    throw new LedgerError('INVALID_INPUT', 'account must be a non-empty string', { account: scope.account });
  }
  return { environment: scope.environment, account: scope.account };
}
