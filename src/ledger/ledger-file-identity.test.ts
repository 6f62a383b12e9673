import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fileChange, fileIdentity } from './ledger-file-identity.ts';

describe('fileChange', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'identity-'));

  it('is undefined while the path names the file that was opened, even after writes', () => {
    const path = join(dir(), 'l.sqlite');
    writeFileSync(path, 'a');
    const opened = fileIdentity(path);
    writeFileSync(path, 'more', { flag: 'a' });
    expect(fileChange(path, opened)).toBeUndefined();
  });

  it('is deleted when the file is gone', () => {
    const path = join(dir(), 'l.sqlite');
    writeFileSync(path, 'a');
    const opened = fileIdentity(path);
    rmSync(path);
    expect(fileChange(path, opened)).toBe('deleted');
  });

  it('is replaced when another file was moved to the path', () => {
    const d = dir();
    const path = join(d, 'l.sqlite');
    writeFileSync(path, 'a');
    const opened = fileIdentity(path);
    writeFileSync(join(d, 'other'), 'a');
    renameSync(join(d, 'other'), path);
    expect(fileChange(path, opened)).toBe('replaced');
  });
});
