import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DEFAULT_READ_LIMITS, ReadLimitError, type ReadLimits } from './read-limits.ts';
import { XmlGuard } from './xml-guard.ts';

/** Runs `chunks` through a guard; the bytes that came out, or the error. */
async function guard(chunks: string[], limits: Partial<ReadLimits>, sharedStrings = false): Promise<string | ReadLimitError> {
  const stream = Readable.from(chunks.map((c) => Buffer.from(c))).pipe(new XmlGuard({ what: 'the workbook', limits: { ...DEFAULT_READ_LIMITS, ...limits }, sharedStrings }));
  const out: Buffer[] = [];
  try {
    for await (const chunk of stream) out.push(chunk as Buffer);
  } catch (error) {
    return error as ReadLimitError;
  }
  return Buffer.concat(out).toString();
}

describe('XmlGuard', () => {
  it('passes XML within the limits through unchanged, however it is cut', async () => {
    const xml = '<sst count="2"><si><t>Ana</t></si><si><t>José</t></si></sst>';
    expect(await guard([xml.slice(0, 7), xml.slice(7, 21), xml.slice(21)], { maxSharedStrings: 2, maxCellChars: 5 }, true)).toBe(xml);
  });

  it('refuses a declared uniqueCount past the limit before reading the entries', async () => {
    const error = await guard(['<?xml version="1.0"?><sst xmlns="x" count="9" uniqueCount="120000000">'], { maxSharedStrings: 1000 }, true);
    expect(error).toBeInstanceOf(ReadLimitError);
    expect((error as ReadLimitError).details).toEqual({ limit: 'maxSharedStrings', max: 1000, found: 120_000_000 });
  });

  it('counts entries when none is declared, across chunks', async () => {
    const error = await guard(['<sst>', '<si><t>a</t></si>'.repeat(3), '<si><t>b</t></si><si ', 'x="1"><t>c</t></si></sst>'], { maxSharedStrings: 4 }, true);
    expect((error as ReadLimitError).details).toMatchObject({ limit: 'maxSharedStrings', found: 5 });
  });

  it('refuses shared strings past their byte limit', async () => {
    const error = await guard(['<sst>', '<si><t>a</t></si>'.repeat(100), '</sst>'], { maxSharedStringsBytes: 500 }, true);
    expect((error as ReadLimitError).details.limit).toBe('maxSharedStringsBytes');
  });

  it('refuses a text node that cannot fit the cell limit, even split over many chunks', async () => {
    const error = await guard(['<c><is><t>', ...Array.from({ length: 200 }, () => 'A'.repeat(10)), '</t></is></c>'], { maxCellChars: 10 });
    expect((error as ReadLimitError).details).toMatchObject({ limit: 'maxCellChars', max: 10 });
    // Ten characters each written as a 10-byte reference still fit.
    expect(await guard([`<t>${'&#x10FFFF;'.repeat(10)}</t>`], { maxCellChars: 10 })).toContain('&#x10FFFF;');
  });
});
