import { describe, expect, it } from 'vitest';
import type { CheckedRow, PayoutRow } from '../domain/payout-row.ts';
import { createInFileDeduper, hashOrderId } from './dedupe-in-file.ts';

const CLABE_A = '646180109400135624';
const CLABE_B = '012298026516924616';

function valid(row: number, orderId: string, overrides: Partial<PayoutRow> = {}): CheckedRow {
  const payout: PayoutRow = {
    row,
    provider: 'openpay',
    orderId,
    amountMinor: 10000,
    currency: 'MXN',
    account: { kind: 'clabe', number: CLABE_A, bankCode: '646' },
    name: 'Ana',
    ...overrides,
  };
  return { row, status: 'valid', payout, issues: [], input: { orderId } };
}

function invalid(row: number, orderId: string): CheckedRow {
  return {
    row,
    status: 'invalid',
    issues: [{ code: 'CLABE_CHECKSUM', severity: 'error', row, field: 'account', message: 'bad' }],
    input: { orderId },
  };
}

const summary = (checked: CheckedRow) => ({ row: checked.row, status: checked.status, codes: checked.issues.map((i) => i.code) });

describe('createInFileDeduper', () => {
  it('passes distinct keys through unchanged', () => {
    const deduper = createInFileDeduper();
    const a = valid(2, 'A');
    expect(deduper.check(a)).toBe(a);
    expect(deduper.check(valid(3, 'B')).status).toBe('valid');
    expect(deduper.lateConflicts().size).toBe(0);
  });

  it('marks an identical repeat duplicate, naming the first row, and keeps the first valid', () => {
    const deduper = createInFileDeduper({ orderIdColumn: 'Referencia' });
    expect(deduper.check(valid(2, 'A')).status).toBe('valid');
    const repeat = deduper.check(valid(5, 'A', { name: 'Another name' }));
    expect(repeat.status).toBe('duplicate');
    expect(repeat.payout).toBeDefined();
    expect(repeat.issues).toHaveLength(1);
    expect(repeat.issues[0]).toMatchObject({ code: 'DUPLICATE_ORDER_ID', severity: 'error', row: 5, field: 'order_id', column: 'Referencia' });
    expect(repeat.issues[0]!.message).toContain('2');
    expect(deduper.lateConflicts().size).toBe(0);
  });

  it.each([
    ['amount', { amountMinor: 10001 }],
    ['account', { account: { kind: 'clabe', number: CLABE_B, bankCode: '012' } }],
  ] as const)('makes a repeat with a different %s a conflict, and the earlier row a late conflict', (_, overrides) => {
    const deduper = createInFileDeduper();
    expect(deduper.check(valid(2, 'A')).status).toBe('valid');
    const later = deduper.check(valid(9, 'A', overrides));
    expect(summary(later)).toEqual({ row: 9, status: 'conflict', codes: ['CONFLICTING_ORDER_ID'] });
    expect(later.issues[0]!.message).toContain('row 2');

    const late = deduper.lateConflicts();
    expect([...late.keys()]).toEqual([2]);
    expect(late.get(2)).toMatchObject({
      issue: { code: 'CONFLICTING_ORDER_ID', severity: 'error', row: 2, field: 'order_id' },
      previousStatus: 'valid',
      currency: 'MXN',
      amountMinor: 10000, // the first row's amount, as tallied when it was returned
    });
    expect(late.get(2)!.issue.message).toContain('row 9');
  });

  it('makes a repeat with a different currency a conflict', () => {
    // Each provider pays in one currency, so validateRow never yields this; the fingerprint still compares it.
    const deduper = createInFileDeduper();
    deduper.check(valid(2, 'A'));
    expect(deduper.check(valid(3, 'A', { currency: 'ARS' })).status).toBe('conflict');
  });

  it('three-way: valid, duplicate, then a differing row turns all of them into conflicts, and later ones too', () => {
    const deduper = createInFileDeduper();
    const results = [
      deduper.check(valid(2, 'A')),
      deduper.check(valid(3, 'A')),
      deduper.check(valid(4, 'B')),
      deduper.check(valid(5, 'A', { amountMinor: 20000 })),
      deduper.check(valid(6, 'A')), // identical to the first, but the key is already in conflict
    ];
    expect(results.map(summary)).toEqual([
      { row: 2, status: 'valid', codes: [] },
      { row: 3, status: 'duplicate', codes: ['DUPLICATE_ORDER_ID'] },
      { row: 4, status: 'valid', codes: [] },
      { row: 5, status: 'conflict', codes: ['CONFLICTING_ORDER_ID'] },
      { row: 6, status: 'conflict', codes: ['CONFLICTING_ORDER_ID'] },
    ]);
    const late = deduper.lateConflicts();
    expect([...late.keys()].sort()).toEqual([2, 3]);
    expect(late.get(2)?.previousStatus).toBe('valid');
    expect(late.get(3)?.previousStatus).toBe('duplicate');
    // The late issue names every other row of the key, those after the conflict included.
    expect(late.get(2)!.issue.message).toMatch(/rows 3, 5, 6\b/);
    expect(late.get(3)!.issue.message).toMatch(/rows 2, 5, 6\b/);
  });

  it('one key per order_id across providers: the same payout routed to another provider is a duplicate, another one a conflict', () => {
    const deduper = createInFileDeduper();
    deduper.check(valid(2, 'A'));
    expect(deduper.check(valid(3, 'A', { provider: 'conekta' })).status).toBe('duplicate');
    expect(deduper.check(valid(4, 'A', { provider: 'conekta', amountMinor: 999 })).status).toBe('conflict');
  });

  it('compares order_ids exactly, including two that share a hash bucket', () => {
    // Found by search: these two order_ids have the same 30-bit hash.
    expect(hashOrderId('ORD-92688')).toBe(hashOrderId('ORD-290224'));
    const deduper = createInFileDeduper();
    expect(deduper.check(valid(2, 'ORD-92688')).status).toBe('valid');
    expect(deduper.check(valid(3, 'ORD-290224', { amountMinor: 1 })).status).toBe('valid');
    expect(deduper.check(valid(4, 'ORD-290224', { amountMinor: 1 })).status).toBe('duplicate');
    expect(deduper.check(valid(5, 'ORD-92688', { amountMinor: 2 })).status).toBe('conflict');
    expect([...deduper.lateConflicts().keys()]).toEqual([2]);
  });

  it('tells apart order_ids that differ only in case or by a prefix', () => {
    const deduper = createInFileDeduper();
    for (const [row, id] of [[2, 'abc'], [3, 'ABC'], [4, 'ab'], [5, 'abc1'], [6, '1:abc']] as const) {
      expect(deduper.check(valid(row, id)).status, id).toBe('valid');
    }
  });

  it('lets invalid rows take no part: they hold no key and are not marked', () => {
    const deduper = createInFileDeduper();
    const bad = invalid(2, 'A');
    expect(deduper.check(bad)).toBe(bad);
    // The first valid row with the key is payable even though an invalid row used the key before it.
    expect(deduper.check(valid(3, 'A')).status).toBe('valid');
    // An invalid repeat after a valid row neither becomes a duplicate nor puts the key in conflict.
    expect(deduper.check(invalid(4, 'A')).status).toBe('invalid');
    expect(deduper.check(valid(5, 'A')).status).toBe('duplicate');
    expect(deduper.lateConflicts().size).toBe(0);
  });

  it('names at most ten rows in a message', () => {
    const deduper = createInFileDeduper();
    for (let row = 2; row < 40; row++) deduper.check(valid(row, 'A'));
    const conflict = deduper.check(valid(40, 'A', { amountMinor: 1 }));
    expect(conflict.issues[0]!.message).toMatch(/rows 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and 28 more/);
    expect(deduper.lateConflicts().get(2)!.issue.message).toMatch(/rows 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 and 28 more/);
  });

  it('uses the customer email as the destination of a cash-out, as the ledger does', () => {
    const deduper = createInFileDeduper();
    const femsa = (row: number, email: string) =>
      valid(row, 'F', { provider: 'digitalfemsa', account: { kind: 'cash_out', email }, email });
    deduper.check(femsa(2, 'ana@example.com'));
    expect(deduper.check(femsa(3, 'ana@example.com')).status).toBe('duplicate');
    expect(deduper.check(femsa(4, 'luis@example.com')).status).toBe('conflict');
  });
});

describe('replay: a second pass over the same file', () => {
  it('gives every row the verdict and issue check gave it, without a second table', () => {
    const rows = [
      valid(2, 'A'),
      valid(3, 'B'),
      valid(4, 'A'), // duplicate of 2
      invalid(5, 'A'),
      valid(6, 'C'),
      valid(7, 'A', { amountMinor: 999 }), // conflict: rows 2 and 4 become late conflicts
      valid(8, 'A'), // conflict (the key is in conflict)
      valid(9, 'C'), // duplicate of 6
      valid(10, 'D'),
    ];
    const deduper = createInFileDeduper({ orderIdColumn: 'order_id' });
    const first = rows.map((r) => deduper.check(r));
    const late = deduper.lateConflicts();
    const again = rows.map((r) => deduper.replay(r));
    expect(again).toEqual(first);
    expect(again.map((r) => r.status)).toEqual(['valid', 'valid', 'duplicate', 'invalid', 'valid', 'conflict', 'conflict', 'duplicate', 'valid']);
    expect([...late.keys()].sort((a, b) => a - b)).toEqual([2, 4]);
    // Replaying adds nothing: the late conflicts are the same afterwards.
    expect(deduper.lateConflicts()).toEqual(late);
  });

  it('names at most ten rows in a conflict replayed far into a key repeated throughout', () => {
    const deduper = createInFileDeduper();
    const rows = [valid(2, 'K'), ...Array.from({ length: 30 }, (_, i) => valid(3 + i, 'K', { amountMinor: 1 + i }))];
    const first = rows.map((r) => deduper.check(r));
    expect(rows.map((r) => deduper.replay(r))).toEqual(first);
  });
});
