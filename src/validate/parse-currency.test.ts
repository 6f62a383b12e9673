import { describe, expect, it } from 'vitest';
import { parseCurrency } from './parse-currency.ts';

describe('parseCurrency', () => {
  it.each([
    ['MXN', 'MXN'],
    ['mxn', 'MXN'],
    [' Ars ', 'ARS'],
    ['MX$', 'MXN'],
    ['ar$', 'ARS'],
  ])('reads %j as %s', (raw, currency) => {
    expect(parseCurrency(raw)).toBe(currency);
  });

  it('reads a bare $ as the peso of the provider\'s country, and as nothing without one', () => {
    expect(parseCurrency(' $ ', 'MXN')).toBe('MXN');
    expect(parseCurrency('$', 'ARS')).toBe('ARS');
    expect(parseCurrency('$')).toBeUndefined();
  });

  it.each(['USD', 'US$', 'pesos', '$$', ''])('does not recognise %j', (raw) => {
    expect(parseCurrency(raw, 'MXN')).toBeUndefined();
  });
});
