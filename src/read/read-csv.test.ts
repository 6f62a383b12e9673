import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RawRow } from '../domain/payout-row.ts';
import { encodingNamed } from './detect-encoding.ts';
import { CsvRecordReader } from './read-csv.ts';
import { DEFAULT_READ_LIMITS } from './read-limits.ts';

/** Everything a read gives: the header, the rows, and how it failed (code and message) if it did. */
async function readBoth(path: string, options: { encoding?: string; delimiter?: string; maxColumns?: number }) {
  const outcome = async (parseHere: boolean) => {
    const reader = new CsvRecordReader(path, {
      encoding: encodingNamed(options.encoding ?? 'utf-8'),
      delimiter: options.delimiter ?? ',',
      sepLine: false,
      limits: { ...DEFAULT_READ_LIMITS, ...(options.maxColumns ? { maxColumns: options.maxColumns } : {}) },
      parseHere,
    });
    const rows: RawRow[] = [];
    try {
      const header = await reader.peek();
      reader.drop(1);
      for await (const batch of reader.batches({ order_id: 0, amount: 1, name: 2 })) rows.push(...batch);
      return { header, rows };
    } catch (error) {
      const { code, message } = error as { code?: string; message: string };
      return { rows, error: { code, message } };
    }
  };
  return { here: await outcome(true), thread: await outcome(false) };
}

describe('CsvRecordReader on this thread and on a thread of its own', { timeout: 20_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'read-csv-'));
  // Plain for far more than the head that decides where the file is parsed, then the line under test.
  const plain = (rows: number) => ['order_id,amount,name', ...Array.from({ length: rows }, (_, i) => `P-${i},"${i}.50",Ana ${i}`)];

  it.each<[string, string, Parameters<typeof readBoth>[1]]>([
    ['plain throughout', `${plain(5000).join('\n')}\n`, {}],
    ['a quoted line break, a doubled quote and an old Mac line end deep in it', `${plain(3000).join('\r\n')}\r\nQ-1,"1.00","two\nlines"\rQ-2,"2.00","say ""hi"""\r\n${plain(3000).slice(1).join('\n')}`, {}],
    ['an unclosed quote deep in it', `${plain(4000).join('\n')}\nQ-9,"1.00","Peña, José\n${Array.from({ length: 2000 }, (_, i) => `U-${i},1.00,Ana`).join('\n')}\n`, {}],
    ['a record past the column limit deep in it', `${plain(4000).join('\n')}\nW-1,1,a,b,c,d\n`, { maxColumns: 5 }],
    ['a byte that is not UTF-8 deep in it', `${plain(4000).join('\n')}\nL-1,"1.00",Pe`, {}],
    ['Windows-1252, decoded', `${plain(4000).join('\r\n')}\r\nL-1,"1.00",Peña Ñandú\r\n`, { encoding: 'windows-1252' }],
  ])('%s: the same rows and the same error', async (name, text, options) => {
    const path = join(dir, `${name.replace(/\W+/g, '-')}.csv`);
    writeFileSync(path, name.includes('not UTF-8') ? Buffer.concat([Buffer.from(text), Buffer.from([0xf1]), Buffer.from('a\n')]) : options.encoding ? Buffer.from(text, 'latin1') : text);
    const { here, thread } = await readBoth(path, options);
    expect(here).toEqual(thread);
    expect(here.rows.length).toBeGreaterThan(2000);
    if (/quote deep|limit deep|UTF-8 deep/.test(name)) expect(here.error?.code).toMatch(/^FILE_/);
    else expect(here.error).toBeUndefined();
  });
});
