import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, describe, expect, it } from 'vitest';
import { deflatedZip, hugeCellWorkbook, sharedStringBomb, tallCsv, wideCsv } from '../../test/support/hostile-files.ts';
import type { CanonicalField } from '../domain/payout-row.ts';
import { encodingNamed } from './detect-encoding.ts';
import { openBatch } from './open-batch.ts';
import { DEFAULT_READ_LIMITS, ReadLimitError, type ReadLimits } from './read-limits.ts';
import { readAll, texts } from './test-support.ts';
import { openZipEntry, readZipDirectory, type ZipEntry } from './zip-archive.ts';

const REQUIRED: CanonicalField[] = ['order_id', 'amount', 'account'];
const limits = (overrides: Partial<ReadLimits>): ReadLimits => ({ ...DEFAULT_READ_LIMITS, ...overrides });

async function drain(work: Promise<unknown>): Promise<unknown> {
  return work.then(() => undefined, (error: unknown) => error);
}

describe('openBatch within read limits', () => {
  const dir = mkdtempSync(join(tmpdir(), 'open-batch-limits-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a CSV past the row, column and line limits with FILE_LIMIT and the numbers as data', async () => {
    writeFileSync(join(dir, 'tall.csv'), tallCsv(30));
    const tall = await drain(openBatch(join(dir, 'tall.csv'), { requiredFields: REQUIRED, limits: limits({ maxRows: 10 }) }).then(readAll));
    expect(tall).toBeInstanceOf(ReadLimitError);
    expect((tall as ReadLimitError).details).toEqual({ limit: 'maxRows', max: 10, found: 11 });

    writeFileSync(join(dir, 'wide.csv'), wideCsv(50));
    const wide = await drain(openBatch(join(dir, 'wide.csv'), { requiredFields: REQUIRED, limits: limits({ maxColumns: 20 }) }).then(readAll));
    expect((wide as ReadLimitError).details).toEqual({ limit: 'maxColumns', max: 20, found: 50 });

    writeFileSync(join(dir, 'cell.csv'), `order_id,clabe,monto\nA-1,${'1'.repeat(60)},1.00\n`);
    const cell = await drain(openBatch(join(dir, 'cell.csv'), { requiredFields: REQUIRED, limits: limits({ maxCellChars: 50 }) }).then(readAll));
    expect((cell as ReadLimitError).details).toEqual({ limit: 'maxCellChars', max: 50, found: 60 });
  });

  it('reads a file in the encoding it is told, even UTF-16 without a BOM', async () => {
    writeFileSync(join(dir, 'utf16.csv'), iconv.encode('order_id,clabe,monto\nA-1,012180001183597198,1.00\n', 'utf-16le'));
    const batch = await openBatch(join(dir, 'utf16.csv'), { requiredFields: REQUIRED, encoding: encodingNamed('utf-16le') });
    expect(batch.encoding).toBe('utf-16le');
    expect((await readAll(batch)).map(texts)).toEqual([{ order_id: 'A-1', account: '012180001183597198', amount: '1.00' }]);
  });

  it('refuses XLSX shared strings and cells past their limits', async () => {
    writeFileSync(join(dir, 'bomb.xlsx'), await sharedStringBomb(2_000));
    const bomb = await drain(openBatch(join(dir, 'bomb.xlsx'), { requiredFields: REQUIRED, limits: limits({ maxSharedStrings: 1_000 }) }).then(readAll));
    expect(bomb).toMatchObject({ code: 'FILE_LIMIT', message: expect.stringContaining('(--max-shared-strings)') });

    writeFileSync(join(dir, 'cell.xlsx'), await hugeCellWorkbook(100));
    const cell = await drain(openBatch(join(dir, 'cell.xlsx'), { requiredFields: REQUIRED, limits: limits({ maxCellChars: 50 }) }).then(readAll));
    expect(cell).toMatchObject({ code: 'FILE_LIMIT', message: expect.stringContaining('limit 50 (--max-cell-chars)') });
  });
});

describe('openZipEntry within the inflate limits', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zip-limits-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function member(content: Parameters<typeof deflatedZip>[0][string]): Promise<{ path: string; entry: ZipEntry }> {
    const path = join(dir, `m-${Math.random()}.zip`);
    writeFileSync(path, await deflatedZip({ 'a.xml': content }));
    const handle = await open(path, 'r');
    const zip = await readZipDirectory(handle, (await handle.stat()).size);
    await handle.close();
    if ('problem' in zip) throw new Error(zip.problem);
    return { path, entry: zip.entries.get('a.xml')! };
  }

  async function inflate(path: string, entry: ZipEntry, overrides: Partial<ReadLimits>): Promise<number | unknown> {
    let bytes = 0;
    try {
      for await (const chunk of await openZipEntry(path, entry, limits(overrides))) bytes += (chunk as Buffer).length;
    } catch (error) {
      return error;
    }
    return bytes;
  }

  it('stops at the inflated-size limit and at the ratio limit, and passes a member within both', async () => {
    const { path, entry } = await member({ head: '', unit: '<x/>', times: 2_000_000, tail: '' });
    expect(await inflate(path, entry, { maxMemberBytes: 4_000_000, maxCompressionRatio: 1_000_000 })).toMatchObject({ details: { limit: 'maxMemberBytes', max: 4_000_000 } });
    expect(await inflate(path, entry, { maxCompressionRatio: 50 })).toMatchObject({ details: { limit: 'maxCompressionRatio', max: 50 } });
    expect(await inflate(path, entry, { maxCompressionRatio: 1_000_000 })).toBe(8_000_000);
  });

  it('judges no ratio on a small member, however well it compresses', async () => {
    const { path, entry } = await member('<x/>'.repeat(1000));
    expect(await inflate(path, entry, { maxCompressionRatio: 2 })).toBe(4000);
  });
});
