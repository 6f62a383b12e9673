/**
 * Regression: the ledger file (full CLABEs/CBUs, names, e-mails) was created 0644, readable by every user of the
 * machine. A new ledger is now 0600 in a 0700 folder, and so are its -wal and -shm and the run's outputs.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../support/cli.ts';

it('a run creates the ledger, its -wal/-shm and every output for its owner only', async () => {
  const dir = tempDir('payout-private-');
  const ledgerDir = join(dir, 'ledgers');
  const ledger = join(ledgerDir, 'ledger.sqlite');
  const out = join(dir, 'out');
  const result = await runCli(['run', join(ROOT, 'samples', 'openpay-payouts.csv'), '--provider', 'openpay', '--yes', '--ledger', ledger, '--out', out, '--json']);
  expect(result.code, result.stderr).toBe(2);
  const mode = (path: string) => statSync(path).mode & 0o777;
  expect(mode(ledgerDir)).toBe(0o700);
  expect(mode(ledger)).toBe(0o600);
  // SQLite keeps -wal / -shm while a connection is open or checkpoint left them; any that is there is private too.
  for (const name of readdirSync(ledgerDir)) expect(mode(join(ledgerDir, name)), name).toBe(0o600);
  expect(mode(out)).toBe(0o700);
  const outputs = readdirSync(out);
  expect(outputs).toEqual(expect.arrayContaining(['results.csv', 'results.xlsx', 'run.log']));
  for (const name of outputs) expect(mode(join(out, name)), name).toBe(0o600);
});
