import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOutputDir } from './output-dir.ts';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'payout-output-dir-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('createOutputDir', () => {
  it('makes a new --out folder and its parents 0700', async () => {
    const out = join(root, 'a', 'out');
    expect(await createOutputDir({ command: 'run', out })).toBe(out);
    expect(modeOf(out)).toBe(0o700);
    expect(modeOf(join(root, 'a'))).toBe(0o700);
  });

  it('uses an empty --out folder as it is', async () => {
    const out = join(root, 'empty');
    mkdirSync(out);
    expect(await createOutputDir({ command: 'run', out })).toBe(out);
  });

  it('refuses an --out folder holding files with OUTPUT_NOT_EMPTY (exit 1), and takes it with force', async () => {
    const out = join(root, 'used');
    mkdirSync(out);
    writeFileSync(join(out, 'results.csv'), 'earlier');
    await expect(createOutputDir({ command: 'run', out })).rejects.toMatchObject({ code: 'OUTPUT_NOT_EMPTY', exitCode: 1 });
    expect(await createOutputDir({ command: 'run', out, force: true })).toBe(out);
  });

  it('refuses a symlink as --out, even with force, and a file (usage errors)', async () => {
    const target = join(root, 'target');
    mkdirSync(target);
    symlinkSync(target, join(root, 'link'));
    await expect(createOutputDir({ command: 'run', out: join(root, 'link'), force: true })).rejects.toMatchObject({ code: 'USAGE', exitCode: 64 });
    writeFileSync(join(root, 'file'), '');
    await expect(createOutputDir({ command: 'run', out: join(root, 'file') })).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('names a default folder by command, time and file, 0700, with -2 for a second in the same second', async () => {
    const now = new Date('2026-03-02T15:04:05Z');
    const first = await createOutputDir({ command: 'run', file: 'pagos marzo.csv', now, root: join(root, 'output') });
    const second = await createOutputDir({ command: 'run', file: 'pagos marzo.csv', now, root: join(root, 'output') });
    expect(first).toBe(join(root, 'output', 'run-20260302-150405-pagos_marzo'));
    expect(second).toBe(`${first}-2`);
    expect(modeOf(first)).toBe(0o700);
    expect(modeOf(join(root, 'output'))).toBe(0o700);
  });
});
