import pRetry from 'p-retry';
import { isProviderError } from '../providers/provider-error.ts';

/**
 * The one place that retries provider calls (stripe-node shouldRetry, vercel/ai isRetryable): the error decides.
 * Only errors marked `retryable` are retried, with jittered exponential backoff; a Retry-After is honoured on
 * top of it. A rate-limit answer does not use up an attempt (nothing was performed), but total time is bounded.
 * An error with `outcomeUnknown` is never retried here: the request may have been performed, so the caller
 * settles it by lookup first.
 */
export interface RetryOptions {
  maxAttempts: number;
  signal?: AbortSignal;
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Upper bound on the time spent retrying one call, rate-limit waits included. */
  maxRetryTimeMs?: number;
  /**
   * The call is a lookup that is safe to repeat by contract (PayoutProvider.findPayout): a failure in transit (a 5xx,
   * a timeout, a lost answer) that would leave a payout call unknown is asked again too, since asking again cannot
   * pay twice. Without it such a lookup ends the row `unknown` and a whole later run is needed to ask again.
   */
  repeatable?: boolean;
  /** Told before each retry (for logs and the ledger's attempt count). */
  onRetry?: (error: unknown, attempt: number) => void;
  /** Waits out a Retry-After; ends early when `signal` aborts (no retry follows an abort). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** What a 429 without a Retry-After waits before its retry (times 1 to 2, at random). */
export const RATE_LIMITED_WAIT_MS = 1000;

export async function withRetries<T>(call: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  if (!(options.maxAttempts >= 1)) throw new RangeError(`maxAttempts must be ≥ 1, got ${options.maxAttempts}`);
  const sleep = options.sleep ?? abortableSleep;
  let attempt = 0;
  return pRetry(() => call(++attempt), {
    retries: options.maxAttempts - 1,
    factor: 2,
    minTimeout: options.minDelayMs ?? 250,
    maxTimeout: options.maxDelayMs ?? 8000,
    randomize: true,
    maxRetryTime: options.maxRetryTimeMs ?? 5 * 60_000,
    signal: options.signal,
    shouldRetry: ({ error }) => isRetryable(error, options.repeatable),
    shouldConsumeRetry: ({ error }) => !(isProviderError(error) && error.kind === 'rate_limited'),
    onFailedAttempt: async ({ error }) => {
      if (!isRetryable(error, options.repeatable)) return;
      options.onRetry?.(error, attempt);
      if (!isProviderError(error) || options.signal?.aborted) return;
      // A 429 uses no attempt, so p-retry adds no backoff to it: without a Retry-After it still waits, jittered.
      const waitMs = error.retryAfterMs || (error.kind === 'rate_limited' ? RATE_LIMITED_WAIT_MS * (1 + Math.random()) : 0);
      if (waitMs > 0) await sleep(waitMs, options.signal);
    },
  });
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Failures in transit: the call's answer did not come back; they say nothing about what the provider holds. */
const IN_TRANSIT: ReadonlySet<string> = new Set(['server', 'network', 'timeout', 'rate_limited']);

/** Whether to try the call again: a retryable failure that performed nothing; with `repeatable`, any failure in transit. */
export function isRetryable(error: unknown, repeatable = false): boolean {
  if (!isProviderError(error)) return false;
  if (error.retryable && !error.outcomeUnknown) return true;
  return repeatable && IN_TRANSIT.has(error.kind);
}
