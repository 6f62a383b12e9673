import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ROOT, runCli, startRecordingSimulator, tempDir as makeTempDir, type RecordingSimulator } from './support/cli.ts';

/** End to end: a file whose rows name their providers needs no --provider; one with rows naming none says which. */

const made: string[] = [];
const tempDir = (): string => {
  const dir = makeTempDir('mixed-e2e-');
  made.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
let sim: RecordingSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** providers-column.csv without its row naming no provider (row 6): every row routes itself; one names mercadopago. */
function selfRouted(dir: string): string {
  const lines = readFileSync(join(ROOT, 'test/fixtures/validate/providers-column.csv'), 'utf8').split('\n').filter((l) => !l.startsWith(',PC-5'));
  const file = join(dir, 'mixtos.csv');
  writeFileSync(file, lines.join('\n'));
  return file;
}

describe('--provider is optional when every row names its provider', { timeout: 90_000 }, () => {
  it('validate: no --provider, the summary is labelled mixed and the unknown provider has its own code', async () => {
    const dir = tempDir();
    const result = await runCli(['validate', selfRouted(dir), '--out', join(dir, 'out'), '--json']);
    expect(result.code).toBe(2);
    expect(result.summary).toMatchObject({ provider: 'mixed', providers: ['openpay', 'conekta', 'digitalfemsa', 'zenrise'] });
    expect(result.summary!.issues_by_code.PROVIDER_UNKNOWN).toBe(1);
    expect(result.summary!.first_issues.find((i: { code: string }) => i.code === 'PROVIDER_UNKNOWN')).toMatchObject({ row: 6, field: 'provider', status: 'invalid' });
  });

  it('run: pays the mixed file without --provider; batches shows it as mixed; the unknown-provider row belongs to no provider', async () => {
    sim = await startRecordingSimulator();
    const dir = tempDir();
    const ledger = join(dir, 'ledger.sqlite');
    const result = await runCli(['run', selfRouted(dir), '--simulator-url', sim.url, '--ledger', ledger, '--out', join(dir, 'out'), '--format', 'csv', '--json']);
    expect(result.code).toBe(2);
    expect(result.summary).toMatchObject({ provider: 'mixed', counts: { invalid: 1, conflict: 2, pending: 2 } });
    expect(sim.moneyMoving()).toBe(2);
    const listed = await runCli(['batches', '--ledger', ledger, '--json']);
    expect(listed.summary!.batches[0]).toMatchObject({ id: result.summary!.batch_id, provider: 'mixed' });
    const row = await runCli(['status', 'PC-6', '--ledger', ledger, '--json']);
    expect(row.summary!.rows[0]).toMatchObject({ provider: null, error_code: 'PROVIDER_UNKNOWN' });
  });

  it('rows naming no provider and no --provider: one error naming those rows, nothing written', async () => {
    const dir = tempDir();
    for (const command of ['validate', 'run']) {
      const out = join(dir, `out-${command}`);
      const ledger = command === 'run' ? ['--ledger', join(dir, 'ledger.sqlite')] : [];
      const result = await runCli([command, join(ROOT, 'test/fixtures/validate/providers-column.csv'), '--out', out, ...ledger, '--json']);
      expect(result.code).toBe(1);
      expect(result.summary!.error.code).toBe('PROVIDER_MISSING');
      expect(result.summary!.error.message).toMatch(/^row 6 name/);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('a file with no provider column and no --provider names the column it lacks', async () => {
    const dir = tempDir();
    const result = await runCli(['validate', join(ROOT, 'samples/openpay-payouts.csv'), '--out', join(dir, 'out'), '--json']);
    expect(result.code).toBe(1);
    expect(result.summary!.error.code).toBe('COLUMNS_MISSING');
    expect(result.summary!.error.message).toMatch(/provider/);
  });
});
