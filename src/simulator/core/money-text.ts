import { assertMinor } from '../../domain/money.ts';

export type DecimalIssue = 'format' | 'decimals' | 'not_positive' | 'too_large';

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d{1,3}))?$/;

/**
 * Reads a decimal amount exactly from its text (a JSON number's literal, a query value or a CLI option) into integer
 * minor units, moving the decimal point on the digits — never through a float. `decimals` is how many fraction digits
 * the unit allows: 2 for pesos (Openpay, Zenrise), 0 for amounts already in cents (Conekta, FEMSA). Trailing zeros
 * do not count (10.500 is 10.50); anything finer than the unit is `decimals`.
 */
export function decimalToMinor(text: string, decimals: 0 | 2): { minor: number } | { issue: DecimalIssue } {
  const m = DECIMAL.exec(text.trim());
  if (!m) return { issue: 'format' };
  const [, sign = '', intPart = '', fracPart = '', expText] = m;
  const digits = intPart + fracPart;
  // Position of the decimal point inside `digits` once the value is scaled to minor units.
  const point = intPart.length + (expText === undefined ? 0 : Number(expText)) + decimals;
  let minorText: string;
  if (point <= 0) {
    if (/[1-9]/.test(digits)) return { issue: 'decimals' };
    minorText = '0';
  } else if (point >= digits.length) {
    minorText = digits + '0'.repeat(point - digits.length);
  } else {
    if (/[1-9]/.test(digits.slice(point))) return { issue: 'decimals' };
    minorText = digits.slice(0, point);
  }
  minorText = minorText.replace(/^0+(?=\d)/, '');
  if (minorText.length > 16 || !Number.isSafeInteger(Number(minorText))) return { issue: 'too_large' };
  const minor = Number(minorText);
  if (minor === 0 || sign === '-') return { issue: 'not_positive' };
  assertMinor(minor);
  return { minor };
}
