import { describe, expect, it } from 'vitest';
import { ProviderError } from '../providers/provider-error.ts';
import { RATE_LIMITED_WAIT_MS, withRetries } from './retry-policy.ts';

const err = (over: Partial<ConstructorParameters<typeof ProviderError>[0]>) =>
  new ProviderError({ kind: 'server', message: 'x', retryable: true, outcomeUnknown: false, ...over });

describe('retry policy', () => {
  it('retries retryable errors up to maxAttempts, then gives up with the last error', async () => {
    let calls = 0;
    await expect(
      withRetries(async () => {
        calls++;
        throw err({ httpStatus: 503 });
      }, { maxAttempts: 3, minDelayMs: 1, maxDelayMs: 2 }),
    ).rejects.toMatchObject({ httpStatus: 503 });
    expect(calls).toBe(3);
  });

  it('never retries an error whose outcome is unknown', async () => {
    let calls = 0;
    await expect(
      withRetries(async () => {
        calls++;
        throw err({ kind: 'timeout', retryable: true, outcomeUnknown: true });
      }, { maxAttempts: 5, minDelayMs: 1 }),
    ).rejects.toMatchObject({ kind: 'timeout' });
    expect(calls).toBe(1);
  });

  it('never retries a final provider answer', async () => {
    let calls = 0;
    await expect(
      withRetries(async () => {
        calls++;
        throw err({ kind: 'validation', retryable: false, httpStatus: 422 });
      }, { maxAttempts: 5, minDelayMs: 1 }),
    ).rejects.toMatchObject({ kind: 'validation' });
    expect(calls).toBe(1);
  });

  it('honours Retry-After and does not count 429s against the attempts', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await withRetries(
      async (attempt) => {
        calls++;
        if (calls <= 3) throw err({ kind: 'rate_limited', httpStatus: 429, retryAfterMs: 1500 });
        return attempt;
      },
      { maxAttempts: 2, minDelayMs: 1, maxDelayMs: 2, sleep: async (ms) => void waits.push(ms) },
    );
    expect(result).toBe(4);
    expect(waits).toEqual([1500, 1500, 1500]);
  });

  it('waits after a 429 that gives no Retry-After, instead of retrying at once', async () => {
    const waits: number[] = [];
    let calls = 0;
    await withRetries(
      async () => {
        if (++calls <= 2) throw err({ kind: 'rate_limited', httpStatus: 429 });
        return calls;
      },
      { maxAttempts: 2, sleep: async (ms) => void waits.push(ms) },
    );
    expect(waits).toHaveLength(2);
    for (const ms of waits) {
      expect(ms).toBeGreaterThanOrEqual(RATE_LIMITED_WAIT_MS);
      expect(ms).toBeLessThanOrEqual(2 * RATE_LIMITED_WAIT_MS);
    }
  });

  it('once the signal aborts, a Retry-After is not waited out and no retry follows', async () => {
    const stop = new AbortController();
    const waits: number[] = [];
    let calls = 0;
    const outcome = withRetries(
      async () => {
        calls++;
        stop.abort();
        throw err({ kind: 'rate_limited', httpStatus: 429, retryAfterMs: 60_000 });
      },
      { maxAttempts: 5, minDelayMs: 1, signal: stop.signal, sleep: async (ms) => void waits.push(ms) },
    );
    await expect(outcome).rejects.toMatchObject({ name: 'AbortError' });
    expect(calls).toBe(1);
    expect(waits).toEqual([]);
  });

  it('the default Retry-After wait ends when the signal aborts', async () => {
    const stop = new AbortController();
    let calls = 0;
    const outcome = withRetries(
      async () => {
        calls++;
        // Aborted while the policy waits out an hour-long Retry-After: the wait must not hold the run.
        setImmediate(() => stop.abort());
        throw err({ kind: 'rate_limited', httpStatus: 429, retryAfterMs: 3_600_000 });
      },
      { maxAttempts: 5, minDelayMs: 1, signal: stop.signal },
    );
    await expect(outcome).rejects.toMatchObject({ name: 'AbortError' });
    expect(calls).toBe(1);
  });
});
