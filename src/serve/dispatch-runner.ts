import { ledgerRowInput } from '../plan/ledger-row-input.ts';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { applyRunPlan } from '../apply/apply-run-plan.ts';
import { createSession } from '../commands/shared/provider-sessions.ts';
import { dispatchBatch, type ProviderLane } from '../dispatch/dispatch-batch.ts';
import type { DispatchProgress } from '../dispatch/dispatch-types.ts';
import type { ProviderId } from '../domain/provider-id.ts';
import { BatchLockedError } from '../ledger/ledger-error.ts';
import { getProvider } from '../providers/registry.ts';
import { writeReports } from '../report/write-reports.ts';
import { isRunError } from '../run-error.ts';
import { resultRowFromLedger } from '../write/result-row-from-ledger.ts';
import { writeResultsFile } from '../write/results-writer.ts';
import { preparePlan, type PlanContext } from './plan-upload.ts';
import type { Review, ReviewStatus, ReviewStore } from './review-store.ts';

/** Rows per ledger transaction when an approved upload's rows are written. */
const WRITE_CHUNK_ROWS = 5_000;

export interface LiveProgress extends DispatchProgress {
  /** Rows settled per second since this dispatch started. */
  rate: number;
  /** Seconds to go at that rate; absent until a row has settled. */
  etaSeconds?: number;
}

export interface RunnerOptions {
  ctx: PlanContext;
  store: ReviewStore;
  /** The data folder: uploads/ (the files, under generated names) and batches/<id>/ (results). */
  dataDir: string;
  ledgerPath: string;
  maxAttempts: number;
  log: (record: Record<string, unknown>) => void;
  /** How long to wait before trying again a batch whose lock another server holds (default 5 s). */
  lockRetryMs?: number;
}

/** Who holds the lock of a batch this server waits for: another server on the shared ledger. */
export interface PayingElsewhere {
  host: string;
  pid: number;
  since: string;
}

interface Running {
  stop: AbortController;
  cut: AbortController;
  why?: 'pause' | 'shutdown';
  progress?: LiveProgress;
  done: Promise<void>;
}

export const uploadPath = (dataDir: string, review: Pick<Review, 'storedName'>) => join(dataDir, 'uploads', review.storedName);
export const resultsDir = (dataDir: string, id: string) => join(dataDir, 'batches', id);

/**
 * Pays approved batches in this process with what `run` uses: the plan (plan-upload.ts), applyRunPlan (batch lock,
 * rows written before any request, requeue of what was not sent) and dispatchBatch (rate limits, retries, rows left
 * in flight settled first). Pause stops taking rows and lets those in flight settle; a batch left `paying` by a
 * stopped or crashed server is started again by resumeAll().
 * Emits 'progress' (id, LiveProgress) and 'status' (id, ReviewStatus).
 */
export class DispatchRunner extends EventEmitter {
  private readonly running = new Map<string, Running>();
  /** Batches another server is paying, with the timer of this server's next try. */
  private readonly waiting = new Map<string, { holder: PayingElsewhere; timer: ReturnType<typeof setTimeout> }>();
  private closing = false;

  constructor(private readonly options: RunnerOptions) {
    super();
    this.setMaxListeners(0);
  }

  isRunning(id: string): boolean {
    return this.running.has(id);
  }

  live(id: string): LiveProgress | undefined {
    return this.running.get(id)?.progress;
  }

  /** The other server paying this batch, while this one waits for its lock. */
  elsewhere(id: string): PayingElsewhere | undefined {
    return this.waiting.get(id)?.holder;
  }

  /** Starts paying an approved (or paying) batch unless it is already being paid here. */
  start(id: string): void {
    if (this.closing || this.running.has(id)) return;
    // The holder stays shown while this try finds out whether the lock is free (it is cleared once rows go out).
    const wait = this.waiting.get(id);
    if (wait) clearTimeout(wait.timer);
    const entry: Running = { stop: new AbortController(), cut: new AbortController(), done: Promise.resolve() };
    this.running.set(id, entry);
    let lockRefused = false;
    entry.done = this.pay(id, entry)
      .catch(async (error: unknown) => {
        const holder = lockHolder(error);
        if (holder && entry.why === undefined) {
          lockRefused = true;
          return this.waitForLock(id, holder);
        }
        const reason = isRunError(error) ? `${error.code}: ${error.message}` : (error as Error).message;
        this.options.log({ event: 'pay_failed', batch: id, message: reason });
        if (entry.why !== 'shutdown') await this.setStatus(id, ['approved', 'paying'], 'failed', reason);
      })
      .finally(() => {
        this.running.delete(id);
        // Paid, paused, failed, or no longer to pay here: not waiting for anyone (a lock refusal set a new timer).
        if (!lockRefused) this.waiting.delete(id);
      });
  }

  /**
   * Another server on the shared ledger holds the batch's lock (it is paying it): not a failure. The batch stays
   * `paying`, the page says where, and this server tries again until that one has finished (or paused) it, or died
   * and its lock was freed (PostgreSQL: heartbeat expiry; SQLite: its process gone), when this one carries on.
   */
  private waitForLock(id: string, holder: PayingElsewhere): void {
    if (this.closing) return;
    const first = !this.waiting.has(id);
    const timer = setTimeout(() => this.start(id), this.options.lockRetryMs ?? 5_000);
    timer.unref();
    this.waiting.set(id, { holder, timer });
    if (first) {
      this.options.log({ event: 'paying_elsewhere', batch: id, host: holder.host, pid: holder.pid });
      this.emit('elsewhere', id, holder);
    }
  }

  /** No new rows; those in flight settle. Resolves once the dispatch has stopped. */
  async pause(id: string): Promise<boolean> {
    const entry = this.running.get(id);
    // Waiting for another server's lock: that server pays it, and only it can pause it.
    if (!entry || this.waiting.has(id)) return false;
    entry.why = 'pause';
    entry.stop.abort();
    await entry.done;
    return true;
  }

  /** Every batch the ledger shows `paying` (or approved and not started): started again. */
  async resumeAll(): Promise<string[]> {
    const ids = (await this.options.store.listReviews()).filter((r) => r.status === 'paying' || r.status === 'approved').map((r) => r.id);
    for (const id of ids) this.start(id);
    return ids;
  }

  /** Stops taking rows; after graceMs cuts what is in flight (left `unknown`, settled on the next start). */
  async shutdown(graceMs: number): Promise<void> {
    this.closing = true;
    for (const w of this.waiting.values()) clearTimeout(w.timer);
    this.waiting.clear();
    const entries = [...this.running.values()];
    for (const entry of entries) {
      entry.why ??= 'shutdown';
      entry.stop.abort();
    }
    const timer = setTimeout(() => entries.forEach((e) => e.cut.abort()), graceMs);
    await Promise.all(entries.map((e) => e.done));
    clearTimeout(timer);
  }

  private async setStatus(id: string, from: readonly ReviewStatus[], to: ReviewStatus, reason?: string) {
    if (await this.options.store.transition(id, from, to, reason !== undefined ? { reason } : {})) {
      await this.options.store.audit({ action: `status_${to}`, batchId: id, ...(reason ? { detail: { reason } } : {}) });
      this.emit('status', id, to);
    }
  }

  private async pay(id: string, entry: Running): Promise<void> {
    const { store, ctx } = this.options;
    const review = await store.getReview(id);
    if (!review || (review.status !== 'approved' && review.status !== 'paying')) return;
    const prepared = await preparePlan(ctx, { path: uploadPath(this.options.dataDir, review), provider: review.provider as ProviderId, sheet: review.sheet, map: review.map });
    if (!prepared.plan.resumed && prepared.planHash !== review.planHash) {
      // The ledger moved between the approval and now (another batch took some of its order_ids): a new plan needs
      // new approvals.
      await store.clearApprovals(id);
      if (await store.transition(id, ['approved', 'paying'], 'awaiting_approval', { planHash: prepared.planHash, summary: prepared.summary })) {
        await store.audit({ action: 'plan_changed', batchId: id, detail: { from: review.planHash, to: prepared.planHash } });
        this.emit('status', id, 'awaiting_approval');
      }
      return;
    }
    if (!prepared.plan.resumed && prepared.plan.shortfalls.length) {
      await this.setStatus(id, ['approved', 'paying'], 'failed', 'INSUFFICIENT_FUNDS: the batch does not fit the balance; nothing was sent');
      return;
    }
    if (!(await store.transition(id, ['approved', 'paying'], 'paying', { ledgerBatchId: prepared.batchId }))) return;
    if (review.status !== 'paying') await store.audit({ action: 'status_paying', batchId: id });
    this.emit('status', id, 'paying');

    const started = performance.now();
    let lastEmit = 0;
    const publish = (p: DispatchProgress, force = false) => {
      const seconds = (performance.now() - started) / 1000;
      const rate = seconds > 0 ? p.done / seconds : 0;
      entry.progress = { ...p, rate: Math.round(rate * 10) / 10, ...(rate > 0 ? { etaSeconds: Math.ceil((p.total - p.done) / rate) } : {}) };
      const now = performance.now();
      if (force || now - lastEmit > 150) {
        lastEmit = now;
        this.emit('progress', id, entry.progress);
      }
    };
    const target = await ctx.connect([...prepared.sessions.keys()]);
    const applied = await applyRunPlan({
      ledger: ctx.ledger,
      plan: prepared.plan,
      batch: {
        fileHash: prepared.checked.fileHash,
        provider: review.provider as ProviderId,
        environment: prepared.environment,
        account: prepared.account,
        fileName: review.fileName,
        rowCount: prepared.rows.length,
      },
      balances: prepared.snapshot.balances,
      capturedAt: new Date(),
      // The same rows run writes, in the same idempotent chunks (a restart writes only the rows still missing).
      writeRows: async () => {
        for (let i = 0; i < prepared.rows.length; i += WRITE_CHUNK_ROWS) await ctx.ledger.insertRows(prepared.batchId, prepared.rows.slice(i, i + WRITE_CHUNK_ROWS).map(ledgerRowInput));
      },
      onInvalid: 'skip',
      interrupted: () => entry.stop.signal.aborted,
      dispatch: async (rows) => {
        // The lock is this server's now (applyRunPlan took it): no longer paying elsewhere.
        this.waiting.delete(id);
        const lanes = new Map<ProviderId, ProviderLane>();
        for (const pid of new Set(rows.map((r) => r.provider))) {
          const config = ctx.config.providers[pid];
          lanes.set(pid, { provider: getProvider(pid), session: prepared.sessions.get(pid) ?? createSession(pid, target, ctx.config), rate: config.rate, concurrency: config.concurrency });
        }
        publish({ total: rows.length, done: 0, paidOrPending: 0, failed: 0, unknown: 0, notSent: 0, inFlight: 0 }, true);
        const result = await dispatchBatch({
          rows,
          lanes,
          ledger: ctx.ledger,
          environment: prepared.environment,
          maxAttempts: this.options.maxAttempts,
          signal: entry.stop.signal,
          cutSignal: entry.cut.signal,
          onResult: (_r, _row, p) => publish(p),
          onHalt: (provider, error) => this.options.log({ event: 'provider_halted', batch: id, provider, kind: error.kind, code: error.providerCode }),
          onLedgerError: (error) => this.options.log({ event: 'ledger_error', batch: id, message: (error as Error).message }),
        });
        publish(result.progress, true);
        return result;
      },
    });
    if (entry.why === 'shutdown') return;
    await this.writeFiles(id, prepared.batchId, prepared.sessions);
    if (entry.why === 'pause') return void (await this.setStatus(id, ['paying'], 'paused'));
    const halted = applied.kind === 'dispatched' ? [...applied.dispatch.halted] : [];
    if (halted.length) {
      const reason = halted.map(([provider, error]) => `${provider} stopped: ${error.kind}${error.providerMessage ? ` (${error.providerMessage})` : ''}`).join('; ');
      await this.setStatus(id, ['paying'], 'failed', reason);
      return;
    }
    await this.setStatus(id, ['paying'], 'finished');
  }

  /**
   * The batch's files when this server's data folder lacks them (another server on the shared ledger paid it, or the
   * folder was emptied): written again from the ledger alone, without asking the providers. Concurrent asks for one
   * batch share one writing.
   */
  async ensureFiles(review: Review, names: readonly string[]): Promise<void> {
    if (!review.ledgerBatchId || !(['finished', 'paused', 'failed'] as ReviewStatus[]).includes(review.status) || this.running.has(review.id)) return;
    const dir = resultsDir(this.options.dataDir, review.id);
    if (names.every((n) => existsSync(join(dir, n)))) return;
    const key = review.id;
    let writing = this.writing.get(key);
    if (!writing) {
      writing = this.writeFiles(review.id, review.ledgerBatchId, undefined).finally(() => this.writing.delete(key));
      this.writing.set(key, writing);
    }
    await writing;
  }

  private readonly writing = new Map<string, Promise<void>>();

  /** results.csv/xlsx, statement.xlsx and reconciliation.xlsx of the batch, from the ledger (as `run` writes them). */
  private async writeFiles(id: string, batchId: string, sessions: PreparedSessions | undefined): Promise<void> {
    const { ctx } = this.options;
    const outDir = resultsDir(this.options.dataDir, id);
    await mkdir(outDir, { recursive: true });
    // Streamed from the ledger a page at a time, as `run` writes them: the results of a large upload are never all held.
    const results = async function* () {
      for await (const row of ctx.ledger.rowsForReport({ batchId })) yield resultRowFromLedger(row);
    };
    await writeResultsFile(outDir, 'both', results());
    const reports = await writeReports({ ledger: ctx.ledger, scope: { batchId }, environment: ctx.target, outDir, format: 'xlsx', config: ctx.config, ...(sessions ? { sessions } : { notComparedReason: 'written again from the ledger on this server; not compared with the providers', notComparedReasonEs: 'escrito de nuevo desde el libro en este servidor; no comparado con los proveedores' }), ledgerPath: this.options.ledgerPath });
    for (const warning of reports.warnings) this.options.log({ event: 'report_warning', batch: id, warning });
  }
}

/** The holder named by a BATCH_LOCKED refusal (applyRunPlan wraps the ledger's BatchLockedError in a RunError). */
function lockHolder(error: unknown): PayingElsewhere | undefined {
  const cause = isRunError(error) && error.code === 'BATCH_LOCKED' ? (error as { cause?: unknown }).cause : error;
  if (!(cause instanceof BatchLockedError)) return undefined;
  return { host: cause.owner.host, pid: cause.owner.pid, since: cause.owner.startedAt.toISOString() };
}

type PreparedSessions = Awaited<ReturnType<typeof preparePlan>>['sessions'];
