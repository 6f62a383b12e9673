import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { ROOT, runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from '../support/cli.ts';

/**
 * Regression: sync judged only the rows it asked about, so once a payout had failed (recorded by an earlier sync or
 * a webhook) the next sync asked about nothing and exited 0 — a scheduler saw a clean batch with money not paid.
 * Now the exit code judges every row of the batches in scope: a failed payout is 3, every time.
 */
let sim: RecordingSimulator | undefined;
afterEach(async () => void (await sim?.close()));

it('sync exits 3, not 0, while a payout of the batch has failed', async () => {
  sim = await startRecordingSimulator({ faults: 'settle_fail=1', settleMs: 1000 });
  const dir = tempDir();
  const ledger = join(dir, 'ledger.sqlite');
  const file = join(ROOT, 'test', 'fixtures', 'validate', 'openpay-all-valid.csv');
  const paid = await runCli(['run', file, '--provider', 'openpay', '--simulator-url', sim.url, '--ledger', ledger, '--out', join(dir, 'run'), '--format', 'csv', '--json']);
  expect(paid.code, paid.stderr).toBe(0); // accepted, pending
  await sim.advance(5_000);

  const sync = (out: string) => runCli(['sync', '--simulator-url', sim!.url, '--ledger', ledger, '--out', join(dir, out), '--format', 'csv', '--json']);
  const first = await sync('s1');
  expect(first.summary!.counts.failed).toBeGreaterThan(0);
  expect(first.code).toBe(3);
  // Nothing left to ask about: the failed rows are final, and still need attention.
  const second = await sync('s2');
  expect(second.summary!.warnings.join(' ')).toMatch(/nothing to sync/);
  expect(second.code).toBe(3);
});
