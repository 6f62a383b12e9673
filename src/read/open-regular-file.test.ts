import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashFile } from './hash-file.ts';
import { openRegularFile } from './open-regular-file.ts';
import { sniffFile } from './sniff-file.ts';
import { expectRunError } from './test-support.ts';

describe('openRegularFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'regular-file-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('opens a regular file and gives its size', async () => {
    writeFileSync(join(dir, 'a.csv'), 'a,b\n');
    const { handle, size } = await openRegularFile(join(dir, 'a.csv'));
    expect(size).toBe(4);
    await handle.close();
  });

  it('refuses a FIFO at once (no writer needed), in the hash and the sniff alike', async () => {
    const fifo = join(dir, 'pipe.csv');
    execFileSync('mkfifo', [fifo]);
    // Each call starts only when its turn comes: a rejection nobody awaits yet would be reported as unhandled.
    for (const work of [() => openRegularFile(fifo), () => hashFile(fifo), () => sniffFile(fifo)]) {
      const error = await expectRunError(work(), 'FILE_UNREADABLE');
      expect(error.message).toContain('named pipe');
    }
  });

  it('refuses a directory and a device, and says what a missing path is', async () => {
    expect((await expectRunError(openRegularFile(dir), 'FILE_UNREADABLE')).message).toContain('a directory');
    expect((await expectRunError(hashFile('/dev/zero'), 'FILE_UNREADABLE')).message).toContain('a device');
    expect((await expectRunError(openRegularFile(join(dir, 'missing.csv')), 'FILE_UNREADABLE')).message).toContain('no such file');
  });
});
