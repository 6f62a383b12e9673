import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readSharedStrings, SharedStrings } from './shared-strings.ts';

/** The XML as a stream of inflated chunks of `size` bytes, cutting tags and characters anywhere. */
function chunked(xml: string, size: number): Readable {
  const bytes = Buffer.from(xml, 'utf8');
  const pieces: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) pieces.push(bytes.subarray(at, at + size));
  return Readable.from(pieces);
}

describe('readSharedStrings', () => {
  const xml =
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="6" uniqueCount="6">' +
    '<si><t>order_id</t></si>' +
    '<si><t xml:space="preserve"> José Peña Núñez </t></si>' +
    '<si><r><rPr><b/></rPr><t xml:space="preserve">María </t></r><r><t>Fernanda</t></r></si>' +
    '<si><t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh><phoneticPr fontId="1"/></si>' +
    '<si/>' +
    '<si><t>A&amp;B &lt;1&gt; &#128512;</t></si>' +
    '</sst>';
  const expected = ['order_id', ' José Peña Núñez ', 'María Fernanda', '東京', '', 'A&B <1> 😀'];

  it.each([1, 2, 3, 7, 64, 100_000])('reads every string, in order, from chunks of %i bytes', async (size) => {
    const table = await readSharedStrings(chunked(xml, size));
    expect(Array.from({ length: table.size }, (_, i) => table.get(i))).toEqual(expected);
  });

  it('answers undefined for an index the table does not have', async () => {
    const table = await readSharedStrings(chunked(xml, 50));
    expect([table.get(-1), table.get(6), table.get(1.5), table.get(Number.NaN)]).toEqual([undefined, undefined, undefined, undefined]);
  });
});

describe('SharedStrings', () => {
  it('keeps a million strings across many chunks', () => {
    const table = new SharedStrings();
    for (let i = 0; i < 1_000_000; i++) table.add(i % 3 === 0 ? `BENCH-${i}` : i % 3 === 1 ? `Beneficiario ñ ${i}` : '');
    expect(table.size).toBe(1_000_000);
    for (const i of [0, 1, 2, 524_287, 999_999]) expect(table.get(i)).toBe(i % 3 === 0 ? `BENCH-${i}` : i % 3 === 1 ? `Beneficiario ñ ${i}` : '');
  });

  it('keeps a string as long as Excel allows', () => {
    const table = new SharedStrings();
    const long = 'ñ'.repeat(32_767);
    table.add('a');
    table.add(long);
    table.add('b');
    expect([table.get(0), table.get(1), table.get(2)]).toEqual(['a', long, 'b']);
  });
});
