import { describe, expect, it } from 'vitest';
import { RowIdBits } from './row-id-bits.ts';

describe('RowIdBits', () => {
  it('holds the ids added, each once, across growths', () => {
    const bits = new RowIdBits();
    const ids = [1, 7, 8, 9, 65_535, 65_536, 1_000_003, 2 ** 40 + 5, 7];
    for (const id of ids) bits.add(id);
    expect(bits.size).toBe(new Set(ids).size);
    for (const id of ids) expect(bits.has(id)).toBe(true);
    for (const id of [0, 2, 10, 65_534, 1_000_002, 5_000_000, 2 ** 40 + 4, -1, 1.5]) expect(bits.has(id)).toBe(false);
    expect(() => bits.add(1.5)).toThrow(RangeError);
  });
});
