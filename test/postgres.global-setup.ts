import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

/**
 * A throwaway PostgreSQL 15 for the tests of the PostgreSQL ledger, unless PAYOUT_BATCH_TEST_PG_URL names one: initdb
 * in a fresh folder (as the `postgres` user when run as root: initdb refuses root), pg_ctl start on a free port with
 * its socket in that folder, stopped and removed at teardown. The tests read the server's URL from
 * PAYOUT_BATCH_TEST_PG_URL (also provided as `pgUrl`) and create their own database each (test/support/pg-database.ts).
 *
 * Without the binaries the PostgreSQL tests skip with the reason in PAYOUT_BATCH_TEST_PG_SKIP; under CI=1 a missing
 * PostgreSQL fails the run instead, so CI never passes by skipping them.
 */
const BIN = process.env.PAYOUT_BATCH_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string | undefined;
    pgSkip: string | undefined;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function run(command: string, args: string[], asPostgres: boolean): void {
  const [cmd, argv] = asPostgres ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  const result = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) {
    throw new Error(`${[command, ...args].join(' ')} failed (${result.status ?? result.signal}): ${result.stderr || result.stdout || result.error?.message}`);
  }
}

export default async function startPostgres(project: TestProject): Promise<(() => void) | undefined> {
  const given = process.env.PAYOUT_BATCH_TEST_PG_URL;
  if (given !== undefined && given.trim() !== '') {
    project.provide('pgUrl', given);
    project.provide('pgSkip', undefined);
    return undefined;
  }
  const initdb = join(BIN, 'initdb');
  if (!existsSync(initdb)) {
    const reason = `PostgreSQL 15 not found (${initdb}); set PAYOUT_BATCH_TEST_PG_URL or install postgresql-15`;
    if (process.env.CI) throw new Error(`CI needs PostgreSQL for the ledger tests: ${reason}`);
    process.env.PAYOUT_BATCH_TEST_PG_SKIP = reason;
    project.provide('pgUrl', undefined);
    project.provide('pgSkip', reason);
    return undefined;
  }

  const asPostgres = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'payout-pg-'));
  const user = asPostgres ? 'postgres' : (process.env.USER ?? 'postgres');
  const stop = () => {
    try {
      run(join(BIN, 'pg_ctl'), ['-D', dir, '-m', 'immediate', '-w', 'stop'], asPostgres);
    } catch {
      // Not running (start failed): only the folder is left to remove.
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (asPostgres) {
      const pw = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
      const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
      chownSync(dir, Number(pw.stdout.trim()), Number(gid.stdout.trim()));
    }
    run(initdb, ['-D', dir, '-A', 'trust', '-U', user, '-E', 'UTF8', '--no-sync'], asPostgres);
    const port = await freePort();
    // fsync off: a test server is thrown away, and durability is PostgreSQL's own business, not the tests'.
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
    run(join(BIN, 'pg_ctl'), ['-D', dir, '-o', options, '-l', join(dir, 'server.log'), '-w', 'start'], asPostgres);
    const url = `postgres://${user}@127.0.0.1:${port}/postgres`;
    process.env.PAYOUT_BATCH_TEST_PG_URL = url;
    project.provide('pgUrl', url);
    project.provide('pgSkip', undefined);
  } catch (error) {
    stop();
    throw error;
  }
  return stop;
}
