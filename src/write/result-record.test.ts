import { describe, expect, it } from 'vitest';
import type { ResultRow } from '../domain/result-row.ts';
import { csvLine } from './csv-line.ts';
import { resultLine, resultRecord } from './result-record.ts';

const base: ResultRow = {
  row: 2,
  order_id: 'ORD-1',
  provider: 'openpay',
  status: 'valid',
  error_code: '',
  error_message: '',
  warning: '',
  amount: '1234.56',
  currency: 'MXN',
  account: '012***********7897',
  name: 'José Peña',
  provider_id: '',
  provider_status: '',
  attempts: '',
  note: '',
  updated_at: '',
};

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
