import pLimit from 'p-limit';
import { providerLimiter } from '../dispatch/provider-limiter.ts';
import type { ProviderId } from '../domain/provider-id.ts';
import { BatchLockedError, type BatchLockOwner } from '../ledger/ledger-error.ts';
import type { BatchLock, Environment, LedgerRow, LedgerStore, PaidRowFlagCode } from '../ledger/ledger-store.ts';
import type { PayoutProvider, ProviderSession } from '../providers/payout-provider.ts';
import { lookupWouldResend } from './lookup-resends.ts';
import type { RecheckFinding } from './return-window.ts';
import { recheckPaidRow, recheckReturnedRow, syncRow, type SyncRowContext, type SyncRowResult } from './sync-row.ts';

/** Statuses a sync asks the provider about: accepted but not settled, or not known to be performed. */
export const SYNC_STATUSES = ['pending', 'unknown', 'sending'] as const;

export const DEFAULT_ROUND_PAUSE_MS = 1000;

export interface ProviderLaneConfig {
  provider: PayoutProvider;
  /** A fresh session; its beforeRequest/onRateLimited are wired to the lane's limiter here. */
  session: ProviderSession;
  /** Requests per second, all endpoints together (config `rate`). */
  rate: number;
  /** Requests in flight at once (config `concurrency`). */
  concurrency: number;
}

export type SyncLedgerStore = Pick<
  LedgerStore,
  'applyProviderState' | 'recordOutcomes' | 'getRecipient' | 'rowsByStatus' | 'countsByStatus' | 'acquireBatchLock' | 'rowsToRecheck' | 'flagPaidRow' | 'clearPaidRowFlag' | 'reverseReturn' | 'returnStandsAgain' | 'rateBudget'
>;

export interface SyncBatchesOptions {
  ledger: SyncLedgerStore;
  batchIds: readonly string[];
  /** The target asked (sync-command.ts keeps batchIds to batches of this environment). */
  environment: Environment;
  /** The lane of a provider, created the first time one of its rows is asked about and kept for every round. */
  lane(provider: ProviderId): ProviderLaneConfig;
  maxAttempts: number;
  /** Repeat rounds until every row in scope is final, or `timeoutMs` has passed. */
  untilFinal: boolean;
  timeoutMs: number;
  /** With untilFinal: stop after this many rounds too (a clock that moves per round needs few; default: no limit). */
  maxRounds?: number;
  /** Waits between rounds (default: `pauseMs` of real time). Tests move the simulator clock here instead. */
  pause?: (ms: number, signal: AbortSignal) => Promise<void>;
  pauseMs?: number;
  /** Milliseconds, for the --timeout deadline. */
  now?: () => number;
  signal?: AbortSignal;
  onRow?: (result: SyncRowResult) => void;
  onRound?: (round: SyncRound) => void;
  /**
   * Asked of each row whose lookup would send its payout request again (lookup-resends.ts); false keeps the row out
   * of the round as it is (SyncReport.withheld). Absent: every such lookup may resend (the simulator).
   */
  mayResend?: (row: LedgerRow) => boolean;
  /**
   * Paid rows that became paid at or after this time are asked about again, once (the first round), for returns,
   * deletions and amount changes (recheckPaidRow); so are paid rows still flagged (deleted, amount changed) whatever
   * their age, rows returned at or after it and rows flagged PAID_TWICE (recheckReturnedRow: a return the provider
   * reversed). LedgerStore.rowsToRecheck. Absent: no row is asked about again.
   */
  paidSince?: Date;
  /** A live run holds the batch: only rows with a payout id were asked about. */
  onBatchLocked?: (batchId: string, owner: BatchLockOwner) => void;
}

export interface SyncRound {
  round: number;
  asked: number;
  changed: number;
  /** Calls that got no answer (errors after retries). */
  unanswered: number;
  /** Rows in scope still pending, unknown or sending after the round. */
  notFinal: number;
  /** Rows left out of the round because their lookup would resend unconfirmed (counted in notFinal). */
  withheld: number;
}

export interface SyncReport {
  rounds: number;
  /** Every row asked about in any round. */
  rowIds: Set<number>;
  /** Rows whose last round got an answer from the provider (found or absent). */
  answered: number;
  /** Rows of which no call ever got an answer. */
  neverAnswered: number;
  changed: number;
  timedOut: boolean;
  interrupted: boolean;
  lockedBatches: Map<string, BatchLockOwner>;
  /** Rows not asked about because their lookup would resend and mayResend said no; they keep their status. */
  withheld: Set<number>;
  /** Paid and returned rows asked about again (also in rowIds). */
  rechecked: Set<number>;
  /**
   * Rechecked rows the ledger now shows returned, deleted at the provider or with another amount (money needs
   * attention), paid again after a reversed return, or paid twice (a reversed return whose order id another row paid).
   */
  findings: Map<number, RecheckFinding>;
  /** paid_twice findings: the returned row, and the row that paid its order id again. */
  paidTwice: Map<number, { batchId: string; rowNumber: number; owner: { batchId: string; rowNumber: number } }>;
  /** Rechecked rows whose flag (deleted, amount changed) was cleared: the provider shows them as the ledger paid them again. */
  cleared: Map<number, PaidRowFlagCode>;
}

/**
 * Asks the providers about every pending / unknown / sending row of the batches, round after round with
 * --until-final. Each provider has one rate limiter over all its endpoints and a concurrency limit, as in run
 * (dispatch-batch.ts); retryable errors are retried by the one retry policy (inside syncRow).
 *
 * Rows without a payout id are settled by a lookup that may resend (sync-row.ts), so they are touched only while
 * this process holds the batch lock: a live run keeps its `sending` and `unknown` rows to itself (it settles them
 * when it starts), and a run started meanwhile waits for the lock. A lock left by a dead run is taken over (the
 * ledger checks the holder's pid). The lock is held per round, never across the pause.
 *
 * With `paidSince`, the first round also asks again about the batches' paid rows that became paid since then, or
 * still flagged (recheckPaidRow: returns, deletions, amount changes), and their returned rows (recheckReturnedRow: a
 * return reversed). They have a payout id, so they need no lock.
 */
export async function syncBatches(options: SyncBatchesOptions): Promise<SyncReport> {
  const signal = options.signal ?? new AbortController().signal;
  const now = options.now ?? Date.now;
  const pauseMs = options.pauseMs ?? DEFAULT_ROUND_PAUSE_MS;
  const pause = options.pause ?? defaultPause;
  const deadline = now() + options.timeoutMs;
  const lanes = new Map<ProviderId, { ctx: SyncRowContext; limit: ReturnType<typeof pLimit> }>();
  const laneOf = (id: ProviderId) => {
    let lane = lanes.get(id);
    if (!lane) {
      const config = options.lane(id);
      const limiter = providerLimiter(options.ledger, id, config.rate);
      config.session.beforeRequest = () => limiter.take(signal);
      config.session.onRateLimited = (ms) => limiter.onRateLimited(ms);
      lane = {
        ctx: { provider: config.provider, session: config.session, ledger: options.ledger, environment: options.environment, maxAttempts: options.maxAttempts, signal },
        limit: pLimit(config.concurrency),
      };
      lanes.set(id, lane);
    }
    return lane;
  };

  const report: SyncReport = { rounds: 0, rowIds: new Set(), answered: 0, neverAnswered: 0, changed: 0, timedOut: false, interrupted: false, lockedBatches: new Map(), withheld: new Set(), rechecked: new Set(), findings: new Map(), paidTwice: new Map(), cleared: new Map() };
  const lastVerdict = new Map<number, SyncRowResult['verdict']>();
  const everAnswered = new Set<number>();

  for (;;) {
    if (signal.aborted) {
      report.interrupted = true;
      break;
    }
    report.rounds += 1;
    const round: SyncRound = { round: report.rounds, asked: 0, changed: 0, unanswered: 0, notFinal: 0, withheld: 0 };
    const locks: BatchLock[] = [];
    let withheldThisRound = 0;
    try {
      const rows: LedgerRow[] = [];
      const paidRows: LedgerRow[] = [];
      for (const batchId of options.batchIds) {
        const lock = await lockForLookups(options, batchId, report);
        if (lock) locks.push(lock);
        for await (const row of options.ledger.rowsByStatus(batchId, SYNC_STATUSES)) {
          if (!lock && !row.providerPayoutId) continue;
          if (options.mayResend && lookupWouldResend(row) && !options.mayResend(row)) {
            withheldThisRound += 1;
            report.withheld.add(row.id);
            continue;
          }
          rows.push(row);
        }
        // Once per sync: the answer of a paid row does not change from one --until-final round to the next.
        if (options.paidSince && report.rounds === 1) {
          for await (const row of options.ledger.rowsToRecheck(batchId, options.paidSince)) paidRows.push(row);
        }
      }
      const work = [...rows.map((row) => ({ row, recheck: false })), ...paidRows.map((row) => ({ row, recheck: true }))];
      await Promise.all(
        work.map(({ row, recheck }) => {
          const lane = laneOf(row.provider);
          return lane.limit(async () => {
            if (signal.aborted) return;
            const result = !recheck ? await syncRow(row, lane.ctx) : row.status === 'failed' ? await recheckReturnedRow(row, lane.ctx) : await recheckPaidRow(row, lane.ctx);
            if (recheck) report.rechecked.add(row.id);
            if (result.finding) report.findings.set(row.id, result.finding);
            if (result.owner) report.paidTwice.set(row.id, { batchId: row.batchId, rowNumber: row.rowNumber, owner: result.owner });
            if (result.cleared) report.cleared.set(row.id, result.cleared);
            report.rowIds.add(row.id);
            lastVerdict.set(row.id, result.verdict);
            if (result.verdict === 'found' || result.verdict === 'absent') everAnswered.add(row.id);
            round.asked += 1;
            if (result.changed) round.changed += 1;
            if (result.verdict === 'unknown') round.unanswered += 1;
            options.onRow?.(result);
          });
        }),
      );
    } finally {
      for (const lock of locks) await lock.release();
    }
    report.changed += round.changed;
    round.notFinal = await countNotFinal(options.ledger, options.batchIds);
    round.withheld = withheldThisRound;
    options.onRound?.(round);

    if (signal.aborted) {
      report.interrupted = true;
      break;
    }
    // Withheld rows stay as they are whatever the rounds do: --until-final does not wait for them.
    if (!options.untilFinal || round.notFinal - round.withheld <= 0) break;
    const left = deadline - now();
    if (left <= 0 || (options.maxRounds !== undefined && report.rounds >= options.maxRounds)) {
      report.timedOut = true;
      break;
    }
    try {
      await pause(Math.min(pauseMs, left), signal);
    } catch {
      report.interrupted = true;
      break;
    }
  }

  report.answered = [...lastVerdict.values()].filter((v) => v === 'found' || v === 'absent').length;
  report.neverAnswered = [...report.rowIds].filter((id) => !everAnswered.has(id)).length;
  return report;
}

/**
 * The batch lock when the batch has rows only a lookup can settle (no payout id), else undefined. A live holder is
 * reported, not waited for.
 */
async function lockForLookups(options: SyncBatchesOptions, batchId: string, report: SyncReport): Promise<BatchLock | undefined> {
  const counts = await options.ledger.countsByStatus(batchId);
  if (counts.sending.count + counts.unknown.count === 0) return undefined;
  try {
    return await options.ledger.acquireBatchLock(batchId);
  } catch (error) {
    if (!(error instanceof BatchLockedError)) throw error;
    if (!report.lockedBatches.has(batchId)) options.onBatchLocked?.(batchId, error.owner);
    report.lockedBatches.set(batchId, error.owner);
    return undefined;
  }
}

async function countNotFinal(ledger: SyncLedgerStore, batchIds: readonly string[]): Promise<number> {
  let n = 0;
  for (const batchId of batchIds) {
    const counts = await ledger.countsByStatus(batchId);
    for (const status of SYNC_STATUSES) n += counts[status].count;
  }
  return n;
}

function defaultPause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
