import { describe, expect, it } from 'vitest';
import { SAMPLE_RESULT_ROW } from '../../test/support/result-row.ts';
import type { ResultRow } from '../domain/result-row.ts';
import { csvLine } from './csv-line.ts';
import { resultLine, resultRecord } from './result-record.ts';

const base: ResultRow = SAMPLE_RESULT_ROW;

describe('resultLine', () => {
  it.each<Partial<ResultRow>>([
    {},
    { name: 'Peña, José', note: 'dijo "hola"' },
    { order_id: '=HYPERLINK("x")', name: 'a;+1', error_message: 'line1\nline2', warning: 'A;B' },
    { amount: '1,5', attempts: 3, provider_id: '\t=1' },
    { status: 'invalid', error_code: 'CLABE_CHECKSUM;AMOUNT_FORMAT', error_message: 'bad; worse', updated_at: '2026-01-02T03:04:05Z' },
  ])('writes the line csvLine(resultRecord(row)) writes, for %j', (change) => {
    const row = { ...base, ...change };
    expect(resultLine(row)).toBe(csvLine(resultRecord(row)));
  });

  it('refuses a row number that is not an integer, as resultRecord does', () => {
    expect(() => resultLine({ ...base, row: 1.5 })).toThrow(TypeError);
  });
});
