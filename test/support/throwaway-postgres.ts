import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A throwaway PostgreSQL 15: initdb in a fresh folder (as the `postgres` user when run as root: initdb refuses root),
 * pg_ctl start on a free port with its socket in that folder; `stop` stops it and removes the folder. Used by the
 * tests' global setup and by the benchmarks and crash tests that need a real server.
 */
export const PG_BIN = process.env.PAYOUT_BATCH_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface ThrowawayPostgres {
  /** postgres://user@127.0.0.1:port/postgres */
  url: string;
  stop(): void;
}

/** Why no throwaway PostgreSQL can be started here, or undefined when it can. */
export function postgresMissing(): string | undefined {
  const initdb = join(PG_BIN, 'initdb');
  return existsSync(initdb) ? undefined : `PostgreSQL 15 not found (${initdb}); set PAYOUT_BATCH_TEST_PG_URL or install postgresql-15`;
}

export function freePort(): Promise<number> {
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

export async function startThrowawayPostgres(options: { maxConnections?: number; port?: number } = {}): Promise<ThrowawayPostgres> {
  const asPostgres = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'payout-pg-'));
  const user = asPostgres ? 'postgres' : (process.env.USER ?? 'postgres');
  const stop = () => {
    try {
      run(join(PG_BIN, 'pg_ctl'), ['-D', dir, '-m', 'immediate', '-w', 'stop'], asPostgres);
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
    run(join(PG_BIN, 'initdb'), ['-D', dir, '-A', 'trust', '-U', user, '-E', 'UTF8', '--no-sync'], asPostgres);
    const port = options.port ?? (await freePort());
    // fsync off: a throwaway server, and durability is PostgreSQL's own business, not the tests'.
    const flags = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=${options.maxConnections ?? 200}`;
    run(join(PG_BIN, 'pg_ctl'), ['-D', dir, '-o', flags, '-l', join(dir, 'server.log'), '-w', 'start'], asPostgres);
    return { url: `postgres://${user}@127.0.0.1:${port}/postgres`, stop };
  } catch (error) {
    stop();
    throw error;
  }
}
