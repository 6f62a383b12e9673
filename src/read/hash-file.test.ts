import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashFile } from './hash-file.ts';
import { expectRunError } from './test-support.ts';

describe('hashFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hash-file-'));

  it('is the sha256 of the bytes, whatever the file is called', async () => {
    const bytes = Buffer.alloc(3 << 20, 'José;1.250,00\r\n');
    writeFileSync(join(dir, 'a.csv'), bytes);
    writeFileSync(join(dir, 'b.txt'), bytes);
    const expected = createHash('sha256').update(bytes).digest('hex');
    expect(await hashFile(join(dir, 'a.csv'))).toBe(expected);
    expect(await hashFile(join(dir, 'b.txt'))).toBe(expected);
  });

  it('changes when one byte does', async () => {
    writeFileSync(join(dir, 'c.csv'), 'order_id,amount\n1,10.00\n');
    writeFileSync(join(dir, 'd.csv'), 'order_id,amount\n1,10.01\n');
    expect(await hashFile(join(dir, 'c.csv'))).not.toBe(await hashFile(join(dir, 'd.csv')));
  });

  it('fails with FILE_UNREADABLE for a missing file', async () => {
    await expectRunError(hashFile(join(dir, 'missing.csv')), 'FILE_UNREADABLE');
  });
});
