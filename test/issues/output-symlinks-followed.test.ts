/**
 * Regression: with --out holding symlinks named run.log and results.csv.partial, a run overwrote / appended to the
 * files they pointed at, and an old results.csv was silently replaced. Now a folder holding files is refused
 * (OUTPUT_NOT_EMPTY, exit 1, one line, nothing done) unless --force, and with --force every output is a new file
 * (0600) renamed into place: a symlink there is replaced, never written through.
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../support/cli.ts';

const FILE = join(ROOT, 'samples', 'openpay-payouts.csv');

function plantedFolder() {
  const dir = tempDir('payout-symlinks-');
  const out = join(dir, 'out');
  mkdirSync(out);
  const victimLog = join(dir, 'victim-log.txt');
  const victimPartial = join(dir, 'victim-partial.txt');
  writeFileSync(victimLog, 'keep me\n');
  writeFileSync(victimPartial, 'keep me too\n');
  symlinkSync(victimLog, join(out, 'run.log'));
  symlinkSync(victimPartial, join(out, 'results.csv.partial'));
  writeFileSync(join(out, 'results.csv'), 'an earlier run\n');
  return { dir, out, victimLog, victimPartial };
}

describe('--out holding files or symlinks', () => {
  it('is refused without --force: exit 1, one line, nothing paid, nothing touched', async () => {
    const { dir, out, victimLog, victimPartial } = plantedFolder();
    const ledger = join(dir, 'ledger.sqlite');
    const result = await runCli(['run', FILE, '--provider', 'openpay', '--yes', '--out', out, '--ledger', ledger, '--json']);
    expect(result.code, result.stderr).toBe(1);
    expect(result.summary?.error?.code).toBe('OUTPUT_NOT_EMPTY');
    expect(result.stderr.split('\n').filter((l) => l.startsWith('payout-batch:'))).toHaveLength(1);
    expect(readFileSync(victimLog, 'utf8')).toBe('keep me\n');
    expect(readFileSync(victimPartial, 'utf8')).toBe('keep me too\n');
    expect(readFileSync(join(out, 'results.csv'), 'utf8')).toBe('an earlier run\n');
    expect(readdirSync(out).sort()).toEqual(['results.csv', 'results.csv.partial', 'run.log']);
  });

  it('with --force replaces them without following a symlink, every file 0600', async () => {
    const { dir, out, victimLog, victimPartial } = plantedFolder();
    const ledger = join(dir, 'ledger.sqlite');
    const result = await runCli(['run', FILE, '--provider', 'openpay', '--yes', '--out', out, '--ledger', ledger, '--force', '--json']);
    expect(result.code, result.stderr).toBe(2); // the sample holds rows that are not payable
    expect(readFileSync(victimLog, 'utf8')).toBe('keep me\n');
    expect(readFileSync(victimPartial, 'utf8')).toBe('keep me too\n');
    expect(lstatSync(join(out, 'run.log')).isSymbolicLink()).toBe(false);
    expect(readFileSync(join(out, 'run.log'), 'utf8')).toContain('"event":"finish"');
    expect(readFileSync(join(out, 'results.csv'), 'utf8')).toContain('OP-2026-0001');
    for (const name of readdirSync(out)) {
      if (name === 'results.csv.partial') continue; // the planted symlink, left alone
      expect(name).not.toMatch(/\.partial$/);
      expect(statSync(join(out, name)).mode & 0o777, name).toBe(0o600);
    }
  });

  it('a new --out folder is created 0700, a symlink as --out is refused', async () => {
    const dir = tempDir('payout-symlinks-');
    const ledger = join(dir, 'ledger.sqlite');
    const fresh = join(dir, 'fresh', 'out');
    const made = await runCli(['validate', FILE, '--provider', 'openpay', '--out', fresh, '--json']);
    expect(made.code, made.stderr).toBe(2);
    expect(statSync(fresh).mode & 0o777).toBe(0o700);
    for (const name of readdirSync(fresh)) expect(statSync(join(fresh, name)).mode & 0o777, name).toBe(0o600);

    const target = join(dir, 'elsewhere');
    mkdirSync(target);
    symlinkSync(target, join(dir, 'link'));
    const linked = await runCli(['run', FILE, '--provider', 'openpay', '--yes', '--out', join(dir, 'link'), '--ledger', ledger, '--force', '--json']);
    expect(linked.code).toBe(64);
    expect(readdirSync(target)).toEqual([]);
  });
});
