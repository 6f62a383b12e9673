import { describe, expect, it } from 'vitest';
import { RowIdSet } from './row-id-set.ts';

describe('RowIdSet', () => {
  it('holds the ids added, each once, across growth', () => {
    const set = new RowIdSet();
    for (const id of [1, 7, 8, 8, 100_000, 0]) set.add(id);
    expect(set.size).toBe(5);
    expect([0, 1, 7, 8, 100_000].every((id) => set.has(id))).toBe(true);
    expect([2, 9, 99_999, 100_001, 10_000_000].some((id) => set.has(id))).toBe(false);
  });

  it('refuses an id that is not a row id', () => {
    const set = new RowIdSet();
    for (const id of [-1, 1.5, Number.NaN, 2 ** 32]) expect(() => set.add(id)).toThrow(RangeError);
  });
});
