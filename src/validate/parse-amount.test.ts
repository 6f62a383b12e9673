import { describe, expect, it } from 'vitest';
import { amountFromNumber, MAX_AMOUNT_MINOR, parseAmountCell, parseAmountText } from './parse-amount.ts';

const ok = (minor: number) => ({ ok: true, minor });
const fail = (code: string) => ({ ok: false, code });

describe('parseAmountText, MXN (1,234.56)', () => {
  it.each([
    ['1,234.56', 123456],
    ['$2,500.00', 250000],
    ['$ 99.90', 9990],
    [' 10.5 ', 1050],
    ['1234', 123400],
    ['MXN 1,234.50', 123450],
    ['1,234.50 mxn', 123450],
    ['12,345', 1234500], // comma thousands: the normal MXN reading
    ['1,000,000', 100000000],
    ['0.01', 1],
    ['007.5', 750],
    ['+5', 500],
    ['999,999,999,999.99', MAX_AMOUNT_MINOR],
    ['999999999999.99', 99_999_999_999_999],
  ])('reads %j as %d', (text, minor) => {
    expect(parseAmountText(text, 'MXN')).toEqual(ok(minor));
  });

  it.each([
    ['', 'AMOUNT_MISSING'],
    ['   ', 'AMOUNT_MISSING'],
    ['0', 'AMOUNT_NOT_POSITIVE'],
    ['0.00', 'AMOUNT_NOT_POSITIVE'],
    ['-5', 'AMOUNT_NOT_POSITIVE'],
    ['(5.00)', 'AMOUNT_NOT_POSITIVE'],
    ['($5.00)', 'AMOUNT_NOT_POSITIVE'],
    ['-$5', 'AMOUNT_NOT_POSITIVE'],
    ['$-5', 'AMOUNT_NOT_POSITIVE'],
    ['\u22125', 'AMOUNT_NOT_POSITIVE'], // a typographic minus
    ['12.345', 'AMOUNT_DECIMALS'],
    ['10.005', 'AMOUNT_DECIMALS'],
    ['1.5001', 'AMOUNT_DECIMALS'],
    ['10.500', 'AMOUNT_DECIMALS'],
    ['1000000000000', 'AMOUNT_TOO_LARGE'],
    ['1,000,000,000,000.00', 'AMOUNT_TOO_LARGE'],
    ['1.500,00', 'AMOUNT_FORMAT'], // the ARS style
    ['1,23,4.00', 'AMOUNT_FORMAT'],
    ['1,2345', 'AMOUNT_FORMAT'],
    ['12,34', 'AMOUNT_FORMAT'],
    ['1,000,00', 'AMOUNT_FORMAT'],
    ['0,500', 'AMOUNT_FORMAT'], // a group that starts with 0 is not a thousands group
    ['1.2.3', 'AMOUNT_FORMAT'],
    ['.50', 'AMOUNT_FORMAT'],
    ['5.', 'AMOUNT_FORMAT'],
    ['1e3', 'AMOUNT_FORMAT'],
    ['1.5E+3', 'AMOUNT_FORMAT'],
    ['12 345', 'AMOUNT_FORMAT'],
    ['abc', 'AMOUNT_FORMAT'],
    ['mil pesos', 'AMOUNT_FORMAT'],
    ['$', 'AMOUNT_FORMAT'],
    ['--5', 'AMOUNT_FORMAT'],
    ['-$-5', 'AMOUNT_FORMAT'],
    ['(-5)', 'AMOUNT_FORMAT'],
    ['USD 5', 'AMOUNT_FORMAT'],
    ['ARS 5', 'AMOUNT_FORMAT'], // another currency's code
    ['MXN 5 MXN', 'AMOUNT_FORMAT'],
  ])('rejects %j with %s', (text, code) => {
    expect(parseAmountText(text, 'MXN')).toEqual(fail(code));
  });
});

describe('parseAmountText, ARS (1.234,56)', () => {
  it.each([
    ['1.234,56', 123456],
    ['2500,50', 250050],
    ['2500,5', 250050],
    ['2500', 250000],
    ['1.500,00', 150000],
    ['$ 1.500,00', 150000],
    ['1.500.000', 150000000], // two thousands groups cannot be decimals
    ['ARS 2500', 250000],
    ['0,01', 1],
  ])('reads %j as %d', (text, minor) => {
    expect(parseAmountText(text, 'ARS')).toEqual(ok(minor));
  });

  it.each([
    ['12,345', 'AMOUNT_FORMAT'], // ambiguous: 12.345 by ARS rules, 12345 to an MXN eye
    ['1.500', 'AMOUNT_FORMAT'], // ambiguous: 1500 by ARS rules, 1.5 to an MXN eye
    ['$ 1.500', 'AMOUNT_FORMAT'],
    ['1,234.56', 'AMOUNT_FORMAT'], // the MXN style
    ['1.50', 'AMOUNT_FORMAT'],
    ['1.23.456,00', 'AMOUNT_FORMAT'],
    ['MXN 2500', 'AMOUNT_FORMAT'],
    ['12,3456', 'AMOUNT_DECIMALS'],
    ['-2500,50', 'AMOUNT_NOT_POSITIVE'],
    ['0,00', 'AMOUNT_NOT_POSITIVE'],
    ['1.000.000.000.000', 'AMOUNT_TOO_LARGE'],
  ])('rejects %j with %s', (text, code) => {
    expect(parseAmountText(text, 'ARS')).toEqual(fail(code));
  });
});

describe('parseAmountText is exact', () => {
  it('round-trips 5,000 amounts up to the limit written both ways, grouped and plain', () => {
    let seed = 7;
    const next = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed;
    };
    const group = (digits: string, sep: string): string => digits.replace(/\B(?=(\d{3})+$)/g, sep);
    for (let i = 0; i < 5000; i++) {
      // Build the integer from digit strings so that the expected value never passes through a float either.
      const length = 1 + (next() % 14);
      const digits = String(1 + (next() % 9)) + Array.from({ length: length - 1 }, () => next() % 10).join('');
      const minor = Number(digits);
      const whole = digits.length > 2 ? digits.slice(0, -2) : '0';
      const cents = digits.padStart(3, '0').slice(-2);
      expect(parseAmountText(`${group(whole, ',')}.${cents}`, 'MXN')).toEqual(ok(minor));
      expect(parseAmountText(`${whole}.${cents}`, 'MXN')).toEqual(ok(minor));
      expect(parseAmountText(`${group(whole, '.')},${cents}`, 'ARS')).toEqual(ok(minor));
      expect(parseAmountText(`${whole},${cents}`, 'ARS')).toEqual(ok(minor));
    }
  });
});

describe('amountFromNumber (XLSX numeric cells)', () => {
  it.each([
    [0.1 + 0.2, 30], // 0.30000000000000004
    [1.1 * 1.1, 121], // 1.2100000000000002
    [[0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1].reduce((a, b) => a + b), 100], // 0.9999999999999999
    [1234.5, 123450],
    [2500, 250000],
    [0.01, 1],
    [1.15, 115], // 1.15 × 100 = 114.99999999999999
    [999999999999.99, 99_999_999_999_999],
    [123456789012.34, 12_345_678_901_234],
  ])('reads %d as %d', (value, minor) => {
    expect(amountFromNumber(value)).toEqual(ok(minor));
  });

  it.each([
    [10.005, 'AMOUNT_DECIMALS'],
    [0.001, 'AMOUNT_DECIMALS'],
    [1.234, 'AMOUNT_DECIMALS'],
    [123456789012.345, 'AMOUNT_DECIMALS'],
    [0, 'AMOUNT_NOT_POSITIVE'],
    [-0, 'AMOUNT_NOT_POSITIVE'],
    [-5, 'AMOUNT_NOT_POSITIVE'],
    [1e-9, 'AMOUNT_NOT_POSITIVE'],
    [1e15, 'AMOUNT_TOO_LARGE'],
    [Number.NaN, 'AMOUNT_FORMAT'],
    [Number.POSITIVE_INFINITY, 'AMOUNT_FORMAT'],
  ])('rejects %d with %s', (value, code) => {
    expect(amountFromNumber(value)).toEqual(fail(code));
  });
});

describe('parseAmountCell', () => {
  it('reads a numeric cell by its value, not its displayed text', () => {
    expect(parseAmountCell({ type: 'number', text: '$1,234.50', number: 1234.5 }, 'MXN')).toEqual(ok(123450));
    expect(parseAmountCell({ type: 'number', text: '1234.5', number: 1234.5 }, 'ARS')).toEqual(ok(123450));
  });

  it('reads a formula by its result text, as if typed', () => {
    expect(parseAmountCell({ type: 'formula', text: '1,234.50', formula: 'SUM(B2:B3)' }, 'MXN')).toEqual(ok(123450));
    expect(parseAmountCell({ type: 'formula', text: '1.234,50', formula: 'SUM(B2:B3)' }, 'ARS')).toEqual(ok(123450));
    expect(parseAmountCell({ type: 'formula', text: '#VALUE!', formula: 'B2*C2' }, 'MXN')).toEqual(fail('AMOUNT_FORMAT'));
  });

  it('refuses a date, a boolean and a missing cell with their own codes', () => {
    expect(parseAmountCell({ type: 'date', text: '2025-03-04' }, 'MXN')).toEqual(fail('AMOUNT_IS_DATE'));
    expect(parseAmountCell({ type: 'boolean', text: 'TRUE' }, 'MXN')).toEqual(fail('AMOUNT_FORMAT'));
    expect(parseAmountCell(undefined, 'MXN')).toEqual(fail('AMOUNT_MISSING'));
    expect(parseAmountCell({ type: 'text', text: '' }, 'MXN')).toEqual(fail('AMOUNT_MISSING'));
  });
});
