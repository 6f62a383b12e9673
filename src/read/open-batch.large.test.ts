import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import type { CanonicalField } from '../domain/payout-row.ts';
import { RunError } from '../run-error.ts';
import { openBatch } from './open-batch.ts';
import { readAll, texts } from './test-support.ts';

const REQUIRED: CanonicalField[] = ['order_id', 'amount', 'account'];
const NAMES = ['José Peña Núñez', 'María Fernanda López', 'Ñandú Güemes', 'Renée Ibáñez', 'Lucía Fernández'];

/** Enough rows that multi-byte characters straddle the reader's 64 KB chunks many times over. */
function table(rows: number, delimiter: string): string {
  const lines = [['order_id', 'clabe', 'beneficiario', 'monto'].join(delimiter)];
  for (let i = 0; i < rows; i++) lines.push([`R-${i}`, '012180001183597198', NAMES[i % NAMES.length], `${i}.50`].join(delimiter));
  return `${lines.join('\r\n')}\r\n`;
}

async function expectWholeTable(path: string, rows: number): Promise<void> {
  const read = await readAll(await openBatch(path, { requiredFields: REQUIRED }));
  expect(read).toHaveLength(rows);
  read.forEach((row, i) => {
    expect(row.row).toBe(i + 2);
    expect(texts(row)).toEqual({ order_id: `R-${i}`, account: '012180001183597198', name: NAMES[i % NAMES.length], amount: `${i}.50` });
  });
}

describe('openBatch on large files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'open-batch-large-'));
  const ROWS = 30_000;

  it('decodes UTF-8 across chunk boundaries', async () => {
    writeFileSync(join(dir, 'utf8.csv'), table(ROWS, ','));
    await expectWholeTable(join(dir, 'utf8.csv'), ROWS);
  });

  it('decodes Windows-1252 as a stream', async () => {
    writeFileSync(join(dir, 'cp1252.csv'), iconv.encode(table(ROWS, ';'), 'windows-1252'));
    await expectWholeTable(join(dir, 'cp1252.csv'), ROWS);
  });

  it('decodes UTF-16LE as a stream', async () => {
    writeFileSync(join(dir, 'utf16.txt'), Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(table(ROWS, '\t'), 'utf-16le')]));
    await expectWholeTable(join(dir, 'utf16.txt'), ROWS);
  });

  it('never turns a Windows-1252 name deep in an ASCII file into U+FFFD: decoded right, or FILE_ENCODING', async () => {
    const rows = 20_000;
    for (const at of [0.1, 0.3, 0.6, 0.9]) {
      const lines = ['order_id,clabe,beneficiario,monto'];
      for (let i = 0; i < rows; i++) lines.push(`R-${i},012180001183597198,${i === Math.floor(rows * at) ? 'José Peña' : 'Ana Lopez'},1.00`);
      const path = join(dir, `ascii-then-1252-${at}.csv`);
      writeFileSync(path, iconv.encode(`${lines.join('\n')}\n`, 'windows-1252'));
      try {
        const read = await readAll(await openBatch(path, { requiredFields: REQUIRED }));
        expect(read.map((row) => texts(row).name).filter((name) => name !== 'Ana Lopez')).toEqual(['José Peña']);
      } catch (error) {
        expect(error).toBeInstanceOf(RunError);
        expect((error as RunError).code).toBe('FILE_ENCODING');
      }
    }
  });

  it('fails with FILE_ENCODING, after the good rows, at bytes that are not UTF-8 past the sampled parts', async () => {
    const rows = 20_000;
    const lines = ['order_id,clabe,beneficiario,monto'];
    for (let i = 0; i < rows; i++) lines.push(`R-${i},012180001183597198,Ana Lopez,1.00`);
    const text = Buffer.from(`${lines.join('\n')}\n`);
    // Every sampled part is plain ASCII; one byte between them is not UTF-8 (a lone Windows-1252 "é").
    const bad = text.indexOf('R-12000,');
    text[bad + 'R-12000,012180001183597198,Ana Lop'.length] = 0xe9;
    const path = join(dir, 'one-bad-byte.csv');
    writeFileSync(path, text);
    const batch = await openBatch(path, { requiredFields: REQUIRED });
    // Row 12,000 of 20,000 lies between the pieces sampled for the encoding (around ¼, ½, ¾ and the end).
    expect(batch.encoding).toBe('utf-8');
    let read = 0;
    const reading = (async () => {
      for await (const _row of batch.rows()) read++;
    })();
    const error = await reading.then(() => undefined, (reason: unknown) => reason);
    expect(error).toBeInstanceOf(RunError);
    expect((error as RunError).code).toBe('FILE_ENCODING');
    expect(read).toBeGreaterThan(1_000);
    expect(read).toBeLessThan(12_000);
  });

  it('lets the caller stop early', async () => {
    writeFileSync(join(dir, 'stop.csv'), table(ROWS, ','));
    const batch = await openBatch(join(dir, 'stop.csv'), { requiredFields: REQUIRED });
    let count = 0;
    for await (const _row of batch.rows()) if (++count === 10) break;
    expect(count).toBe(10);
  });
});
