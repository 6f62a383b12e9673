import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runCli, tempDir } from '../support/cli.ts';

/**
 * Issue 13: validate's summary showed `valid 11 / invalid 5` with no row numbers or codes, and --json had counts only.
 * A CLABE stored by Excel as a number must now be named, with its row and field, in both.
 */
const dir = tempDir('issue-13-summary-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('names the bad rows with their code and field, in the text and in --json', { timeout: 60_000 }, async () => {
  const file = join(dir, 'pagos.csv');
  writeFileSync(file, 'order_id,clabe,beneficiario,monto\nA-1,012180001183597198,Ana,10.00\nA-2,1.2180001183597E+17,Luis,10.00\n');
  const json = await runCli(['validate', file, '--provider', 'openpay', '--out', join(dir, 'json'), '--json']);
  expect(json.summary!.issues_by_code).toEqual({ ACCOUNT_PRECISION_LOST: 1 });
  expect(json.summary!.first_issues).toMatchObject([{ row: 3, field: 'account', code: 'ACCOUNT_PRECISION_LOST' }]);
  const text = await runCli(['validate', file, '--provider', 'openpay', '--out', join(dir, 'text')]);
  expect(text.stdout).toMatch(/row 3 · account · ACCOUNT_PRECISION_LOST · /);
});
