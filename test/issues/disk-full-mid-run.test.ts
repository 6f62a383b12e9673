/**
 * Regression: the ledger's disk filled 6 s into a 3,000-row run; the run ended "unexpected error: database or disk is
 * full", exit 1, only run.log written — while 912 payouts had moved. Now a storage failure stops the taking of rows,
 * the requests in flight settle, and the run says what happened and what to do — "N payout(s) sent; results could
 * not be written to X: disk full; free space and run the same file again" — with its summary, exit 3. After space is
 * freed the same file completes: checked against the simulator's journal, no payout is lost and none is made twice.
 * The same when the results cannot be written to a full --out while the ledger is fine.
 *
 * The disks are real tmpfs mounts (root only: skipped, saying why, where mounting is not allowed).
 */
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { generateBatch } from '../../bench/generate-batch.ts';
import { runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from '../support/cli.ts';

const ROWS = 3000;
const MESSAGE = /^(\d+) payout\(s\) sent; results could not be written to (.+): disk full; free space and run the same file again$/;

function mountTmpfs(dir: string, size: string): string | undefined {
  mkdirSync(dir, { recursive: true });
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { encoding: 'utf8' });
  if (mounted.error) return `mount: ${mounted.error.message}`;
  return mounted.status === 0 ? undefined : `mount -t tmpfs failed: ${(mounted.stderr || `exit ${mounted.status}`).trim()}`;
}
const remount = (dir: string, size: string) => expect(spawnSync('mount', ['-o', `remount,size=${size}`, dir]).status).toBe(0);
const umount = (dir: string) => spawnSync('umount', [dir]);

/** Whether this machine lets the tests mount a tmpfs (root, with the mount command), and if not, why. */
const cannotMount = (() => {
  if (process.getuid?.() !== 0) return 'not root: a tmpfs cannot be mounted';
  const probe = tempDir('payout-tmpfs-probe-');
  const why = mountTmpfs(probe, '64k');
  if (why === undefined) umount(probe);
  return why;
})();

/** Fills the file system at `dir` to the last block (a file of zeros written until it is refused). */
function fill(dir: string): void {
  const fd = openSync(join(dir, 'filler'), 'w');
  const block = Buffer.alloc(64 * 1024);
  try {
    for (;;) writeSync(fd, block);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  // What is left is smaller than a block: take it too.
  const fd2 = openSync(join(dir, 'filler-tail'), 'w');
  try {
    for (;;) writeSync(fd2, Buffer.alloc(512));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd2);
  }
}

const mounts: string[] = [];
const sims: RecordingSimulator[] = [];
afterEach(async () => {
  for (const s of sims.splice(0)) await s.close();
  for (const m of mounts.splice(0)) umount(m);
});

/** Journal vs ledger: every row of the batch paid once, by the payout the ledger names. */
async function expectExactlyOnce(sim: RecordingSimulator, ledgerPath: string) {
  const journal = (await sim.journal()).filter((e) => e.provider === 'openpay');
  const byReference = new Map<string, number>();
  for (const e of journal) byReference.set(String(e.reference), (byReference.get(String(e.reference)) ?? 0) + 1);
  expect([...byReference.values()].filter((n) => n > 1), 'paid twice').toEqual([]);
  const db = new Database(ledgerPath, { readonly: true });
  try {
    const rows = db.prepare('SELECT order_key, status, provider_payout_id FROM payout_rows').all() as Array<{ order_key: string; status: string; provider_payout_id: string | null }>;
    expect(rows).toHaveLength(ROWS);
    expect(rows.filter((r) => r.status !== 'pending' && r.status !== 'paid')).toEqual([]);
    const ids = new Map(journal.map((e) => [e.provider_id, String(e.reference)]));
    // Lost: a payout at the provider the ledger does not name, or a row the provider never paid.
    expect(rows.filter((r) => r.provider_payout_id === null || ids.get(r.provider_payout_id) !== r.order_key)).toEqual([]);
    expect(journal).toHaveLength(ROWS);
  } finally {
    db.close();
  }
}

describe.skipIf(cannotMount !== undefined)(`a disk that fills mid-run${cannotMount ? ` (skipped: ${cannotMount})` : ''}`, () => {
  it('ledger disk full after payouts moved: stops, says how many were sent and what to do, exit 3; the same file run again after freeing space pays the rest once', async () => {
    const sim = await startRecordingSimulator({ seed: 10 });
    sims.push(sim);
    const dir = tempDir('payout-disk-full-');
    const file = join(dir, 'batch.csv');
    await generateBatch({ path: file, rows: ROWS, provider: 'openpay', prefix: 'DF' });
    const disk = join(dir, 'ledger-disk');
    expect(mountTmpfs(disk, '64m')).toBeUndefined();
    mounts.push(disk);
    const ledgerPath = join(disk, 'ledger.sqlite');
    const args = (out: string) => ['run', file, '--provider', 'openpay', '--simulator-url', sim.url, '--ledger', ledgerPath, '--out', join(dir, out), '--format', 'csv', '--json'];

    // The disk fills once money has moved: 100 payouts in, with most of the file still to send.
    let filledAt: number | undefined;
    const first = await runCli(args('o1'), {
      onSpawn: () => {
        const poll = setInterval(() => {
          if (sim.moneyMoving() < 100) return;
          clearInterval(poll);
          filledAt = sim.moneyMoving();
          fill(disk);
        }, 5);
      },
    });
    expect(filledAt).toBeDefined();
    expect(first.code, first.stderr).toBe(3);
    expect(first.stderr).not.toContain('unexpected error');
    const sentFirst = (await sim.journal()).length;
    expect(sentFirst).toBeGreaterThanOrEqual(100);
    expect(sentFirst, 'the run stopped taking rows').toBeLessThan(ROWS);
    const line = first.summary!.warnings.find((w: string) => MESSAGE.test(w)) as string;
    expect(line, JSON.stringify(first.summary!.warnings)).toBeDefined();
    const [, n, where] = MESSAGE.exec(line)!;
    expect(where).toBe(ledgerPath);
    // Rows whose request left: the journal's; a row marked sending whose request was held back at the stop counts too.
    const sending = first.summary!.counts.sending ?? 0;
    expect(Number(n)).toBeGreaterThanOrEqual(sentFirst);
    expect(Number(n)).toBeLessThanOrEqual(sentFirst + sending);
    expect(first.stderr).toContain(`MONEY NEEDS ATTENTION: ${line}`);
    // The results went out where the disk had room: every row, as the ledger holds it.
    expect(first.summary!.results_csv).toBe(join(dir, 'o1', 'results.csv'));
    expect(parse(readFileSync(first.summary!.results_csv, 'utf8'), { columns: true, bom: true })).toHaveLength(ROWS);

    // Space freed: the same file completes, nothing paid twice, nothing lost.
    rmSync(join(disk, 'filler'));
    rmSync(join(disk, 'filler-tail'));
    const second = await runCli(args('o2'));
    expect(second.code, second.stderr).toBe(0);
    expect(second.summary!.warnings.filter((w: string) => MESSAGE.test(w))).toEqual([]);
    await expectExactlyOnce(sim, ledgerPath);
  }, 300_000);

  it('--out disk full while the ledger is fine: the summary still goes to stdout, no half file is left, exit 3; run again with room: nothing sent again', async () => {
    const sim = await startRecordingSimulator({ seed: 11 });
    sims.push(sim);
    const dir = tempDir('payout-out-full-');
    const file = join(dir, 'batch.csv');
    await generateBatch({ path: file, rows: ROWS, provider: 'openpay', prefix: 'OF' });
    const disk = join(dir, 'out-disk');
    // Room for the log, not for 3,000 rows of results (about 440 KB).
    expect(mountTmpfs(disk, '96k')).toBeUndefined();
    mounts.push(disk);
    const ledgerPath = join(dir, 'ledger.sqlite');
    const args = (out: string) => ['run', file, '--provider', 'openpay', '--simulator-url', sim.url, '--ledger', ledgerPath, '--out', join(disk, out), '--format', 'csv', '--json'];

    const first = await runCli(args('o1'));
    expect(first.code, first.stderr).toBe(3);
    expect(first.stderr).not.toContain('unexpected error');
    const line = first.summary!.warnings.find((w: string) => MESSAGE.test(w)) as string;
    expect(line, JSON.stringify(first.summary!.warnings)).toBeDefined();
    const [, n, where] = MESSAGE.exec(line)!;
    expect(Number(n)).toBe(ROWS);
    expect(where).toBe(join(disk, 'o1', 'results.csv'));
    // The summary is the operator's copy of the results: every row counted, no file claimed.
    expect((first.summary!.counts.pending ?? 0) + (first.summary!.counts.paid ?? 0)).toBe(ROWS);
    expect(first.summary!.results_csv).toBeUndefined();
    expect(readdirSync(join(disk, 'o1')).filter((f) => f !== 'run.log')).toEqual([]);
    expect(sim.moneyMoving()).toBe(ROWS);

    remount(disk, '16m');
    const second = await runCli(args('o2'));
    expect(second.code, second.stderr).toBe(0);
    expect(sim.moneyMoving()).toBe(ROWS);
    expect(parse(readFileSync(second.summary!.results_csv, 'utf8'), { columns: true, bom: true })).toHaveLength(ROWS);
    await expectExactlyOnce(sim, ledgerPath);
  }, 300_000);
});
