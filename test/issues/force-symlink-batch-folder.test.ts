/**
 * Regression: `report --all --out DIR --force` (and sync of several batches) writes one folder per batch under DIR; a
 * symlink planted at one of those names ended as "unexpected error", exit 1. Now it is one line naming the link,
 * exit 1 (OUTPUT_SYMLINK), and nothing is written through it.
 */
import Database from 'better-sqlite3';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../support/cli.ts';

describe('--force with a symlink where a per-batch folder goes', () => {
  it('report --all: one line, exit 1, the link not followed', async () => {
    const dir = tempDir('payout-batch-folder-link-');
    const ledger = join(dir, 'ledger.sqlite');
    for (const provider of ['openpay', 'zenrise']) {
      const paid = await runCli(['run', join(ROOT, 'samples', `${provider}-payouts.csv`), '--provider', provider, '--yes', '--ledger', ledger, '--out', join(dir, `run-${provider}`), '--format', 'csv']);
      expect(paid.code, paid.stderr).toBe(2); // the samples carry rows that are not payable
    }
    const db = new Database(ledger, { readonly: true });
    const ids = (db.prepare('SELECT id FROM batches').all() as Array<{ id: string }>).map((b) => b.id);
    db.close();
    expect(ids).toHaveLength(2);
    const out = join(dir, 'report');
    const victim = join(dir, 'victim');
    mkdirSync(out);
    mkdirSync(victim);
    writeFileSync(join(out, 'old.txt'), 'an earlier report\n');
    // report --all writes <out>/<batch>/, as sync does.
    for (const id of ids) symlinkSync(victim, join(out, id));

    const result = await runCli(['report', '--all', '--ledger', ledger, '--out', out, '--force', '--format', 'csv', '--json']);
    expect(result.code, result.stderr).toBe(1);
    expect(result.summary?.error?.code).toBe('OUTPUT_SYMLINK');
    expect(result.stderr).not.toContain('unexpected error');
    expect(result.stderr.split('\n').filter((l) => l.startsWith('payout-batch:'))).toHaveLength(1);
    expect(readdirSync(victim)).toEqual([]);
  }, 180_000);
});
