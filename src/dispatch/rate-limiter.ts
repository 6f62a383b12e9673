/**
 * Requests-per-second limiter for one provider, shared by all its endpoints.
 *
 * Requests are spaced evenly (one slot every 1000/rate ms) instead of bursting a bucket, so that no one-second
 * window, however it is aligned, sees more than `rate` requests — a provider counting a sliding window would
 * otherwise answer 429 to bursts we caused. A 429 pauses the provider for its Retry-After and lowers the pace;
 * the pace recovers gradually while requests go through without 429s.
 */
export interface RateLimiter {
  /** Resolves when the caller may send one request. */
  take(signal?: AbortSignal): Promise<void>;
  /** The provider answered 429: wait `retryAfterMs` (or a default) before the next request and slow down. */
  onRateLimited(retryAfterMs: number | undefined): void;
  /** Requests per second currently allowed. */
  readonly currentRate: number;
}

export interface RateLimiterOptions {
  ratePerSecond: number;
  /** Fraction of the configured rate to aim at, leaving room for network jitter (default 0.98). */
  headroom?: number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const DEFAULT_PAUSE_MS = 1000;

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  if (!(options.ratePerSecond > 0)) throw new RangeError(`ratePerSecond must be > 0, got ${options.ratePerSecond}`);
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? defaultSleep;
  const maxRate = options.ratePerSecond * (options.headroom ?? 0.98);
  let rate = maxRate;
  let nextSlot = 0;
  let pausedUntil = 0;
  let sinceLastThrottle = 0;

  return {
    get currentRate() {
      return rate;
    },
    async take(signal) {
      const t = now();
      const slot = Math.max(t, nextSlot, pausedUntil);
      nextSlot = slot + 1000 / rate;
      // Recover 10 % of the lost pace every `rate` requests without a 429.
      if (rate < maxRate && ++sinceLastThrottle >= rate) {
        rate = Math.min(maxRate, rate * 1.1);
        sinceLastThrottle = 0;
      }
      const wait = slot - t;
      if (wait >= 1) await sleep(wait, signal);
      else if (signal?.aborted) throw signal.reason;
    },
    onRateLimited(retryAfterMs) {
      pausedUntil = Math.max(pausedUntil, now() + (retryAfterMs ?? DEFAULT_PAUSE_MS));
      rate = Math.max(rate * 0.5, Math.min(1, maxRate));
      sinceLastThrottle = 0;
    },
  };
}

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
