import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runCli, tempDir } from '../support/cli.ts';

/** Issue 13: `Missing required argument: provider` for a file whose every row named its provider. */
const dir = tempDir('issue-13-provider-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('validates a file whose rows all name their provider without --provider', { timeout: 60_000 }, async () => {
  const file = join(dir, 'pagos.csv');
  writeFileSync(file, 'proveedor,referencia,cuenta,nombre,importe\nopenpay,P-1,012180001183597198,Ana,10.00\nconekta,P-2,002180001234567896,Luis,20.00\n');
  const result = await runCli(['validate', file, '--out', join(dir, 'out'), '--json']);
  expect(result.code).toBe(0);
  expect(result.summary).toMatchObject({ provider: 'mixed', providers: ['openpay', 'conekta'], counts: { valid: 2 } });
});
