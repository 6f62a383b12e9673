import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './rate-limiter.ts';

/** A fake clock: sleeping advances time, so the schedule can be checked exactly without waiting. */
function fakeClock() {
  let t = 0;
  return {
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
    },
    get t() {
      return t;
    },
  };
}

describe('rate limiter', () => {
  it('never lets more than the rate through in any one-second window', async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ ratePerSecond: 50, now: clock.now, sleep: clock.sleep });
    const times: number[] = [];
    for (let i = 0; i < 500; i++) {
      await limiter.take();
      times.push(clock.t);
    }
    for (let i = 0; i < times.length; i++) {
      const inWindow = times.filter((x) => x >= times[i]! && x < times[i]! + 1000).length;
      expect(inWindow).toBeLessThanOrEqual(50);
    }
    // …and still reaches the configured pace (within the 2 % headroom).
    const achieved = (times.length - 1) / ((times.at(-1)! - times[0]!) / 1000);
    expect(achieved).toBeGreaterThan(50 * 0.95);
  });

  it('pauses for Retry-After and slows down after a 429, then recovers', async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ ratePerSecond: 100, now: clock.now, sleep: clock.sleep });
    await limiter.take();
    limiter.onRateLimited(3000);
    expect(limiter.currentRate).toBeLessThan(60);
    await limiter.take();
    expect(clock.t).toBeGreaterThanOrEqual(3000);
    for (let i = 0; i < 2000; i++) await limiter.take();
    expect(limiter.currentRate).toBeCloseTo(98, 5);
  });

  it('rejects a non-positive rate', () => {
    expect(() => createRateLimiter({ ratePerSecond: 0 })).toThrow(RangeError);
  });
});
