import { describe, expect, it } from 'vitest';
import type { CheckedRow } from '../domain/payout-row.ts';
import { payoutDestination } from '../domain/payout-fingerprint.ts';
import { checkedRowFingerprint as payoutFingerprint } from './dedupe-against-ledger.ts';
import { FirstSeenTable, hashOrderId } from './first-seen-table.ts';

const CLABE = '646180109400135624';

describe('FirstSeenTable', () => {
  it('records a new key and returns the first row and its fingerprint for a repeat', () => {
    const table = new FirstSeenTable();
    expect(table.getOrAdd('A-1', 2, 10_000, CLABE, 'MXN')).toBeUndefined();
    expect(table.getOrAdd('A-1', 9, 99_999, '012180001183597198', 'MXN')).toEqual({ row: 2, fingerprint: `10000|${CLABE}|MXN` });
    expect(table.size).toBe(1);
  });

  it('keeps the fingerprint in the form payoutFingerprint gives it, which the ledger compares', () => {
    const row: CheckedRow = {
      row: 7,
      status: 'valid',
      issues: [],
      input: {},
      payout: { row: 7, provider: 'digitalfemsa', orderId: 'F-1', amountMinor: 50_000, currency: 'MXN', account: { kind: 'cash_out', email: 'Ana@Example.com' }, email: 'Ana@Example.com' },
    };
    const table = new FirstSeenTable();
    const payout = row.payout!;
    table.getOrAdd(payout.orderId, row.row, payout.amountMinor, payoutDestination(payout.account), payout.currency);
    expect(table.getOrAdd(payout.orderId, 8, 1, '', 'MXN')?.fingerprint).toBe(payoutFingerprint(row));
  });

  it('keys by the order_id alone, whatever the provider, and compares order_ids exactly (case, prefixes, a shared hash)', () => {
    expect(hashOrderId('ORD-92688')).toBe(hashOrderId('ORD-290224'));
    const table = new FirstSeenTable();
    const ids = ['abc', 'ABC', 'ab', 'abc1', '1:abc', 'ORD-92688', 'ORD-290224', ''];
    ids.forEach((id, i) => expect(table.getOrAdd(id, i + 2, i, CLABE, 'MXN'), id).toBeUndefined());
    // The same order_id for another provider's payout is the same key: the first row found answers.
    expect(table.getOrAdd('abc', 50, 1, 'ruben.monitor.po', 'ARS')).toEqual({ row: 2, fingerprint: `0|${CLABE}|MXN` });
    ids.forEach((id, i) => expect(table.getOrAdd(id, 99, 0, '', ''), id).toEqual({ row: i + 2, fingerprint: `${i}|${CLABE}|MXN` }));
  });

  it('stores text beyond ASCII byte for byte', () => {
    const table = new FirstSeenTable();
    const ids = ['Peña-1', 'Pena-1', 'Peña-1 ', 'ñ', '注文-7', '😀-1', 'e\u0301'];
    ids.forEach((id, i) => expect(table.getOrAdd(id, i + 2, i, 'josé@example.com', 'MXN')).toBeUndefined());
    ids.forEach((id, i) => expect(table.getOrAdd(id, 99, 0, '', '')).toEqual({ row: i + 2, fingerprint: `${i}|josé@example.com|MXN` }));
  });

  it('finds every key again after growing through many chunks, including an entry that fills a chunk alone', () => {
    const table = new FirstSeenTable();
    const long = 'x'.repeat(300_000);
    expect(table.getOrAdd('LONG', 1, 5, long, 'MXN')).toBeUndefined();
    for (let i = 0; i < 200_000; i++) expect(table.getOrAdd(`K-${i}`, i + 2, i * 7, CLABE, 'MXN')).toBeUndefined();
    expect(table.size).toBe(200_001);
    for (let i = 0; i < 200_000; i += 997) expect(table.getOrAdd(`K-${i}`, 0, 0, '', '')).toEqual({ row: i + 2, fingerprint: `${i * 7}|${CLABE}|MXN` });
    expect(table.getOrAdd('LONG', 0, 0, '', '')).toEqual({ row: 1, fingerprint: `5|${long}|MXN` });
    expect(table.getOrAdd('K-200000', 3, 1, CLABE, 'MXN')).toBeUndefined();
    expect(table.size).toBe(200_002);
  });

  it('refuses an entry larger than a chunk', () => {
    expect(() => new FirstSeenTable().getOrAdd('A', 2, 1, 'x'.repeat(400_000), 'MXN')).toThrow(RangeError);
  });

  it('refuses a row number or an amount it cannot store', () => {
    const table = new FirstSeenTable();
    expect(() => table.getOrAdd('A', -1, 1, CLABE, 'MXN')).toThrow(RangeError);
    expect(() => table.getOrAdd('A', 2 ** 32, 1, CLABE, 'MXN')).toThrow(RangeError);
    expect(() => table.getOrAdd('A', 1.5, 1, CLABE, 'MXN')).toThrow(RangeError);
    expect(() => table.getOrAdd('A', 2, 0.5, CLABE, 'MXN')).toThrow(RangeError);
  });
});
