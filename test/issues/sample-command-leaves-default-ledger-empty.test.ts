import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../support/cli.ts';

/**
 * Issue 13: the README's first set-up command paid the sample into the newcomer's default ledger, where its rows stayed
 * pending forever (paid to an in-process simulator that was gone). It now names a throwaway ledger under output/, and
 * run settles what the simulator it started accepted before that simulator stops: no row is left pending.
 */
const home = tempDir('sample-home-');
afterAll(() => rmSync(home, { recursive: true, force: true }));

it("the README's sample command writes nothing to the default ledger and leaves no row pending", { timeout: 60_000 }, async () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const setUp = /```sh\n(npm ci && npx payout-batch (.+))\n```/.exec(readme);
  expect(setUp, 'the first set-up command').not.toBeNull();
  const args = setUp![2]!.split(' ');
  const work = join(home, 'checkout');
  mkdirSync(work);
  symlinkSync(join(ROOT, 'samples'), join(work, 'samples'));
  const env = { HOME: home, USERPROFILE: home, XDG_CONFIG_HOME: join(home, '.config'), PAYOUT_BATCH_LEDGER: '', PAYOUT_BATCH_CONFIG: '' };
  const result = await runCli([...args, '--json'], { cwd: work, env });
  expect(result.code).toBe(2); // the sample's deliberately bad rows
  expect(result.summary!.ledger_path).toBe(join(work, 'output', 'sample-ledger.sqlite'));
  expect(existsSync(join(home, '.payout-batch'))).toBe(false);
  // Every payable row of the sample is final; the batch in the throwaway ledger says the same.
  expect(result.summary!.counts).toMatchObject({ paid: 4 });
  expect(result.summary!.counts.pending).toBeUndefined();
  const status = await runCli(['status', result.summary!.batch_id, '--ledger', result.summary!.ledger_path, '--json'], { cwd: work, env });
  expect(status.summary!.batch.counts).toEqual(result.summary!.counts);
  expect(Object.keys(status.summary!.rows_by_status)).not.toContain('pending');
  // Set up stays two commands: this one and npm test.
  expect(readme.match(/## Set up\n[\s\S]*?\n## /)![0].match(/```sh\n/g)).toHaveLength(2);
});
