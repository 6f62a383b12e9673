import { describe, expect, it } from 'vitest';
import { MovementTable } from './movement-table.ts';
import type { Movement } from './movements.ts';

const movement = (i: number, extra: Partial<Movement> = {}): Movement => ({
  rowId: i,
  batchId: `batch-${i % 3}`,
  rowNumber: i + 1,
  provider: i % 2 === 0 ? 'openpay' : 'zenrise',
  currency: i % 2 === 0 ? 'MXN' : 'ARS',
  orderId: `ORD-${i}`,
  beneficiary: i === 7 ? 'Peña Ñandú 🙂' : `Beneficiario ${i}`,
  amountMinor: 10_000 + i,
  providerPayoutId: `tr${i}`,
  status: i % 3 === 0 ? 'paid' : i % 3 === 1 ? 'pending' : 'failed',
  debitedAt: new Date(Date.UTC(2026, 2, 2, 15, 0, i)),
  ...extra,
});

describe('MovementTable', () => {
  it('gives back every movement as it was pushed, with its row\'s texts, past a chunk of its columns', () => {
    const movements = Array.from({ length: 70_000 }, (_, i) =>
      movement(i, i % 3 === 2 ? { returned: { at: new Date(Date.UTC(2026, 2, 3, 0, 0, i)), reason: (['failed', 'expired', 'cancelled'] as const)[i % 4 % 3]! } } : {}),
    );
    const table = MovementTable.of(movements);
    expect(table.length).toBe(70_000);
    for (const i of [0, 1, 2, 7, 1023, 1024, 65_535, 65_536, 69_999]) expect(table.get(i, movements[i]!)).toEqual(movements[i]);
    expect(table.accounts()).toEqual([
      { provider: 'openpay', currency: 'MXN' },
      { provider: 'zenrise', currency: 'ARS' },
    ]);
    expect(Number.isNaN(table.returnedAtOf(0))).toBe(true);
    expect(() => table.get(70_000, movements[0]!)).toThrow(RangeError);
  });
});
