import { describe, expect, it } from 'vitest';
import { planTotals } from '../plan/plan-batch.ts';
import { addMinor, formatMinor, sumMinor } from './money.ts';

describe('money totals', () => {
  it('adds integer minor units exactly', () => {
    expect(addMinor(10, 5)).toBe(15);
    expect(sumMinor([1, 2, 3])).toBe(6);
  });

  it('refuses a total past 2^53 instead of losing a centavo', () => {
    expect(() => addMinor(Number.MAX_SAFE_INTEGER, 1)).toThrow(TypeError);
    expect(() => sumMinor([Number.MAX_SAFE_INTEGER - 1, 1, 1])).toThrow(TypeError);
  });

  it('plan totals go through the checked sum', () => {
    const fee = { fixedMinor: 0, percentBps: 0, ivaBps: 0 };
    const fees = { openpay: fee, conekta: fee, digitalfemsa: fee, zenrise: fee };
    const big = Number.MAX_SAFE_INTEGER - 10;
    expect(() => planTotals([{ provider: 'openpay', currency: 'MXN', amountMinor: big }, { provider: 'openpay', currency: 'MXN', amountMinor: big }], fees)).toThrow(TypeError);
  });
});

describe('formatMinor', () => {
  it('writes every safe integer exactly, as integer division would', () => {
    const M = Number.MAX_SAFE_INTEGER;
    for (const minor of [0, 5, -5, 100, -100, 123_456, 99_999_999_999_999, M, M - 1, M - 99, -M]) {
      const abs = BigInt(Math.abs(minor));
      expect(formatMinor(minor)).toBe(`${minor < 0 ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`);
    }
  });
});
