import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from '../support/cli.ts';
import { createTestDatabase, testPgServer, type TestDatabase } from '../support/pg-database.ts';

/**
 * Issue 11: `--ledger postgres://…` was taken as a file path — a folder `postgres:` appeared in the working directory
 * and the run paid against a new, empty SQLite ledger there. A PostgreSQL URL now opens the PostgreSQL ledger; any
 * other scheme is refused in one line, and creates nothing. `users` and `serve` keep their records in that database too.
 */
const sample = join(ROOT, 'samples/openpay-payouts.csv');
const server = testPgServer();
let sim: RecordingSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('a URL given as the ledger', () => {
  it.each(['mysql://pay:hunter2@db/ledger', 'http://ledger.internal/x', 'file:ledger.sqlite', 'sqlite://ledger'])(
    '--ledger %s is refused in one line (usage, exit 64), creating nothing, never echoing a password',
    async (url) => {
      sim = await startRecordingSimulator();
      const cwd = tempDir();
      const result = await runCli(['run', sample, '--provider', 'openpay', '--simulator-url', sim.url, '--ledger', url, '--yes'], { cwd });
      expect(result.code, result.stderr).toBe(64);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/not supported/);
      expect(result.stderr).not.toContain('hunter2');
      expect(readdirSync(cwd, { recursive: true }).filter((name) => String(name).includes(':') || String(name).endsWith('.sqlite'))).toEqual([]);
      expect(sim.moneyMoving()).toBe(0);
    },
  );

  it('the same from PAYOUT_BATCH_LEDGER is a run-level failure (exit 1): the command line itself is fine', async () => {
    const cwd = tempDir();
    const result = await runCli(['run', sample, '--provider', 'openpay', '--yes', '--dry-run'], { cwd, env: { PAYOUT_BATCH_LEDGER: 'mysql://db/ledger' } });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/not supported/);
    expect(readdirSync(cwd, { recursive: true }).filter((name) => String(name).includes(':') || String(name).endsWith('.sqlite'))).toEqual([]);
  });
});

describe('a postgres:// ledger that cannot be reached', () => {
  it('stops the run in one line (exit 1) before any request, naming the URL without its password', async () => {
    sim = await startRecordingSimulator();
    const cwd = tempDir();
    // Port 1 on this host: nothing listens there, the connection is refused at once.
    const result = await runCli(['run', sample, '--provider', 'openpay', '--simulator-url', sim.url, '--ledger', 'postgres://pay:hunter2@127.0.0.1:1/ledger', '--yes'], { cwd });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/cannot open the ledger at postgres:\/\/pay:\*\*\*@127\.0\.0\.1:1\/ledger/);
    expect(result.stderr).not.toContain('hunter2');
    expect(sim.moneyMoving()).toBe(0);
  });
});

describe.skipIf(server.url === undefined)(`a postgres:// ledger${server.skip ? ` (skipped: ${server.skip})` : ''}`, () => {
  let db: TestDatabase | undefined;
  afterAll(async () => {
    await db?.drop();
  });

  it('opens the PostgreSQL ledger: no postgres: folder, the rows are in the database, the password is printed nowhere', async () => {
    db = await createTestDatabase('issue11');
    // The test server trusts every local connection: the password is ignored by it, and must be masked by us.
    const url = new URL(db.url);
    url.password = 'hunter2';
    sim = await startRecordingSimulator();
    const cwd = tempDir();
    const out = join(cwd, 'out');
    const result = await runCli(['run', sample, '--provider', 'openpay', '--simulator-url', sim.url, '--ledger', url.toString(), '--out', out, '--format', 'csv', '--json'], { cwd });
    expect(result.code, result.stderr).toBe(2); // the sample's deliberately bad rows
    expect(readdirSync(cwd, { recursive: true }).filter((name) => String(name).includes(':') || String(name).endsWith('.sqlite'))).toEqual([]);
    expect(result.summary?.ledger_path).toBe(url.toString().replace(':hunter2@', ':***@'));
    expect(`${result.stdout}${result.stderr}`).not.toContain('hunter2');
    // Nor in any file the run wrote (run.log, results, summaries).
    for (const name of readdirSync(out, { recursive: true })) {
      const path = join(out, String(name));
      if (statSync(path).isFile()) expect(readFileSync(path).includes('hunter2'), String(name)).toBe(false);
    }
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      expect((await client.query(`SELECT count(*)::int AS n FROM payout_rows WHERE status IN ('pending', 'paid')`)).rows[0].n).toBe(4);
    } finally {
      await client.end();
    }
  });
});

describe.skipIf(server.url === undefined)(`users and the upload page on a postgres:// ledger${server.skip ? ` (skipped: ${server.skip})` : ''}`, () => {
  let db: TestDatabase | undefined;
  afterAll(async () => {
    await db?.drop();
  });

  /** A CLI child with `stdin` written to it; no file of the working folder named after the URL. */
  function cli(args: string[], cwd: string, stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.end(stdin);
    return new Promise((done) => child.once('close', (code) => done({ code, stdout, stderr })));
  }

  it('users add / list keep the users in the database (no file named after the URL), and serve signs them in from it', async () => {
    db = await createTestDatabase('users');
    const url = new URL(db.url);
    url.password = 'hunter2';
    const cwd = tempDir();
    const added = await cli(['users', 'add', 'olga', '--role', 'operator', '--password-stdin', '--ledger', url.toString()], cwd, 'a long enough password\n');
    expect(added.code, added.stderr).toBe(0);
    expect(added.stderr).not.toContain('hunter2');
    const listed = await cli(['users', 'list', '--ledger', url.toString()], cwd);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.trim().split('\n').map((l) => l.split('\t').slice(0, 2))).toEqual([['olga', 'operator']]);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      expect((await client.query(`SELECT name, role FROM users`)).rows).toEqual([{ name: 'olga', role: 'operator' }]);
    } finally {
      await client.end();
    }

    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--ledger', url.toString(), '--data', join(cwd, 'data')], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const address = await new Promise<string>((done, fail) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('\n')) done(out.split('\n')[0]!.trim());
        });
        child.once('exit', (code) => fail(new Error(`serve exited ${code}: ${stderr}`)));
      });
      const res = await fetch(`${address}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'olga', password: 'a long enough password' }) });
      expect(res.status).toBe(201);
      expect(stderr).not.toContain('hunter2');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
    }
    expect(readdirSync(cwd, { recursive: true }).filter((name) => String(name).includes(':') || String(name).endsWith('.sqlite'))).toEqual([]);
  }, 60_000);
});
