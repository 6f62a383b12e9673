import { describe, expect, it } from 'vitest';
import { createLocalRateBudget } from './rate-budget.ts';
import { createRateLimiter } from './rate-limiter.ts';

/** A fake clock: sleeping advances time (plus `late` ms, as a loaded machine wakes late), so nothing waits for real. */
function fakeClock(late = 0) {
  let t = 0;
  return {
    now: () => t,
    sleep: async (ms: number) => {
      t += ms + late;
    },
    advance: (ms: number) => {
      t += ms;
    },
    get t() {
      return t;
    },
  };
}

/** The most grant times found in any window [t, t + windowMs). */
function busiestWindow(times: number[], windowMs: number): number {
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (j < times.length && times[j]! < times[i]! + windowMs) j++;
    best = Math.max(best, j - i);
  }
  return best;
}

describe('rate limiter', () => {
  it('never grants more than the rate in any second plus its margin, and keeps the pace', async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ ratePerSecond: 50, now: clock.now, sleep: clock.sleep });
    const times: number[] = [];
    for (let i = 0; i < 500; i++) {
      await limiter.take();
      times.push(clock.t);
    }
    expect(busiestWindow(times, 1000 + limiter.marginMs)).toBe(50);
    const achieved = times.length / ((times.at(-1)! + 1) / 1000);
    expect(achieved).toBeGreaterThanOrEqual(50 * 0.95);
  });

  it('counts a request by its answer: the next second opens once the answers are a second old, not after a fixed margin', async () => {
    const run = async (answers: boolean) => {
      const clock = fakeClock();
      const limiter = createRateLimiter({ ratePerSecond: 10, now: clock.now, sleep: clock.sleep });
      const grants: number[] = [];
      for (let i = 0; i < 30; i++) {
        const answered = await limiter.take();
        grants.push(clock.t);
        clock.advance(5);
        if (answers) answered(); // the provider answered 5 ms after the grant: the request reached it before
      }
      return grants;
    };
    const answered = await run(true);
    // No second holds 11 requests by the time they can have arrived (before their answers).
    expect(busiestWindow(answered.map((t) => t + 5), 1000)).toBe(10);
    expect(answered[10]! - answered[0]!).toBeLessThan(1000 + 5 + 10);
    // Unanswered, each is taken to arrive within the margin of its grant (150 ms while connections are new).
    const unanswered = await run(false);
    expect(busiestWindow(unanswered, 1000 + 150)).toBeLessThanOrEqual(10);
    expect(unanswered[10]! - unanswered[0]!).toBeGreaterThanOrEqual(1000 + 150);
  });

  it('widens the margin by the lateness it measures, so that uneven delays cannot make rate + 1 in a second', async () => {
    const run = async (late: number) => {
      const clock = fakeClock(late);
      const limiter = createRateLimiter({ ratePerSecond: 20, now: clock.now, sleep: clock.sleep, minMarginMs: 5, maxMarginMs: 100 });
      const times: number[] = [];
      for (let i = 0; i < 100; i++) {
        await limiter.take();
        times.push(clock.t);
      }
      return { times, margin: limiter.marginMs };
    };
    const quiet = await run(0);
    const loaded = await run(15);
    expect(quiet.margin).toBe(5);
    expect(loaded.margin).toBe(30); // twice the 15 ms late wake-ups
    // Each grant may arrive up to 30 ms later than the one before it: still 20 in any second.
    expect(busiestWindow(loaded.times, 1000 + 30)).toBeLessThanOrEqual(20);
  });

  it('keeps its widest margin through the first window (new connections, a cold provider)', async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ ratePerSecond: 20, now: clock.now, sleep: clock.sleep, minMarginMs: 5, warmUpMarginMs: 150 });
    await limiter.take();
    expect(limiter.marginMs).toBe(150);
    for (let i = 0; i < 60; i++) await limiter.take();
    expect(limiter.marginMs).toBe(5);
  });

  it('lets isolated 429s (5 % at random) through without pausing the provider or cutting the pace', async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ ratePerSecond: 100, now: clock.now, sleep: clock.sleep });
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let lowest = limiter.currentRate;
    for (let i = 0; i < 3000; i++) {
      await limiter.take();
      clock.advance(2);
      if (random() < 0.05) limiter.onRateLimited(1000);
      lowest = Math.min(lowest, limiter.currentRate);
    }
    expect(lowest).toBeGreaterThanOrEqual(100 * 0.5);
    expect(limiter.currentRate).toBe(100);
    // 3000 sends at ≤ 100/s with a 1 s pause per 429 (about 150 of them) would take over 3 minutes.
    expect(clock.t).toBeLessThan(3000 * 10 * 1.2);
  });

  it('pauses for Retry-After and cuts the pace when 429s show the limit is reached, then recovers with time', async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ ratePerSecond: 100, now: clock.now, sleep: clock.sleep, recoveryMs: 3000 });
    for (let i = 0; i < 40; i++) await limiter.take();
    for (let i = 0; i < 10; i++) limiter.onRateLimited(2000);
    expect(limiter.currentRate).toBeCloseTo(70, 5);
    const before = clock.t;
    await limiter.take();
    expect(clock.t - before).toBeGreaterThanOrEqual(2000);
    // No requests for a while: the pace comes back by itself, linearly over 3 s after the pause.
    clock.advance(1500);
    expect(limiter.currentRate).toBeGreaterThan(70);
    expect(limiter.currentRate).toBeLessThan(100);
    clock.advance(1600);
    expect(limiter.currentRate).toBe(100);
  });

  it('never cuts the pace below its floor however long the 429s go on', async () => {
    const clock = fakeClock();
    // Recovery slowed to nothing, so only the floor stops the cuts.
    const limiter = createRateLimiter({ ratePerSecond: 100, now: clock.now, sleep: clock.sleep, floor: 0.1, recoveryMs: 1e12 });
    let lowest = Infinity;
    for (let round = 0; round < 30; round++) {
      for (let i = 0; i < 5; i++) await limiter.take();
      for (let i = 0; i < 5; i++) limiter.onRateLimited(500);
      lowest = Math.min(lowest, limiter.currentRate);
      clock.advance(1000);
    }
    expect(lowest).toBeCloseTo(10, 5);
  });

  it('pauses every limiter sharing a budget when one of them sees the limit', async () => {
    const clock = fakeClock();
    const budget = createLocalRateBudget({ now: clock.now });
    const a = createRateLimiter({ ratePerSecond: 100, budget, now: clock.now, sleep: clock.sleep });
    const b = createRateLimiter({ ratePerSecond: 100, budget, now: clock.now, sleep: clock.sleep });
    for (let i = 0; i < 10; i++) await a.take();
    for (let i = 0; i < 5; i++) a.onRateLimited(4000);
    const before = clock.t;
    await b.take();
    expect(clock.t - before).toBeGreaterThanOrEqual(4000);
  });

  it('serves callers in order and lets one that gives up leave the line at once', async () => {
    // A sleep that only ends by abort: the second caller waits for good, the third is behind it.
    const sleep = (_ms: number, signal?: AbortSignal) =>
      new Promise<void>((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason)));
    const limiter = createRateLimiter({ ratePerSecond: 1, now: fakeClock().now, sleep });
    await limiter.take();
    const order: string[] = [];
    const controller = new AbortController();
    const second = limiter.take().then(() => order.push('second'));
    const third = limiter.take(controller.signal).then(
      () => order.push('third'),
      (error: unknown) => order.push(`third gave up: ${String(error)}`),
    );
    controller.abort('stop');
    await third;
    expect(order).toEqual(['third gave up: stop']);
    void second;
  });

  it('rejects a non-positive rate and a bad budget request', async () => {
    expect(() => createRateLimiter({ ratePerSecond: 0 })).toThrow(RangeError);
    await expect(async () => createLocalRateBudget().tryTake({ limit: 0, windowMs: 1000 })).rejects.toThrow(RangeError);
  });
});
