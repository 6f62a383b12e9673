import { BatchLockedError, LedgerError, type BatchLockOwner } from '../ledger-error.ts';
import type { BatchLock } from '../ledger-store.ts';
import { ensureOpen, PROCESS_TOKEN, write, type SqliteContext } from './context.ts';
import { requireBatch } from './batches.ts';
import { iso, toOwner, type LockRecord } from './records.ts';

/**
 * Batch locks: one holder per batch; only the holder may mark rows `sending`. A lock is taken over only from a
 * holder that is provably gone (same host, dead pid or an earlier incarnation of ours).
 */
export type HeldLock = Omit<BatchLock, 'release'> & { release(): void };

export function acquireBatchLock(ctx: SqliteContext, batchId: string): HeldLock {
  const at = ctx.now();
  const tookOverFrom = write(ctx, (): BatchLockOwner | undefined => {
    requireBatch(ctx, batchId);
    const existing = ctx.s.getLock.get(batchId) as LockRecord | undefined;
    let previous: BatchLockOwner | undefined;
    if (existing) {
      previous = toOwner(existing);
      if (!isStale(ctx, existing)) throw new BatchLockedError(batchId, previous);
      ctx.s.deleteLock.run(batchId);
    }
    ctx.s.insertLock.run({ batch_id: batchId, pid: process.pid, host: ctx.host, token: PROCESS_TOKEN, at: iso(at) });
    return previous;
  });
  ctx.heldLocks.add(batchId);
  const owner: BatchLockOwner = { pid: process.pid, host: ctx.host, startedAt: at };
  return {
    batchId,
    owner,
    tookOverFrom,
    release: () => {
      if (!ctx.heldLocks.delete(batchId) || !ctx.db.open) return;
      ctx.s.releaseLock.run(batchId, PROCESS_TOKEN);
    },
  };
}

export function batchLockOwner(ctx: SqliteContext, batchId: string): BatchLockOwner | undefined {
  const existing = ensureOpen(ctx).s.getLock.get(batchId) as LockRecord | undefined;
  return existing ? toOwner(existing) : undefined;
}

export function breakBatchLock(ctx: SqliteContext, batchId: string): boolean {
  ctx.heldLocks.delete(batchId);
  return ensureOpen(ctx).s.deleteLock.run(batchId).changes > 0;
}

/**
 * A lock may be taken over only when its holder is provably gone: same host (liveness is checkable only here),
 * and either our own pid under another token (an earlier incarnation) or a pid that no longer exists.
 */
export function isStale(ctx: SqliteContext, lock: LockRecord): boolean {
  if (lock.owner_host !== ctx.host) return false;
  if (lock.owner_token === PROCESS_TOKEN) return false;
  if (lock.owner_pid === process.pid) return true;
  return !ctx.isProcessAlive(lock.owner_pid);
}

export function assertLockHeld(ctx: SqliteContext, batchId: string): void {
  const lock = ctx.s.getLock.get(batchId) as LockRecord | undefined;
  if (!ctx.heldLocks.has(batchId) || lock?.owner_token !== PROCESS_TOKEN || lock.owner_pid !== process.pid) {
    throw new LedgerError('BATCH_NOT_LOCKED', `rows of batch ${batchId} may be sent only by the holder of its lock`, {
      batchId,
      owner: lock ? toOwner(lock) : undefined,
    });
  }
}

/** Releases every lock this store holds (on close). */
export function releaseHeldLocks(ctx: SqliteContext): void {
  for (const batchId of ctx.heldLocks) ctx.s.releaseLock.run(batchId, PROCESS_TOKEN);
  ctx.heldLocks.clear();
}
