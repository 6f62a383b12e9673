import { describe, expect, it } from 'vitest';
import { FirstSeenTable, hashOrderId } from './first-seen-table.ts';

describe('FirstSeenTable', () => {
  it('records a new key and returns the first row and fingerprint for a repeat', () => {
    const table = new FirstSeenTable();
    expect(table.getOrAdd('openpay', 'A-1', 2, '100|646180109400135624|MXN')).toBeUndefined();
    expect(table.getOrAdd('openpay', 'A-1', 9, '999|012180001183597198|MXN')).toEqual({ row: 2, fingerprint: '100|646180109400135624|MXN' });
    expect(table.size).toBe(1);
  });

  it('keeps providers apart and compares order_ids exactly (case, prefixes, a shared hash)', () => {
    expect(hashOrderId('ORD-92688')).toBe(hashOrderId('ORD-290224'));
    const table = new FirstSeenTable();
    const ids = ['abc', 'ABC', 'ab', 'abc1', '1:abc', 'ORD-92688', 'ORD-290224', ''];
    ids.forEach((id, i) => expect(table.getOrAdd('openpay', id, i + 2, `f${i}`), id).toBeUndefined());
    expect(table.getOrAdd('zenrise', 'abc', 50, 'z')).toBeUndefined();
    ids.forEach((id, i) => expect(table.getOrAdd('openpay', id, 99, 'x'), id).toEqual({ row: i + 2, fingerprint: `f${i}` }));
    expect(table.getOrAdd('zenrise', 'abc', 51, 'x')).toEqual({ row: 50, fingerprint: 'z' });
  });

  it('stores text beyond ASCII byte for byte', () => {
    const table = new FirstSeenTable();
    const ids = ['Peña-1', 'Pena-1', 'Peña-1 ', 'ñ', '注文-7', '😀-1', 'e\u0301'];
    ids.forEach((id, i) => expect(table.getOrAdd('conekta', id, i + 2, `${i}|josé@example.com|MXN`)).toBeUndefined());
    ids.forEach((id, i) => expect(table.getOrAdd('conekta', id, 99, '')).toEqual({ row: i + 2, fingerprint: `${i}|josé@example.com|MXN` }));
  });

  it('finds every key again after growing through many chunks, including entries larger than a chunk', () => {
    const table = new FirstSeenTable();
    const long = 'x'.repeat(600_000);
    expect(table.getOrAdd('digitalfemsa', 'LONG', 1, long)).toBeUndefined();
    for (let i = 0; i < 200_000; i++) expect(table.getOrAdd('openpay', `K-${i}`, i + 2, `${i * 7}|646180109400135624|MXN`)).toBeUndefined();
    expect(table.size).toBe(200_001);
    for (let i = 0; i < 200_000; i += 997) expect(table.getOrAdd('openpay', `K-${i}`, 0, '')).toEqual({ row: i + 2, fingerprint: `${i * 7}|646180109400135624|MXN` });
    expect(table.getOrAdd('digitalfemsa', 'LONG', 0, '')).toEqual({ row: 1, fingerprint: long });
    expect(table.getOrAdd('openpay', 'K-200000', 3, 'new')).toBeUndefined();
    expect(table.size).toBe(200_002);
  });

  it('refuses a row number it cannot store', () => {
    const table = new FirstSeenTable();
    expect(() => table.getOrAdd('openpay', 'A', -1, 'f')).toThrow(RangeError);
    expect(() => table.getOrAdd('openpay', 'A', 2 ** 32, 'f')).toThrow(RangeError);
    expect(() => table.getOrAdd('openpay', 'A', 1.5, 'f')).toThrow(RangeError);
  });
});
