import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testPgServer, type TestDatabase } from '../../../test/support/pg-database.ts';
import { createRateLimiter } from '../../dispatch/rate-limiter.ts';
import type { LedgerStore } from '../ledger-store.ts';
import { openPostgresLedger } from './open-postgres-ledger.ts';

/** The request budget two workers (two ledgers, two pools) share through one PostgreSQL database. */
const server = testPgServer();

/** The most times found in any window [t, t + windowMs). */
function busiestWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (j < sorted.length && sorted[j]! < sorted[i]! + windowMs) j++;
    best = Math.max(best, j - i);
  }
  return best;
}

describe.skipIf(server.url === undefined)(`shared rate budget on PostgreSQL${server.skip ? ` (skipped: ${server.skip})` : ''}`, () => {
  let db: TestDatabase;
  let workerA: LedgerStore;
  let workerB: LedgerStore;

  beforeAll(async () => {
    db = await createTestDatabase('rate_budget');
    [workerA, workerB] = await Promise.all([openPostgresLedger(db.url), openPostgresLedger(db.url)]);
  });
  afterAll(async () => {
    await workerA?.close();
    await workerB?.close();
    await db?.drop();
  });

  it('is the budget a PostgreSQL ledger hands the dispatcher', () => {
    expect(workerA.rateBudget('openpay')).toBeDefined();
  });

  it('grants two workers together no more than the rate in any second, and shares it between them', async () => {
    const rate = 10;
    // The margin is fixed above this machine's round trips, so the grants seen here are the grants made there.
    const limiter = (worker: LedgerStore) =>
      createRateLimiter({ ratePerSecond: rate, budget: worker.rateBudget('conekta'), minMarginMs: 100, maxMarginMs: 100 });
    const a = limiter(workerA);
    const b = limiter(workerB);
    const grants: Array<{ worker: 'a' | 'b'; at: number }> = [];
    const work = (name: 'a' | 'b', l: ReturnType<typeof createRateLimiter>) =>
      Promise.all(
        Array.from({ length: 4 }, async () => {
          for (let i = 0; i < 6; i++) {
            await l.take();
            grants.push({ worker: name, at: performance.now() });
          }
        }),
      );
    await Promise.all([work('a', a), work('b', b)]);
    expect(grants).toHaveLength(48);
    expect(
      busiestWindow(
        grants.map((g) => g.at),
        1000,
      ),
    ).toBeLessThanOrEqual(rate);
    // Each worker alone was told the full rate: together they still got 48 sends only over five windows.
    expect(grants.filter((g) => g.worker === 'a').length).toBe(24);
    const span = grants.at(-1)!.at - grants[0]!.at;
    expect(span).toBeGreaterThanOrEqual(4 * 1000);
  });

  it('counts grants per slot: a full window refuses with the wait until its oldest grant leaves', async () => {
    const a = workerA.rateBudget('zenrise')!;
    const b = workerB.rateBudget('zenrise')!;
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? a : b).tryTake({ limit: 5, windowMs: 60_000 })));
    expect(answers.filter((x) => x.granted)).toHaveLength(5);
    const refused = await b.tryTake({ limit: 5, windowMs: 60_000 });
    expect(refused.granted).toBe(false);
    if (!refused.granted) {
      expect(refused.waitMs).toBeGreaterThan(50_000);
      expect(refused.waitMs).toBeLessThanOrEqual(60_000);
    }
    // Another provider's budget is its own.
    expect((await a.tryTake({ limit: 5, windowMs: 60_000 })).granted).toBe(false);
    expect((await workerA.rateBudget('digitalfemsa')!.tryTake({ limit: 5, windowMs: 60_000 })).granted).toBe(true);
  });

  it("takes a slot again only once the window of the worker that took it has passed too, however narrow the asker's", async () => {
    // Openpay's budget has granted nothing yet in this database.
    const a = workerA.rateBudget('openpay')!;
    const b = workerB.rateBudget('openpay')!;
    expect((await a.tryTake({ limit: 1, windowMs: 3000 })).granted).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const narrow = await b.tryTake({ limit: 1, windowMs: 1000 });
    expect(narrow.granted).toBe(false);
    if (!narrow.granted) {
      expect(narrow.waitMs).toBeGreaterThan(1500);
      expect(narrow.waitMs).toBeLessThanOrEqual(1900);
    }
  });

  it('pauses every worker when one records a 429 with Retry-After', async () => {
    const a = workerA.rateBudget('openpay')!;
    const b = workerB.rateBudget('openpay')!;
    expect((await b.tryTake({ limit: 100, windowMs: 1000 })).granted).toBe(true);
    await a.pauseFor(30_000);
    const answer = await b.tryTake({ limit: 100, windowMs: 1000 });
    expect(answer.granted).toBe(false);
    if (!answer.granted) {
      expect(answer.waitMs).toBeGreaterThan(20_000);
      expect(answer.waitMs).toBeLessThanOrEqual(30_000);
    }
    // A shorter pause recorded later does not shorten it.
    await b.pauseFor(10);
    const still = await a.tryTake({ limit: 100, windowMs: 1000 });
    expect(still.granted).toBe(false);
  });
});
