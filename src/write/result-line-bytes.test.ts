import { describe, expect, it } from 'vitest';
import { SAMPLE_RESULT_ROW } from '../../test/support/result-row.ts';
import type { ResultRow } from '../domain/result-row.ts';
import { resultLineBound, writeResultLine } from './result-line-bytes.ts';
import { resultLine } from './result-record.ts';

const base: ResultRow = SAMPLE_RESULT_ROW;

function written(row: ResultRow): string {
  const bytes = Buffer.alloc(resultLineBound(row) + 8, 0xff);
  const end = writeResultLine(bytes, 4, row);
  expect(end - 4).toBeLessThanOrEqual(resultLineBound(row));
  return bytes.toString('utf8', 4, end);
}

describe('writeResultLine', () => {
  it.each<Partial<ResultRow>>([
    {},
    { name: 'Peña, José', note: 'dijo "hola"' },
    { order_id: '=HYPERLINK("x")', name: 'a;+1', error_message: 'line1\nline2', warning: 'A;B' },
    { amount: '1,5', attempts: 3, provider_id: '\t=1' },
    { amount: '-12.50', order_id: '-12.50', name: '@x', note: '+1', account: '' },
    { status: 'invalid', error_code: 'CLABE_CHECKSUM;AMOUNT_FORMAT', error_message: 'bad; worse', updated_at: '2026-01-02T03:04:05Z' },
    { name: '😀"=1', note: '\r\n', row: 1_000_001 },
  ])('writes the bytes of resultLine(row) and a newline, for %j', (change) => {
    const row = { ...base, ...change };
    expect(written(row)).toBe(`${resultLine(row)}\n`);
  });

  it('agrees with resultLine for any mix of delimiters, quotes, line breaks, triggers and non-ASCII text', () => {
    const alphabet = ['a', 'ñ', ' ', ',', '"', '\n', '\r', ';', "'", '=', '+', '-', '@', '\t', '😀', '0', '注'];
    let seed = 3;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed;
    };
    const text = () => Array.from({ length: next() % 9 }, () => alphabet[next() % alphabet.length]).join('');
    for (let n = 0; n < 2000; n++) {
      const row: ResultRow = { ...base, order_id: text(), name: text(), error_message: text(), amount: text(), note: text(), account: text() };
      expect(written(row), JSON.stringify(row)).toBe(`${resultLine(row)}\n`);
    }
  });

  it('refuses an attempts count that is not an integer, as resultLine does', () => {
    expect(() => writeResultLine(Buffer.alloc(1024), 0, { ...base, attempts: 1.5 })).toThrow(TypeError);
  });
});
