import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from './support/cli.ts';

/**
 * The exit codes a scheduler alerts on, through the real CLI against the real simulator: 0 clean, 2 rows not payable,
 * 3 money needs attention, 1 nothing could be done, 64 usage; with --json, stdout is always exactly one object.
 */
const CLEAN = join(ROOT, 'test', 'fixtures', 'validate', 'openpay-all-valid.csv');
const WITH_BAD_ROWS = join(ROOT, 'samples', 'openpay-payouts.csv');

let sim: RecordingSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const logLines = (dir: string) => readFileSync(join(dir, 'run.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
const oneJsonLine = (stdout: string) => {
  const lines = stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as Record<string, any>;
};

function run(file: string, dir: string, extra: string[] = []) {
  return runCli(['run', file, '--provider', 'openpay', '--simulator-url', sim!.url, '--ledger', join(dir, 'ledger.sqlite'), '--out', join(dir, 'out'), '--format', 'csv', '--json', ...extra]);
}

describe('exit codes', () => {
  it('validate: 0 when every row is valid, 2 when some are not', async () => {
    const dir = tempDir();
    const valid = await runCli(['validate', CLEAN, '--provider', 'openpay', '--out', join(dir, 'a'), '--json']);
    expect(valid.code).toBe(0);
    expect(oneJsonLine(valid.stdout)).toMatchObject({ exit_code: 0 });
    const invalid = await runCli(['validate', WITH_BAD_ROWS, '--provider', 'openpay', '--out', join(dir, 'b'), '--json']);
    expect(invalid.code).toBe(2);
    expect(oneJsonLine(invalid.stdout)).toMatchObject({ exit_code: 2 });
  });

  it('run: 0 for a clean batch and run.log ends with the finish event; 2 when rows are only not payable', async () => {
    sim = await startRecordingSimulator();
    const dir = tempDir();
    const clean = await run(CLEAN, dir);
    expect(clean.code, clean.stderr).toBe(0);
    expect(oneJsonLine(clean.stdout)).toMatchObject({ exit_code: 0 });
    expect(logLines(join(dir, 'out')).at(-1)).toMatchObject({ event: 'finish', exit_code: 0 });

    const other = tempDir();
    const bad = await run(WITH_BAD_ROWS, other);
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.summary!.counts.invalid).toBeGreaterThan(0);
    expect((bad.summary!.counts.failed ?? 0) + (bad.summary!.counts.unknown ?? 0) + (bad.summary!.counts.not_sent ?? 0)).toBe(0);
  });

  it('run: a run-level failure after the log opened ends run.log with the error event, and --json prints only the error', async () => {
    sim = await startRecordingSimulator({ balanceMinor: 100 });
    const dir = tempDir();
    const result = await run(CLEAN, dir);
    expect(result.code).toBe(1);
    expect(oneJsonLine(result.stdout)).toMatchObject({ exit_code: 1, error: { code: 'INSUFFICIENT_FUNDS' } });
    expect(logLines(join(dir, 'out')).at(-1)).toMatchObject({ event: 'error', code: 'INSUFFICIENT_FUNDS', exit_code: 1 });
    expect(sim.moneyMoving()).toBe(0);
  });

  it('a fatal error with --json prints exactly one JSON object with exit_code 1', async () => {
    const dir = tempDir();
    const result = await runCli(['validate', join(dir, 'no-such-file.csv'), '--provider', 'openpay', '--out', join(dir, 'out'), '--json']);
    expect(result.code).toBe(1);
    expect(oneJsonLine(result.stdout)).toMatchObject({ exit_code: 1, error: { code: 'FILE_UNREADABLE' } });
  });

  it.each([
    ['an unknown flag', ['validate', CLEAN, '--provider', 'openpay', '--no-such-flag', '--json']],
    ['a missing argument', ['validate', '--provider', 'openpay', '--json']],
    ['a bad option value', ['run', CLEAN, '--provider', 'openpay', '--max-attempts', '0', '--json']],
  ])('%s is a usage error: exit 64 and one JSON error on stdout', async (_, args) => {
    const result = await runCli(args);
    expect(result.code).toBe(64);
    expect(oneJsonLine(result.stdout)).toMatchObject({ exit_code: 64, error: { code: 'USAGE' } });
  });

  it('report: a provider that cannot be reached is "not compared" and exit 3, never "none" and 0', async () => {
    sim = await startRecordingSimulator({ settleMs: 600_000 });
    const dir = tempDir();
    expect((await run(CLEAN, dir)).code).toBe(0);
    const compared = await runCli(['report', '--all', '--ledger', join(dir, 'ledger.sqlite'), '--simulator-url', sim.url, '--out', join(dir, 'r0'), '--format', 'csv', '--json']);
    expect(compared.code, compared.stderr).toBe(0);
    expect(compared.summary).toMatchObject({ exceptions: 0, not_compared: [] });

    const closed = await closedPort();
    const args = ['report', '--all', '--ledger', join(dir, 'ledger.sqlite'), '--simulator-url', `http://127.0.0.1:${closed}`, '--format', 'csv'];
    const json = await runCli([...args, '--out', join(dir, 'r1'), '--json']);
    expect(json.code, json.stderr).toBe(3);
    expect(oneJsonLine(json.stdout)).toMatchObject({ exceptions: 'not compared', not_compared: ['openpay'], exit_code: 3 });
    const text = await runCli([...args, '--out', join(dir, 'r2')]);
    expect(text.code).toBe(3);
    expect(text.stdout).toMatch(/^exceptions: not compared with openpay/m);
    expect(text.stdout).not.toMatch(/exceptions: none/);
  }, 120_000);
});

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
