import { describe, expect, it } from 'vitest';
import { decimalToMinor } from './money-text.ts';

describe('decimalToMinor', () => {
  it.each([
    ['100.00', 10000],
    ['10.50', 1050],
    ['10.5', 1050],
    ['0.01', 1],
    ['10.500', 1050],
    ['1e2', 10000],
    ['1.5E1', 1500],
    ['12345678901234.56', 1234567890123456],
  ])('reads pesos %s exactly as %i cents', (text, minor) => {
    expect(decimalToMinor(text, 2)).toEqual({ minor });
  });

  it.each([
    ['10.555', 'decimals'],
    ['10.10000000000000001', 'decimals'],
    ['0.001', 'decimals'],
    ['0', 'not_positive'],
    ['-5.00', 'not_positive'],
    ['abc', 'format'],
    ['1,5', 'format'],
    ['', 'format'],
    ['99999999999999999', 'too_large'],
  ])('rejects pesos %s as %s', (text, issue) => {
    expect(decimalToMinor(text, 2)).toEqual({ issue });
  });

  it('reads whole cents for providers whose wire unit is cents', () => {
    expect(decimalToMinor('50000', 0)).toEqual({ minor: 50000 });
    expect(decimalToMinor('500.5', 0)).toEqual({ issue: 'decimals' });
  });
});
