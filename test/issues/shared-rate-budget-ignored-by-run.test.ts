import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { checkExactlyOnce, type JournalEntry, type LedgerPayoutRow } from '../../bench/exactly-once.ts';
import { generateBatch } from '../../bench/generate-batch.ts';
import { runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from '../support/cli.ts';
import { createTestDatabase, testPgServer, type TestDatabase } from '../support/pg-database.ts';

/**
 * `--rate R` is requests per second per provider for every worker on a PostgreSQL ledger together. `run` handed the
 * dispatcher its ledger wrapped (to watch for a full disk), and the wrapper did not carry the ledger's shared budget:
 * every worker kept its own limiter, so three workers each told `--rate 20` sent up to 60 a second and the provider
 * answered 429s. Here three `run` processes pay one batch against a simulator enforcing R on a sliding second.
 */
const server = testPgServer();
const RATE = 20;
const ROWS = 200;

let sim: RecordingSimulator | undefined;
let db: TestDatabase | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  await db?.drop();
  db = undefined;
});

interface ProviderStats {
  requests: number;
  peak_requests_per_second: number;
  responses_429: number;
  rate_limited: number;
}

async function ledgerRows(url: string): Promise<LedgerPayoutRow[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<LedgerPayoutRow>('SELECT provider, order_key, status, amount_minor, provider_payout_id FROM payout_rows')).rows;
  } finally {
    await client.end();
  }
}

describe.skipIf(server.url === undefined)(
  `three run workers told --rate ${RATE} on one PostgreSQL ledger${server.skip ? ` (skipped: ${server.skip})` : ''}`,
  () => {
    it('send no more than the rate together in any second: no 429 from the limit, every row paid once', async () => {
      db = await createTestDatabase('shared_rate');
      sim = await startRecordingSimulator({ rate: RATE, faults: 'latency=50..50' });
      const dir = tempDir('payout-shared-rate-');
      const file = join(dir, 'batch.csv');
      await generateBatch({ path: file, rows: ROWS, provider: 'openpay', seed: 20, prefix: 'SR' });

      const worker = (n: number) =>
        runCli([
          'run',
          file,
          '--provider',
          'openpay',
          '--simulator-url',
          sim!.url,
          '--ledger',
          db!.url,
          '--rate',
          String(RATE),
          '--concurrency',
          '8',
          '--out',
          join(dir, `out-${n}`),
          '--format',
          'csv',
          '--json',
        ]);
      const results = await Promise.all([worker(1), worker(2), worker(3)]);
      for (const r of results) expect(r.code, r.stderr).toBe(0);

      const stats = ((await (await fetch(`${sim.url}/__admin/stats`)).json()) as { providers: Record<string, ProviderStats> }).providers.openpay!;
      // The simulator counts every arrival, refused or not, on a sliding second (SimStats.arrived). It runs in this
      // test's process and stamps a request when its own event loop gets to it: with the rest of the suite on the
      // same two cores, requests held up on their way, or stamped late together, sometimes fall into one second
      // (seen: 22 in one second, 2 of them refused). The bound allows that much and no more; the bug this guards against (one
      // limiter per worker) reached 27 in a second and drew 57 429s, and a quiet machine sees at most 20 and none.
      const slack = Math.ceil(RATE * 0.1);
      expect(stats.peak_requests_per_second, JSON.stringify(stats)).toBeLessThanOrEqual(RATE + slack);
      expect(stats.rate_limited, JSON.stringify(stats)).toBeLessThanOrEqual(slack);
      expect(stats.responses_429, JSON.stringify(stats)).toBeLessThanOrEqual(slack);

      const journal = (await sim.journal()) as unknown as JournalEntry[];
      const check = checkExactlyOnce(journal, await ledgerRows(db.url), ROWS);
      expect(check).toMatchObject({ problems: [], paidTwice: 0, lost: 0, paidOrPending: ROWS });
      expect(journal).toHaveLength(ROWS);
    }, 120_000);
  },
);
