import { describe, expect, it } from 'vitest';
import { decimalToMinorExact, jsonWithDecimalAmount } from './decimal-json.ts';

describe('jsonWithDecimalAmount', () => {
  it.each([
    [1, '0.01'],
    [1050, '10.50'],
    [100, '1.00'],
    [9_999_999_999, '99999999.99'],
  ])('%i → "amount":%s', (minor, text) => {
    const body = jsonWithDecimalAmount(minor, { a: 'x' });
    expect(body).toBe(`{"amount":${text},"a":"x"}`);
    expect(JSON.parse(body)).toEqual({ amount: Number(text), a: 'x' });
  });

  it('writes an amount-only body', () => {
    expect(jsonWithDecimalAmount(5, {})).toBe('{"amount":0.05}');
  });

  it('refuses a bad amount or a second amount', () => {
    expect(() => jsonWithDecimalAmount(0, {})).toThrow(RangeError);
    expect(() => jsonWithDecimalAmount(1.5, {})).toThrow(RangeError);
    expect(() => jsonWithDecimalAmount(1, { amount: 2 })).toThrow(TypeError);
  });
});

describe('decimalToMinorExact', () => {
  it.each([
    [10.5, 1050],
    [1500.5, 150050],
    ['1500.50', 150050],
    [0.29, 29],
    [1.15, 115],
    [99999999.99, 9_999_999_999],
    [1000000, 100_000_000],
  ])('%s → %i', (value, minor) => {
    expect(decimalToMinorExact(value)).toBe(minor);
  });

  it.each([1.005, '1,5', '', null, 1e21, Number.POSITIVE_INFINITY, '1e2'])('refuses %s', (value) => {
    expect(decimalToMinorExact(value)).toBeUndefined();
  });
});
