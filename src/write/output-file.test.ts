import { lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exclusiveWriteStream, makePrivateDir, openLogFile, partialPathFor, writeOutputFile } from './output-file.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'payout-output-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const modeOf = (path: string) => statSync(path).mode & 0o777;

async function writeText(path: string, text: string): Promise<void> {
  const stream = exclusiveWriteStream(path);
  stream.end(text);
  await once(stream, 'close');
}

describe('exclusiveWriteStream', () => {
  it('creates a new file 0600', async () => {
    const path = join(dir, 'a.csv');
    await writeText(path, 'x');
    expect(readFileSync(path, 'utf8')).toBe('x');
    expect(modeOf(path)).toBe(0o600);
  });

  it('refuses a file or a symlink already at the name, and leaves its target alone', async () => {
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'keep');
    symlinkSync(victim, join(dir, 'link'));
    writeFileSync(join(dir, 'there'), 'old');
    for (const name of ['link', 'there']) {
      const stream = exclusiveWriteStream(join(dir, name));
      const [error] = (await once(stream, 'error')) as [NodeJS.ErrnoException];
      expect(error.code).toBe('EEXIST');
    }
    expect(readFileSync(victim, 'utf8')).toBe('keep');
    expect(readFileSync(join(dir, 'there'), 'utf8')).toBe('old');
  });
});

describe('writeOutputFile', () => {
  it('writes at a partial name of its own, then renames over whatever was there, a symlink included', async () => {
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'keep');
    const path = join(dir, 'results.csv');
    symlinkSync(victim, path);
    let seen: string[] = [];
    await writeOutputFile(path, async (partial) => {
      expect(partial).toMatch(/results\.csv\.[0-9a-f]{12}\.partial$/);
      await writeText(partial, 'new');
      seen = readdirSync(dir);
    });
    expect(seen.some((name) => name.endsWith('.partial'))).toBe(true);
    expect(lstatSync(path).isSymbolicLink()).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(readFileSync(victim, 'utf8')).toBe('keep');
    expect(modeOf(path)).toBe(0o600);
    expect(readdirSync(dir).sort()).toEqual(['results.csv', 'victim']);
  });

  it('removes the partial file and keeps the old one when writing fails', async () => {
    const path = join(dir, 'statement.csv');
    writeFileSync(path, 'old');
    await expect(
      writeOutputFile(path, async (partial) => {
        await writeText(partial, 'half');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(readdirSync(dir)).toEqual(['statement.csv']);
    expect(readFileSync(path, 'utf8')).toBe('old');
  });

  it('gives each call a different partial name', () => {
    const path = join(dir, 'x');
    expect(partialPathFor(path)).not.toBe(partialPathFor(path));
  });
});

describe('openLogFile', () => {
  it('replaces a symlink at the log name instead of appending through it, 0600', () => {
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'keep\n');
    const path = join(dir, 'run.log');
    symlinkSync(victim, path);
    const fd = openLogFile(path);
    writeSync(fd, 'line\n');
    closeSync(fd);
    expect(readFileSync(victim, 'utf8')).toBe('keep\n');
    expect(lstatSync(path).isSymbolicLink()).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe('line\n');
    expect(modeOf(path)).toBe(0o600);
  });
});

describe('makePrivateDir', () => {
  it('creates the folder and its parents 0700', async () => {
    const path = join(dir, 'a', 'b');
    await makePrivateDir(path);
    expect(modeOf(join(dir, 'a'))).toBe(0o700);
    expect(modeOf(path)).toBe(0o700);
  });

  it('refuses a symlink where the folder should be', async () => {
    const target = join(dir, 'target');
    await makePrivateDir(target);
    symlinkSync(target, join(dir, 'link'));
    await expect(makePrivateDir(join(dir, 'link'))).rejects.toMatchObject({ name: 'RunError', code: 'OUTPUT_SYMLINK', exitCode: 1 });
    expect(readdirSync(target)).toEqual([]);
  });
});
