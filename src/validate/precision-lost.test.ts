import { describe, expect, it } from 'vitest';
import { isAccountPrecisionLost, isOrderIdPrecisionLost, looksLikeExponent } from './precision-lost.ts';

describe('precision lost in an account cell', () => {
  it.each(['6.46E+17', '6,46E+17', '6.4618E17', '2.85059E+21', '1e21', ' 6.46E+17 '])('sees exponent form in %j', (text) => {
    expect(looksLikeExponent(text)).toBe(true);
  });

  it.each(['646180109400135624', 'silla.factura.pm', 'e+17', '6.46'])('sees no exponent in %j', (text) => {
    expect(looksLikeExponent(text)).toBe(false);
  });

  it('treats every numeric XLSX cell as lost, even one that looks whole', () => {
    expect(isAccountPrecisionLost({ type: 'number', text: '646180109400135000', number: 646180109400135000 })).toBe(true);
    expect(isAccountPrecisionLost({ type: 'text', text: '646180109400135624' })).toBe(false);
    expect(isAccountPrecisionLost({ type: 'formula', text: '6.46E+17', formula: 'A1*1' })).toBe(true);
  });
});

describe('precision lost in an order_id cell', () => {
  it('flags numbers of 16+ digits and Excel exponent display', () => {
    expect(isOrderIdPrecisionLost({ type: 'number', text: '1.23457E+15', number: 1234567890123450 })).toBe(true);
    expect(isOrderIdPrecisionLost({ type: 'number', text: '1234567890123450', number: 1234567890123450 })).toBe(true);
    expect(isOrderIdPrecisionLost({ type: 'text', text: '1.23457E+15' })).toBe(true);
  });

  it('leaves short numbers and ids that merely contain an E alone', () => {
    expect(isOrderIdPrecisionLost({ type: 'number', text: '123456789012345', number: 123456789012345 })).toBe(false);
    expect(isOrderIdPrecisionLost({ type: 'text', text: '2E10' })).toBe(false);
    expect(isOrderIdPrecisionLost({ type: 'text', text: 'ORD-1E+5' })).toBe(false);
  });
});
