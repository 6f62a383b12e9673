import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, testPgServer } from './support/pg-database.ts';

const server = testPgServer();

describe.skipIf(server.url === undefined)(`the test PostgreSQL${server.skip ? ` (skipped: ${server.skip})` : ''}`, () => {
  it('is PostgreSQL 15 or newer, and gives each suite a database of its own', async () => {
    const [a, b] = await Promise.all([createTestDatabase('smoke'), createTestDatabase('smoke')]);
    try {
      expect(a.name).not.toBe(b.name);
      const client = new pg.Client({ connectionString: a.url });
      await client.connect();
      try {
        const version = Number((await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]!.v);
        expect(version).toBeGreaterThanOrEqual(150000);
        await client.query('CREATE TABLE only_here (x int)');
      } finally {
        await client.end();
      }
      const other = new pg.Client({ connectionString: b.url });
      await other.connect();
      try {
        expect((await other.query("SELECT to_regclass('only_here') AS t")).rows[0].t).toBeNull();
      } finally {
        await other.end();
      }
    } finally {
      await a.drop();
      await b.drop();
    }
  });
});
