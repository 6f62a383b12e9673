import { describe, expect, it } from 'vitest';
import { parseCurrency } from './parse-currency.ts';

describe('parseCurrency', () => {
  it.each([
    ['MXN', 'MXN'],
    ['mxn', 'MXN'],
    [' Ars ', 'ARS'],
  ])('reads %j as %s', (raw, currency) => {
    expect(parseCurrency(raw)).toBe(currency);
  });

  it.each(['$', 'USD', 'pesos', 'MX$', ''])('does not recognise %j', (raw) => {
    expect(parseCurrency(raw)).toBeUndefined();
  });
});
