import type { TestProject } from 'vitest/node';
import { postgresMissing, startThrowawayPostgres } from './support/throwaway-postgres.ts';

/**
 * A throwaway PostgreSQL 15 for the tests of the PostgreSQL ledger, unless PAYOUT_BATCH_TEST_PG_URL names one
 * (support/throwaway-postgres.ts: initdb in a fresh folder, pg_ctl start on a free port, stopped and removed at
 * teardown). The tests read the server's URL from PAYOUT_BATCH_TEST_PG_URL (also provided as `pgUrl`) and create
 * their own database each (test/support/pg-database.ts).
 *
 * Without the binaries the PostgreSQL tests skip with the reason in PAYOUT_BATCH_TEST_PG_SKIP; under CI=1 a missing
 * PostgreSQL fails the run instead, so CI never passes by skipping them.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string | undefined;
    pgSkip: string | undefined;
  }
}

export default async function startPostgres(project: TestProject): Promise<(() => void) | undefined> {
  const given = process.env.PAYOUT_BATCH_TEST_PG_URL;
  if (given !== undefined && given.trim() !== '') {
    project.provide('pgUrl', given);
    project.provide('pgSkip', undefined);
    return undefined;
  }
  const missing = postgresMissing();
  if (missing !== undefined) {
    if (process.env.CI) throw new Error(`CI needs PostgreSQL for the ledger tests: ${missing}`);
    process.env.PAYOUT_BATCH_TEST_PG_SKIP = missing;
    project.provide('pgUrl', undefined);
    project.provide('pgSkip', missing);
    return undefined;
  }
  const pg = await startThrowawayPostgres();
  process.env.PAYOUT_BATCH_TEST_PG_URL = pg.url;
  project.provide('pgUrl', pg.url);
  project.provide('pgSkip', undefined);
  return pg.stop;
}
