/**
 * Where a provider's request budget is kept: in this process (one `run`, SQLite ledger) or in the shared ledger
 * (several workers on PostgreSQL, ledger/postgres/rate-budget.ts). The rate limiter (rate-limiter.ts) decides how
 * much to ask for (the pace, the window) and when to pause; a budget only grants sends and keeps the pause.
 *
 * The budget is a sliding window of grants: a send is granted when fewer than `limit` sends were granted in the
 * last `windowMs`. A provider counting a sliding one-second window then never sees more than `limit` in a second, as
 * long as a request's delay between its grant and its arrival varies by less than `windowMs - 1000`.
 */
export interface RateBudget {
  /** Grants one send now, or says how long until one may be granted (a pause, or the window's oldest grant). */
  tryTake(request: BudgetRequest): Promise<BudgetAnswer>;
  /** Pauses every sender of this budget for `ms` from now (a pause already longer is kept). */
  pauseFor(ms: number): Promise<void>;
}

export interface BudgetRequest {
  /** Sends allowed per window (≥ 1). */
  limit: number;
  /** The window, in ms (≥ 1000: a second plus the margin for jitter). */
  windowMs: number;
}

export type BudgetAnswer = { granted: true } | { granted: false; waitMs: number };

/** The budget of one process: grant times in a ring, the pause as a deadline on the injected clock. */
export function createLocalRateBudget(options: { now?: () => number } = {}): RateBudget {
  const now = options.now ?? (() => performance.now());
  const window = new GrantWindow();
  let pausedUntil = -Infinity;
  return {
    tryTake({ limit, windowMs }) {
      checkRequest(limit, windowMs);
      const t = now();
      if (pausedUntil > t) return Promise.resolve({ granted: false, waitMs: pausedUntil - t });
      const count = window.drop(t - windowMs);
      if (count < limit) {
        window.push(t);
        return Promise.resolve({ granted: true });
      }
      // The (count - limit + 1)-th oldest grant has to leave the window before one more fits.
      return Promise.resolve({ granted: false, waitMs: Math.max(1, window.at(count - limit) + windowMs - t) });
    },
    pauseFor(ms) {
      pausedUntil = Math.max(pausedUntil, now() + ms);
      return Promise.resolve();
    },
  };
}

export function checkRequest(limit: number, windowMs: number): void {
  if (!(Number.isInteger(limit) && limit >= 1)) throw new RangeError(`limit must be an integer ≥ 1, got ${limit}`);
  if (!(windowMs >= 1000)) throw new RangeError(`windowMs must be ≥ 1000, got ${windowMs}`);
}

/** Grant times, oldest first, in a growable ring. */
export class GrantWindow {
  private times = new Float64Array(256);
  private head = 0;
  private size = 0;

  /** Forgets grants at or before `cut`; returns how many remain. */
  drop(cut: number): number {
    while (this.size > 0 && (this.times[this.head] as number) <= cut) {
      this.head = (this.head + 1) % this.times.length;
      this.size--;
    }
    return this.size;
  }

  push(t: number): void {
    if (this.size === this.times.length) {
      const next = new Float64Array(this.times.length * 2);
      for (let i = 0; i < this.size; i++) next[i] = this.times[(this.head + i) % this.times.length] as number;
      this.times = next;
      this.head = 0;
    }
    this.times[(this.head + this.size) % this.times.length] = t;
    this.size++;
  }

  /** The i-th oldest grant kept (0 = oldest). */
  at(i: number): number {
    return this.times[(this.head + i) % this.times.length] as number;
  }
}
