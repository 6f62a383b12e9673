import { describe, expect, it } from 'vitest';
import { amountNumFmt, formatMinorGrouped, isCanonicalAmount, spreadsheetAmount } from './format-amount.ts';

describe('formatMinorGrouped', () => {
  it.each([
    [0, '0.00'],
    [5, '0.05'],
    [99999, '999.99'],
    [100000, '1,000.00'],
    [123456789, '1,234,567.89'],
    [-123456789, '-1,234,567.89'],
    [-5, '-0.05'],
    [900719925474099, '9,007,199,254,740.99'],
  ])('%d → %s', (minor, text) => {
    expect(formatMinorGrouped(minor)).toBe(text);
  });

  it('refuses a float', () => {
    expect(() => formatMinorGrouped(1.5)).toThrow(TypeError);
  });
});

describe('spreadsheetAmount', () => {
  it('divides integer cents once, giving the double nearest the decimal', () => {
    expect(spreadsheetAmount('1234.56')).toBe(1234.56);
    expect(spreadsheetAmount('0.07')).toBe(0.07);
    expect(spreadsheetAmount('-12.50')).toBe(-12.5);
    // 0.1 + 0.2 style drift would show here if the value were built by adding floats.
    expect(spreadsheetAmount('0.30')).toBe(0.3);
  });

  it('refuses anything but our canonical form', () => {
    expect(isCanonicalAmount('1,234.56')).toBe(false);
    expect(isCanonicalAmount('1234.5')).toBe(false);
    expect(() => spreadsheetAmount('1234.5')).toThrow(TypeError);
  });
});

describe('amountNumFmt', () => {
  it('names the currency, since MXN and ARS both write "$"', () => {
    expect(amountNumFmt('MXN')).toContain('[$MXN]');
    expect(amountNumFmt('ARS')).toContain('[$ARS]');
    expect(amountNumFmt('')).toBe('#,##0.00;[Red]-#,##0.00');
  });
});
