import type pg from 'pg';
import type { ProviderId } from '../../domain/provider-id.ts';
import { checkRequest, type BudgetAnswer, type BudgetRequest, type RateBudget } from '../../dispatch/rate-budget.ts';

/**
 * A provider's request budget kept in PostgreSQL, so that `--rate N` holds for every worker on the ledger together
 * (as Temporal's task-queue rate limit: one limit across all workers, enforced before work is handed out).
 *
 * A slot table: slot i < limit holds the time of its last grant and when the worker that took it lets it go (that
 * grant + its window). A send takes the slot whose grant is oldest, if both that worker's window and its own have
 * passed since, in one atomic UPDATE … RETURNING (SKIP LOCKED: two workers asking at once take two different slots,
 * neither waits on the other). Consecutive grants of one slot are then the wider of the two workers' windows apart:
 * no window sees more than `limit` grants, whatever the number of workers, and the margin for jitter between them is
 * the wider of their two (a request granted to a worker on a slow host may arrive late; the next grant of its slot,
 * to a worker on a quick one, may arrive early). Times are the database server's clock (clock_timestamp()), the one
 * clock all workers share; a worker's own clock is never compared with another's. The pause (a 429's Retry-After) is
 * one row per provider that every grant checks.
 */
export function createPostgresRateBudget(pool: pg.Pool, provider: ProviderId): RateBudget {
  let slots = 0;
  let ensuring: Promise<void> | undefined;
  const ensureSlots = async (limit: number) => {
    while (slots < limit) {
      ensuring ??= (async () => {
        const want = Math.max(limit, slots);
        await pool.query('INSERT INTO rate_slots (provider, slot) SELECT $1, g FROM generate_series(0, $2::int - 1) AS g ON CONFLICT DO NOTHING', [
          provider,
          want,
        ]);
        slots = Math.max(slots, want);
      })().finally(() => (ensuring = undefined));
      await ensuring;
    }
  };
  return {
    async tryTake({ limit, windowMs }: BudgetRequest): Promise<BudgetAnswer> {
      checkRequest(limit, windowMs);
      await ensureSlots(limit);
      const window = Math.ceil(windowMs);
      const result = await pool.query<{ granted: number; wait_ms: number | null }>(TAKE_SQL, [provider, limit, window]);
      const row = result.rows[0];
      if (row && row.granted > 0) return { granted: true };
      return { granted: false, waitMs: Math.max(1, Math.ceil(row?.wait_ms ?? 1)) };
    },
    async pauseFor(ms: number): Promise<void> {
      if (!(ms >= 0)) throw new RangeError(`pause must be ≥ 0 ms, got ${ms}`);
      await pool.query(
        `INSERT INTO rate_pauses (provider, paused_until_ms) VALUES ($1, (extract(epoch FROM clock_timestamp()) * 1000)::bigint + $2::bigint)
         ON CONFLICT (provider) DO UPDATE SET paused_until_ms = GREATEST(rate_pauses.paused_until_ms, EXCLUDED.paused_until_ms)`,
        [provider, Math.ceil(ms)],
      );
    },
  };
}

// $1 provider, $2 limit (slots 0 … limit - 1), $3 window in ms. One statement: a grant, or how long to wait (the
// pause's end, or the oldest slot's grant leaving the window).
const TAKE_SQL = `
WITH clock AS MATERIALIZED (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now_ms),
paused AS MATERIALIZED (SELECT COALESCE(max(paused_until_ms), 0) AS until_ms FROM rate_pauses WHERE provider = $1),
pick AS (
  SELECT s.slot FROM rate_slots s, clock, paused
  WHERE s.provider = $1 AND s.slot < $2::int AND s.granted_ms <= clock.now_ms - $3::bigint AND s.free_ms <= clock.now_ms
    AND paused.until_ms <= clock.now_ms
  ORDER BY s.granted_ms, s.slot
  LIMIT 1
  FOR UPDATE OF s SKIP LOCKED
),
taken AS (
  UPDATE rate_slots s SET granted_ms = clock.now_ms, free_ms = clock.now_ms + $3::bigint FROM pick, clock
  WHERE s.provider = $1 AND s.slot = pick.slot
  RETURNING s.slot
),
granted AS MATERIALIZED (SELECT count(*)::int AS n FROM taken)
SELECT
  (SELECT n FROM granted) AS granted,
  -- Only when refused: the slot that frees first under both windows (a pass over the provider's slots).
  CASE WHEN (SELECT n FROM granted) > 0 THEN 0 ELSE GREATEST(
    (SELECT until_ms FROM paused) - (SELECT now_ms FROM clock),
    (SELECT min(GREATEST(granted_ms + $3::bigint, free_ms)) FROM rate_slots WHERE provider = $1 AND slot < $2::int) - (SELECT now_ms FROM clock)
  ) END::float8 AS wait_ms
`;
