import { describe, expect, it } from 'vitest';
import { payoutFee } from './fees.ts';

describe('payout fee', () => {
  it('adds the fixed fee and IVA on it', () => {
    expect(payoutFee(125_000, { fixedMinor: 800, percentBps: 0, ivaBps: 1600 })).toEqual({ feeMinor: 800, ivaMinor: 128 });
  });

  it('rounds the percent part and the IVA half up to the centavo', () => {
    // 0.5 % of 999.99 = 4.99995 → 5.00; IVA 21 % of 5.00 = 1.05
    expect(payoutFee(99_999, { fixedMinor: 0, percentBps: 50, ivaBps: 2100 })).toEqual({ feeMinor: 500, ivaMinor: 105 });
    // 0.5 % of 1.01 = 0.00505 → 0.01
    expect(payoutFee(101, { fixedMinor: 0, percentBps: 50, ivaBps: 0 })).toEqual({ feeMinor: 1, ivaMinor: 0 });
  });

  it('stays exact for amounts far beyond float-safe products', () => {
    const { feeMinor } = payoutFee(900_719_925_474_099, { fixedMinor: 0, percentBps: 9_999, ivaBps: 0 });
    expect(feeMinor).toBe(900_629_853_481_552);
  });
});
