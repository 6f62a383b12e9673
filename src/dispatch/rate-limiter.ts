import { createLocalRateBudget, GrantWindow, type BudgetAnswer, type RateBudget } from './rate-budget.ts';

/**
 * Requests-per-second limiter for one provider, shared by all its endpoints (and, with a shared budget, by every
 * worker on the ledger).
 *
 * - **Counted over a sliding second, by when each request can have reached the provider**: a provider counting a
 *   sliding second sees request n arrive after its grant, and request n − rate arrive before its answer came back —
 *   and, its delay on the way varying by less than the answers' times do, within that spread of its grant (the
 *   recent answers' slowest − fastest): the earlier of the two. Unanswered, a request is taken to arrive within the
 *   margin (below) of its grant. A send is granted while fewer than `rate` of this process's requests can have
 *   arrived in the last second: the provider never sees rate + 1 in its second, and the pace given up is the time
 *   until an answer (tens of ms against a fast provider), not a fixed margin on every send.
 * - **The margin** (and, with a shared budget — PostgreSQL, several workers, rate-budget.ts — the whole count, then
 *   of grants over a second plus the margin): the jitter this process measures (how late its waits end, how long a
 *   grant takes) doubled, between `minMarginMs` and `maxMarginMs`, and at least `warmUpMarginMs` for the first two seconds,
 *   while connections are new.
 * - **Spread, not bunched**: sends are spaced at the rate itself (1 s / rate), each allowed up to `burstMs` early so
 *   that a late wake-up is caught up, not lost; the count above is what holds the limit, the spacing only smooths.
 * - **A 429 is evidence, weighed**: the request that got it waits its Retry-After (retry-policy.ts). When 429s are a
 *   real share of what was sent in the last second (≥ `pauseShare`, at least two), the provider is at its limit: every
 *   sender of the budget pauses until the Retry-After and the pace is cut (×0.7, at most once a second, never below
 *   `floor` of the rate). Isolated 429s — a provider's noise, 5 % at random — neither pause the provider nor cut the
 *   pace: pausing the whole provider a second for each of them would stop it for good.
 * - **The pace comes back with time**: after a cut it climbs linearly back to the configured rate over `recoveryMs`
 *   counted from the end of the pause, however few requests are sent meanwhile.
 */
export interface RateLimiter {
  /**
   * Resolves when the caller may send one request (callers are served in order), with the function to call once the
   * request's answer (or failure) came back: from then on the request is known to have reached the provider.
   */
  take(signal?: AbortSignal): Promise<() => void>;
  /** The provider answered 429 (with `retryAfterMs`, or none). */
  onRateLimited(retryAfterMs: number | undefined): void;
  /** Requests per second currently allowed. */
  readonly currentRate: number;
  /** The margin added to the one-second window for jitter, in ms. */
  readonly marginMs: number;
}

export interface RateLimiterOptions {
  ratePerSecond: number;
  /** Where grants and pauses are kept; default this process only. */
  budget?: RateBudget;
  /** Time to climb back from a cut to the configured rate (default 3000 ms). */
  recoveryMs?: number;
  /** Share of the last second's sends answered 429 that means the provider's limit is reached (default 0.2). */
  pauseShare?: number;
  /** The pace is never cut below this share of the rate (default 0.1; at least 1 request per second). */
  floor?: number;
  /** Bounds of the jitter margin (default 20 and 50 ms). */
  minMarginMs?: number;
  maxMarginMs?: number;
  /** The margin for the first two seconds after the first grant (default 150 ms). */
  warmUpMarginMs?: number;
  /** How far ahead of its even spacing a send may be granted, to catch up after a late wake (default 100 ms). */
  burstMs?: number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const DEFAULT_PAUSE_MS = 1000;
const CUT_FACTOR = 0.7;
/** Jitter samples kept: the margin follows the worst of the recent ones. */
const JITTER_SAMPLES = 64;
/** How long after the first grant the margin stays at its widest. */
const WARM_UP_MS = 2000;
/** Answer times kept: their spread follows the widest of the recent ones. */
const ANSWER_SAMPLES = 256;
/** Answers needed before their spread is trusted (until then the warm-up margin). */
const MIN_ANSWER_SAMPLES = 8;
/** Slack on the provider's second: its clock and ours tick apart by a little (timer and clock rounding). */
const SECOND_SLACK_MS = 2;

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const rate = options.ratePerSecond;
  if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`ratePerSecond must be > 0, got ${rate}`);
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? defaultSleep;
  // A budget shared with other workers counts grants; this process alone counts its own requests by their answers
  // (`own`) and keeps its pause in a local budget.
  const shared = options.budget;
  const budget = shared ?? createLocalRateBudget({ now });
  const own = new ArrivalWindow();
  const recoveryMs = options.recoveryMs ?? 3000;
  const pauseShare = options.pauseShare ?? 0.2;
  const floorPace = Math.min(1, Math.max(options.floor ?? 0.1, 1 / rate));
  const minMargin = options.minMarginMs ?? 20;
  const maxMargin = Math.max(minMargin, options.maxMarginMs ?? 50);
  const burstMs = options.burstMs ?? 100;
  // The first two seconds' floor; the margin then is the wider of it and what the jitter measured says.
  const warmUpMargin = Math.max(minMargin, options.warmUpMarginMs ?? 150);

  // The pace: a share of the rate, cut on evidence and recovering from `recoverFrom`.
  let cutPace = 1;
  let cutAt = -Infinity;
  let recoverFrom = -Infinity;
  const sends = new GrantWindow();
  const limited = new GrantWindow();
  const jitter = new Float64Array(JITTER_SAMPLES);
  let jitterNext = 0;
  // When the next send is due if sends are spread evenly over the window (generic cell rate algorithm).
  let paced = -Infinity;
  let firstGrant = NaN;

  const pace = (t: number): number => {
    if (cutPace >= 1 || t <= recoverFrom) return cutPace;
    return Math.min(1, cutPace + ((1 - cutPace) * (t - recoverFrom)) / recoveryMs);
  };
  const limit = (t: number): number => Math.max(1, Math.floor(rate * pace(t) + 1e-9));
  const marginMs = (): number => {
    // The first window is the most uneven (new connections, a provider's cold start: its first requests arrive tens of
    // ms later than the next ones): a wide margin until it is past.
    let worst = 0;
    for (const sample of jitter) worst = Math.max(worst, sample);
    const measured = Math.min(maxMargin, Math.max(minMargin, 2 * worst));
    if (Number.isNaN(firstGrant) || now() - firstGrant < WARM_UP_MS) return Math.max(warmUpMargin, measured);
    return measured;
  };
  // How long answers take, recent ones: their spread (slowest - fastest) bounds how unevenly requests arrive.
  const answers = new Float64Array(ANSWER_SAMPLES);
  let answersSeen = 0;
  const noteAnswer = (ms: number) => {
    answers[answersSeen % ANSWER_SAMPLES] = Math.max(0, ms);
    answersSeen++;
  };
  const answerSpread = (): number => {
    if (answersSeen < MIN_ANSWER_SAMPLES) return warmUpMargin;
    let fastest = Infinity;
    let slowest = 0;
    for (let i = 0; i < Math.min(answersSeen, ANSWER_SAMPLES); i++) {
      fastest = Math.min(fastest, answers[i] as number);
      slowest = Math.max(slowest, answers[i] as number);
    }
    return Math.max(minMargin, slowest - fastest);
  };
  const noteJitter = (ms: number) => {
    jitter[jitterNext] = Math.max(0, ms);
    jitterNext = (jitterNext + 1) % JITTER_SAMPLES;
  };

  // Callers wait in line; only the first asks the budget, so a shared budget sees one query per grant or wait.
  const line: Array<{ resolve: (answered: () => void) => void; reject: (reason: unknown) => void; signal: AbortSignal | undefined }> = [];
  /** This process's own count: a pause first, then its requests that can have arrived in the last second. */
  const ownTake = async (t: number, limitNow: number): Promise<BudgetAnswer> => {
    const paused = await budget.tryTake({ limit: Number.MAX_SAFE_INTEGER, windowMs: 1000 });
    if (!paused.granted) return paused;
    const waitMs = own.waitMs(t - 1000 - SECOND_SLACK_MS, limitNow);
    return waitMs > 0 ? { granted: false, waitMs } : { granted: true };
  };
  let serving = false;
  const serve = async () => {
    if (serving) return;
    serving = true;
    try {
      while (line.length > 0) {
        const first = line[0]!;
        if (first.signal?.aborted) {
          line.shift();
          first.reject(first.signal.reason);
          continue;
        }
        const asked = now();
        // Spread over the window (the budget alone would let a whole window's worth leave at once, and a burst's
        // requests reach the provider unevenly: new connections, queues); a grant may come up to `burstMs` early,
        // so that waking late does not lose the pace.
        const early = paced - burstMs - asked;
        if (early >= 1) {
          try {
            await sleep(early, first.signal);
            noteJitter(now() - (asked + early));
          } catch {
            // aborted: the loop rejects it
          }
          continue;
        }
        let answer: BudgetAnswer;
        try {
          const request = { limit: limit(asked), windowMs: 1000 + marginMs() };
          answer = shared ? await budget.tryTake(request) : await ownTake(asked, request.limit);
        } catch (error) {
          line.shift();
          first.reject(error);
          continue;
        }
        const answered = now();
        noteJitter(answered - asked);
        if (answer.granted) {
          sends.push(answered);
          if (Number.isNaN(firstGrant)) firstGrant = answered;
          const arrival = shared ? undefined : own.push(answered, answered + marginMs());
          // Spaced at the rate itself; a grant late by up to `burstMs` keeps the schedule (the count holds the limit).
          paced = Math.max(paced, answered - burstMs) + 1000 / limit(answered);
          line.shift();
          first.resolve(arrival === undefined ? noAnswerNeeded : () => {
            const back = now();
            noteAnswer(back - answered);
            // It reached the provider before its answer came back, and (its delay on the way varying by less than
            // the answers' do) within the answers' spread of its grant: the earlier of the two.
            own.answered(arrival, Math.min(back, answered + answerSpread()));
          });
          continue;
        }
        const due = answered + answer.waitMs;
        try {
          await sleep(answer.waitMs, first.signal);
        } catch {
          continue; // aborted: the loop rejects it
        }
        noteJitter(now() - due);
      }
    } finally {
      serving = false;
    }
  };

  return {
    get currentRate() {
      return rate * pace(now());
    },
    get marginMs() {
      return marginMs();
    },
    take(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      return new Promise<() => void>((resolve, reject) => {
        // One that gives up while others are ahead of it leaves the line at once.
        const onAbort = () => {
          const i = line.indexOf(waiter);
          if (i > 0) {
            line.splice(i, 1);
            reject(signal?.reason);
          }
        };
        const waiter = {
          resolve: (answered: () => void) => {
            signal?.removeEventListener('abort', onAbort);
            resolve(answered);
          },
          reject: (reason: unknown) => {
            signal?.removeEventListener('abort', onAbort);
            reject(reason);
          },
          signal,
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        line.push(waiter);
        void serve();
      });
    },
    onRateLimited(retryAfterMs) {
      const t = now();
      limited.push(t);
      const recent429 = limited.drop(t - 1000);
      const recentSends = sends.drop(t - 1000);
      if (recent429 < 2 || recent429 < pauseShare * recentSends) return;
      const pauseMs = retryAfterMs ?? DEFAULT_PAUSE_MS;
      void budget.pauseFor(pauseMs).catch(() => undefined);
      if (t - cutAt >= 1000) {
        cutPace = Math.max(floorPace, pace(t) * CUT_FACTOR);
        cutAt = t;
      }
      recoverFrom = Math.max(recoverFrom, t + pauseMs);
    },
  };
}

const noAnswerNeeded = (): void => {};

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * This process's requests by the latest time each can have reached the provider, kept in grant order: until its answer
 * comes back an assumed bound (its grant plus a margin), then the bound its answer gives. A request leaves once that
 * time is a second old.
 */
class ArrivalWindow {
  private arrival: number[] = [];
  private head = 0;
  /** Entries dropped since the start: an entry's id is its index plus this. */
  private dropped = 0;

  /** A request granted now, taken to arrive by `latest` until its answer says more; returns its id for `answered`. */
  push(_t: number, latest: number): number {
    this.arrival.push(latest);
    return this.dropped + this.arrival.length - 1;
  }

  /** Its answer came back: it arrived by `latest`. */
  answered(id: number, latest: number): void {
    const i = id - this.dropped;
    if (i >= this.head && i < this.arrival.length) this.arrival[i] = latest;
  }

  /**
   * 0 when fewer than `limit` requests can have arrived after `cut` (one more may be sent), else how long until one
   * more may be.
   */
  waitMs(cut: number, limit: number): number {
    this.forget(cut);
    if (this.arrival.length - this.head < limit) return 0;
    const inWindow: number[] = [];
    for (let i = this.head; i < this.arrival.length; i++) {
      const arrival = this.arrival[i] as number;
      if (arrival > cut) inWindow.push(arrival);
    }
    if (inWindow.length < limit) return 0;
    // The (count - limit + 1)-th earliest has to leave the second before one more fits.
    inWindow.sort((a, b) => a - b);
    return Math.max(1, (inWindow[inWindow.length - limit] as number) - cut);
  }

  /** Drops the oldest requests that arrived over a second ago. */
  private forget(cut: number): void {
    while (this.head < this.arrival.length && (this.arrival[this.head] as number) <= cut) this.head++;
    if (this.head > 1024 && this.head * 2 > this.arrival.length) {
      this.arrival = this.arrival.slice(this.head);
      this.dropped += this.head;
      this.head = 0;
    }
  }
}
