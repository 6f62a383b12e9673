import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/**
 * The test PostgreSQL started by test/postgres.global-setup.ts (or named by PAYOUT_BATCH_TEST_PG_URL), and a fresh
 * database per test file or suite: files run in parallel and must never share a ledger.
 */
export function testPgServer(): { url: string | undefined; skip: string | undefined } {
  const url = inject('pgUrl') ?? process.env.PAYOUT_BATCH_TEST_PG_URL;
  const skip = inject('pgSkip') ?? process.env.PAYOUT_BATCH_TEST_PG_SKIP;
  return { url: url === undefined || url === '' ? undefined : url, skip: url ? undefined : (skip ?? 'no test PostgreSQL') };
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** CREATE DATABASE with a random name on the test server; `drop` removes it (closing what still connects). */
export async function createTestDatabase(prefix = 'ledger'): Promise<TestDatabase> {
  const { url: serverUrl, skip } = testPgServer();
  if (serverUrl === undefined) throw new Error(`no test PostgreSQL: ${skip}`);
  const name = `payout_${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(6).toString('hex')}`;
  await admin(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => admin(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** One statement on its own connection to `url` (a test's look at the database, apart from the store under test). */
export async function queryDatabase<T extends pg.QueryResultRow>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

async function admin(serverUrl: string, sql: string): Promise<void> {
  await queryDatabase(serverUrl, sql);
}
