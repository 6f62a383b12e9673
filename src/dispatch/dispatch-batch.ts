import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import type { ProviderId } from '../domain/provider-id.ts';
import { createGroupCommitter } from '../ledger/group-commit.ts';
import { isLedgerError, LedgerError } from '../ledger/ledger-error.ts';
import type { Environment, MarkSendingItem, OutcomeInput, RecipientSave, SendingMark } from '../ledger/ledger-store.ts';
import { providerAccount } from '../providers/provider-account.ts';
import type { PayoutInstruction, PayoutProvider, ProviderPayout, ProviderSession } from '../providers/payout-provider.ts';
import type { ProviderError } from '../providers/provider-error.ts';
import type { RowSource } from './claiming-row-source.ts';
import type { DispatchLedger, DispatchProgress, DispatchRow, RowResult } from './dispatch-types.ts';
import { payRow, type PayContext } from './pay-row.ts';
import { providerLimiter } from './provider-limiter.ts';
import { withRetries } from './retry-policy.ts';

/**
 * How far back the provider-side guard lists payouts when nothing says when the batch was first run: the ledger that
 * would say is the one that was lost. A re-run after a lost ledger comes within days; a month covers it with margin.
 */
export const GUARD_LOOKBACK_MS = 31 * 24 * 60 * 60 * 1000;

export interface ProviderLane {
  provider: PayoutProvider;
  /** dispatchBatch wires the session's beforeRequest/onRateLimited to this lane's limiter. */
  session: ProviderSession;
  rate: number;
  concurrency: number;
}

export interface DispatchOptions {
  /** The rows to pay; ignored with `source`. */
  rows: DispatchRow[];
  /**
   * Queued rows read from the ledger a page at a time, paid after `rows`, page after page: a million rows are never
   * all in memory (nor a million pending promises). `total` then counts them for the progress.
   */
  queued?: AsyncIterable<DispatchRow[]>;
  /** Rows in `rows` and `queued` together (default: rows.length). */
  total?: number;
  /**
   * Rows claimed a few at a time from a batch several workers share (claiming-row-source.ts), instead of `rows`:
   * the loop claims while it has room, pays each row while it holds its lease, and ends when nothing is left to
   * claim and no other live worker holds a row (a dead worker's rows are claimed once their leases run out).
   */
  source?: RowSource;
  /** A row this worker lost to another (its lease expired): the ledger refused the write, the row is left alone. */
  onLeaseLost?: (row: DispatchRow, error: unknown) => void;
  lanes: Map<ProviderId, ProviderLane>;
  ledger: DispatchLedger;
  /** The run's target: recipient ids are kept per environment and provider account. */
  environment: Environment;
  maxAttempts: number;
  /** Stop taking: once aborted no row is started and no new attempt is made; calls in flight go on. */
  signal: AbortSignal;
  /** Cuts the HTTP calls in flight and the rate-limit waits (default: `signal`). */
  cutSignal?: AbortSignal;
  onResult?: (result: RowResult, row: DispatchRow, progress: DispatchProgress) => void;
  onHalt?: (provider: ProviderId, error: ProviderError) => void;
  /** A ledger write failed: the rows stay `sending` and are settled by the next run. */
  onLedgerError?: (error: unknown) => void;
  /**
   * Where the provider-side guard starts listing (providers without idempotency); default GUARD_LOOKBACK_MS before
   * the provider session's clock.
   */
  guardSince?: Date;
  /** The guard's listing of a provider finished (how many of our payouts it holds) or failed after its retries. */
  onGuard?: (provider: ProviderId, outcome: { found: number } | { error: unknown }) => void;
}

export interface DispatchResult {
  progress: DispatchProgress;
  halted: Map<ProviderId, ProviderError>;
  /**
   * The most rows this dispatch held at once: handed to it (a page read from the ledger, a claim, `rows`) and not yet
   * done. A page of queued rows is read only once the rows before it are done, so a batch of any size costs at most
   * the in-flight rows plus one page.
   */
  peakHeld: number;
}

/**
 * Pays rows through their providers: per provider a concurrency limit (p-limit) and a requests-per-second limiter
 * over all its endpoints. Rows an earlier run left `sending`/`unknown` are settled before any new row is sent.
 * Ledger writes are group-committed: many rows are marked `sending` in one durable transaction before their
 * requests leave, so the durable ledger does not cap throughput.
 */
export async function dispatchBatch(options: DispatchOptions): Promise<DispatchResult> {
  // Every request waiting for its rate-limit slot or retry listens for the abort: thousands at once is expected.
  setMaxListeners(0, options.signal);
  const cutSignal = options.cutSignal ?? options.signal;
  setMaxListeners(0, cutSignal);
  const progress: DispatchProgress = { total: options.total ?? options.rows.length, done: 0, paidOrPending: 0, failed: 0, unknown: 0, notSent: 0, inFlight: 0 };
  const halted = new Map<ProviderId, ProviderError>();
  // Rows in memory: `rows` from the start, then each page or claim until its rows are done.
  let held = options.source ? 0 : options.rows.length;
  let peakHeld = held;
  const hold = (n: number) => {
    held += n;
    if (held > peakHeld) peakHeld = held;
  };

  const source = options.source;
  // With claimed rows one row's lost lease must not refuse the others of its group: the group is tried row by row.
  const sendingGroups = createGroupCommitter<MarkSendingItem, SendingMark | Error>(
    (items) => (source ? markSendingEach(options.ledger, items) : options.ledger.markSending(items)),
    { maxDelayMs: source ? SHARED_MARK_DELAY_MS : MARK_DELAY_MS, maxItems: 256 },
  );
  const sending = {
    submit: async (item: MarkSendingItem): Promise<SendingMark> => {
      const result = await sendingGroups.submit(item);
      if (result instanceof Error) throw result;
      return result;
    },
    close: () => sendingGroups.close(),
  };
  let leaseLostOutcomes = 0;
  const outcomes = createGroupCommitter<OutcomeInput, void>(
    (items) =>
      recordOutcomesSafely(options.ledger, items, (error) => {
        if (isLedgerError(error) && error.code === 'LEASE_LOST') leaseLostOutcomes += 1;
        else options.onLedgerError?.(error);
      }),
    { maxDelayMs: source ? SHARED_RECORD_DELAY_MS : RECORD_DELAY_MS, maxItems: 512 },
  );
  // Recipient ids too: one durable transaction per provider answer would block the loop for each (SQLite is synchronous).
  const recipientSaves = createGroupCommitter<RecipientSave, void>((items) => options.ledger.saveRecipients(items), {
    maxDelayMs: source ? SHARED_RECORD_DELAY_MS : RECORD_DELAY_MS,
    maxItems: 256,
  });
  /** Claimed rows by request key: a request leaves only while its row's lease is still held. */
  const claimedByKey = new Map<string, number>();

  const lanes = new Map<ProviderId, { ctx: PayContext; limit: ReturnType<typeof pLimit> }>();
  for (const [id, lane] of options.lanes) {
    // One limiter per provider over all its endpoints, on the ledger's shared budget when it keeps one.
    const limiter = providerLimiter(options.ledger, id, lane.rate);
    // After the first signal no money-moving request leaves: one still waiting for its slot is not sent (the row goes
    // back to the queue). A read (a lookup, a follow-up GET) may still take its turn until the cut.
    lane.session.beforeRequest = (call) => limiter.take(call.moneyMoving ? options.signal : cutSignal);
    lane.session.onRateLimited = (ms) => limiter.onRateLimited(ms);
    lane.session.signal = cutSignal;
    const recipients = new Map<string, Promise<string>>();
    const guard = lane.provider.payoutsByRequestKey ? guardFor(id, lane, options) : undefined;
    const ctx: PayContext = {
      ...(guard ? { guard } : {}),
      provider: source ? fencedProvider(lane.provider, source, claimedByKey) : lane.provider,
      session: lane.session,
      maxAttempts: options.maxAttempts,
      signal: options.signal,
      markSending: (item) => sending.submit(item),
      recordNow: (outcome) => outcomes.submit(outcome),
      recipientFor: (instruction) => recipientFor(lane.provider, lane.session, options.ledger, (item) => recipientSaves.submit(item), options.environment, recipients, instruction),
      haltProvider: (error) => {
        if (halted.has(id)) return;
        halted.set(id, error);
        options.onHalt?.(id, error);
      },
      isHalted: () => halted.has(id),
    };
    lanes.set(id, { ctx, limit: pLimit(lane.concurrency) });
  }

  const runRows = (rows: DispatchRow[]) => Promise.all(rows.map((row) => runRow(row).finally(() => (held -= 1))));
  const runRow = async (row: DispatchRow): Promise<void> => {
        const lane = lanes.get(row.provider);
        if (!lane) throw new Error(`no provider lane for ${row.provider}`);
        // A row taken over from a worker whose lease ran out: its lookup may trust "absent" only once that worker's
        // last request can have reached the provider (waited outside the lane's concurrency; the lease is renewed).
        const settleAfter = takenOverLookupDelayMs(row, options.lanes.get(row.provider)!.session.timeoutMs);
        if (settleAfter > 0) await sleep(settleAfter, options.signal);
        return lane.limit(async () => {
          progress.inFlight += 1;
          let result: RowResult;
          try {
            result = await payRow(row, lane.ctx);
          } catch (error) {
            // A claimed row whose lease another worker took: the ledger refused the write; the row is theirs now.
            if (!source || !isLedgerError(error) || error.code !== 'LEASE_LOST') throw error;
            options.onLeaseLost?.(row, error);
            source.done(row.rowId);
            return;
          } finally {
            progress.inFlight -= 1;
          }
          if (source) {
            // The lease is given back only once the row's outcome is recorded (or refused: then it was lost).
            const lostBefore = leaseLostOutcomes;
            if (result.outcome) await outcomes.submit(result.outcome).catch(() => undefined);
            source.done(row.rowId);
            if (leaseLostOutcomes > lostBefore) options.onLeaseLost?.(row, new LedgerError('LEASE_LOST', `row ${row.rowId}: its outcome was refused, another worker holds it`));
          } else if (result.outcome) {
            // Recorded with the next group commit; until then the row stays `sending`, which a restart settles.
            void outcomes.submit(result.outcome).catch(() => undefined);
          }
          progress.done += 1;
          if (result.state === 'pending' || result.state === 'paid') progress.paidOrPending += 1;
          else if (result.state === 'failed') progress.failed += 1;
          else if (result.state === 'unknown') progress.unknown += 1;
          else progress.notSent += 1;
          options.onResult?.(result, row, progress);
        });
  };

  /** Claims while there is room in the lanes, a few rows at a time, until the batch holds nothing more for this worker. */
  const runClaimed = async (rowSource: RowSource) => {
    const room = Math.max(1, [...options.lanes.values()].reduce((n, lane) => n + lane.concurrency, 0));
    const group = Math.max(1, Math.min(CLAIM_GROUP, room));
    const active = new Set<Promise<void>>();
    let failure: unknown;
    const start = (row: DispatchRow) => {
      claimedByKey.set(row.instruction.requestKey, row.rowId);
      progress.total += 1;
      hold(1);
      const running: Promise<void> = runRow(row)
        .catch((error: unknown) => {
          failure ??= error;
        })
        .finally(() => {
          held -= 1;
          active.delete(running);
          claimedByKey.delete(row.instruction.requestKey);
        });
      active.add(running);
    };
    while (!options.signal.aborted && failure === undefined && halted.size < lanes.size) {
      // A claim is a transaction: taken when half a group has room (or nothing runs), so its cost spreads over rows.
      if (active.size >= room || (active.size > 0 && room - active.size < Math.ceil(group / 2))) {
        await Promise.race(active);
        continue;
      }
      const rows = (await rowSource.claim(Math.min(group, room - active.size))).filter((row) => {
        // A halted provider's rows are left to the ledger (released, still queued) for the next run.
        if (!halted.has(row.provider)) return true;
        rowSource.done(row.rowId);
        return false;
      });
      for (const row of rows) start(row);
      if (rows.length > 0) continue;
      if (active.size > 0) {
        await Promise.race([...active, sleep(rowSource.pollMs)]);
        continue;
      }
      if ((await rowSource.heldElsewhere()) === 0) break;
      // Other workers hold rows: wait, then claim what their leases leave behind if they die.
      await sleep(rowSource.pollMs, options.signal);
    }
    await Promise.all(active);
    if (failure !== undefined) throw failure;
  };

  try {
    if (source) await runClaimed(source);
    else {
      await runRows(options.rows.filter((r) => r.status !== 'queued'));
      await runRows(options.rows.filter((r) => r.status === 'queued'));
      if (options.queued) {
        // The next page is queued behind the one being paid (two pages in memory at most): the lanes never wait for a
        // page's slowest rows (a timeout, a lookup, a retry after a 429) before the next page's rows may start.
        let failure: { error: unknown } | undefined;
        let paying: Promise<void> = Promise.resolve();
        for await (const page of options.queued) {
          const earlier = paying;
          hold(page.length);
          paying = runRows(page).then(
            () => undefined,
            (error: unknown) => void (failure ??= { error }),
          );
          await earlier;
          if (failure) break;
        }
        await paying;
        if (failure) throw failure.error;
      }
    }
  } finally {
    // The sessions outlive the dispatch (reports read balances through them): the cut belongs to the dispatch.
    for (const lane of options.lanes.values()) delete lane.session.signal;
    await sending.close().catch((error) => options.onLedgerError?.(error));
    await outcomes.close().catch((error) => options.onLedgerError?.(error));
    await recipientSaves.close().catch((error) => options.onLedgerError?.(error));
    await source?.close().catch((error: unknown) => options.onLedgerError?.(error));
  }
  return { progress, halted, peakHeld };
}

/**
 * How long a group commit gathers items. A SQLite commit (synchronous=FULL) blocks the event loop for its fsync, and
 * nothing arrives meanwhile: with 2 ms of gathering and a 5 ms fsync the loop stood still 70 % of the time. A
 * `sending` mark holds its request back, so it gathers briefly; outcomes and recipient ids hold nothing back (a row
 * whose outcome is not recorded yet stays `sending`, which the next run settles), so they gather longer.
 */
const MARK_DELAY_MS = 8;
const RECORD_DELAY_MS = 25;
/**
 * A shared batch (PostgreSQL) commits over the network without blocking the loop, and a claimed row waits for its
 * outcome's commit before its lease is given back: there the groups gather briefly.
 */
const SHARED_MARK_DELAY_MS = 2;
const SHARED_RECORD_DELAY_MS = 5;

/**
 * How long to wait before settling a row taken over from another worker, by lookup. That worker sends only while it
 * holds the row's lease by its own clock (fencedProvider), so its last request left by the time its lease ended, and
 * reached the provider within its request timeout: a lookup before then can miss it, find nothing, and pay the row a
 * second time (Conekta and Digital FEMSA take no idempotency key). Never longer than the timeout: a worker found gone
 * sends nothing more from the claim on.
 */
export function takenOverLookupDelayMs(row: Pick<DispatchRow, 'takenOver'>, timeoutMs: number): number {
  if (!row.takenOver) return 0;
  return Math.min(timeoutMs, Math.max(0, Math.ceil(timeoutMs - row.takenOver.leaseEndedMsAgo)));
}

/** Rows claimed per claim at most: small groups spread a batch across workers and keep each lease short-lived. */
const CLAIM_GROUP = 16;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** markSending one row at a time after the group was refused: each item gets its own mark or its own error. */
async function markSendingEach(ledger: DispatchLedger, items: MarkSendingItem[]): Promise<Array<SendingMark | Error>> {
  try {
    return await ledger.markSending(items);
  } catch (error) {
    if (items.length === 1) return [error as Error];
    const results: Array<SendingMark | Error> = [];
    for (const item of items) {
      try {
        const [mark] = await ledger.markSending([item]);
        results.push(mark as SendingMark);
      } catch (itemError) {
        results.push(itemError as Error);
      }
    }
    return results;
  }
}

/**
 * The lane's provider for claimed rows: a money-moving request leaves only while this worker still holds the row's
 * lease by its own clock. Checked when the call begins (a row already lost costs no request), and again at the last
 * moment, right before the money-moving request is handed to the connection — after its rate-limit wait and after the
 * requests that come before it (a Zenrise login): a worker paused in between (SIGSTOP, a frozen VM) must not send once
 * the lease ran out, for another worker may have taken the row, found no payout and paid it. The lease is renewed by
 * its heartbeat while the worker runs, so a live worker's wait never loses it; a paused one's runs out by its clock.
 * Refused, the request performed nothing.
 */
function fencedProvider(provider: PayoutProvider, source: RowSource, claimedByKey: ReadonlyMap<string, number>): PayoutProvider {
  const leaseLost = (rowId: number) => new LedgerError('LEASE_LOST', `row ${rowId}: its lease ran out before the request left; not sent`, { rowId });
  const fenced: Pick<PayoutProvider, 'createPayout'> = {
    createPayout: (session, instruction) => {
      const rowId = claimedByKey.get(instruction.requestKey);
      if (rowId === undefined) return provider.createPayout(session, instruction);
      if (!source.holds(rowId)) return Promise.reject(leaseLost(rowId));
      // The session of this one call: the lane's own (its limiter, its auth state) plus the last check.
      const fencedSession = Object.create(session) as ProviderSession;
      fencedSession.beforeSend = (call) => {
        session.beforeSend?.(call);
        if (call.moneyMoving && !source.holds(rowId)) throw leaseLost(rowId);
      };
      return provider.createPayout(fencedSession, instruction);
    },
  };
  // Everything else is the provider's own (its prototype's methods included).
  return Object.assign(Object.create(provider) as PayoutProvider, fenced);
}

/**
 * The provider-side guard of one lane: the provider's payouts by request key, listed once — on the first row that
 * asks, under the retry policy and through the lane's rate limiter (the session's beforeRequest) — then consulted per
 * row. A listing that fails is remembered as failed for the whole dispatch: none of the lane's unguarded rows is sent.
 */
function guardFor(id: ProviderId, lane: ProviderLane, options: DispatchOptions): (instruction: PayoutInstruction) => Promise<ProviderPayout | null> {
  let listing: Promise<Map<string, ProviderPayout>> | undefined;
  const list = async (): Promise<Map<string, ProviderPayout>> => {
    const since = options.guardSince ?? new Date(lane.session.now().getTime() - GUARD_LOOKBACK_MS);
    try {
      const found = await withRetries(() => lane.provider.payoutsByRequestKey!(lane.session, since), { maxAttempts: options.maxAttempts, signal: options.signal });
      options.onGuard?.(id, { found: found.size });
      return found;
    } catch (error) {
      options.onGuard?.(id, { error });
      throw error;
    }
  };
  return async (instruction) => {
    listing ??= list();
    return (await listing).get(instruction.requestKey) ?? null;
  };
}

/**
 * One transaction for the group; if the group is refused (one illegal item), each item is tried alone so one bad
 * outcome cannot drop the others. What still fails is reported, and its row stays as it was for the next run.
 */
async function recordOutcomesSafely(ledger: DispatchLedger, items: OutcomeInput[], onError?: (error: unknown) => void): Promise<void> {
  try {
    await ledger.recordOutcomes(items);
  } catch {
    for (const item of items) {
      try {
        await ledger.recordOutcomes([item]);
      } catch (error) {
        onError?.(error);
      }
    }
  }
}

/**
 * The recipient id for an instruction: from the ledger if an earlier row or run created it, else created once —
 * concurrent rows for the same CLABE / email / account share one creation.
 */
async function recipientFor(
  provider: PayoutProvider,
  session: ProviderSession,
  ledger: DispatchLedger,
  save: (item: RecipientSave) => Promise<void>,
  environment: Environment,
  inFlight: Map<string, Promise<string>>,
  instruction: PayoutInstruction,
): Promise<string | undefined> {
  if (!provider.recipient) return undefined;
  const key = provider.recipient.key(instruction);
  const account = providerAccount(provider.id, session.credentials);
  // No account, no credentials: the creation below fails on authentication; nothing is read or kept.
  if (account === undefined) return provider.recipient.create(session, instruction).then((r) => r.recipientId);
  const scope = { environment, account };
  const known = await ledger.getRecipient(scope, provider.id, key);
  if (known) return known;
  let pending = inFlight.get(key);
  if (!pending) {
    pending = provider.recipient.create(session, instruction).then(async ({ recipientId }) => {
      await save({ scope, provider: provider.id, recipientKey: key, recipientId });
      return recipientId;
    });
    inFlight.set(key, pending);
    // A failed creation is not remembered: the next row (or retry) tries again.
    pending.catch(() => inFlight.delete(key));
    // The ids made this run stay for concurrent rows that read the ledger before the id was saved, but only the
    // latest RECIPIENTS_KEPT: a batch of a million destinations must not keep one entry each (the ledger has them).
    while (inFlight.size > RECIPIENTS_KEPT) inFlight.delete(inFlight.keys().next().value!);
  }
  return pending;
}

/**
 * Recipient creations remembered per lane. The oldest is long settled and saved (a lane has at most its concurrency
 * in flight), so a row of its destination reads the id from the ledger.
 */
const RECIPIENTS_KEPT = 10_000;
