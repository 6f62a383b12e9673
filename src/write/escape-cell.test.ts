import { describe, expect, it } from 'vitest';
import { FORMULA_TRIGGERS, escapeCell, isFormulaLike } from './escape-cell.ts';

describe('escapeCell', () => {
  it.each([
    ['=HYPERLINK("http://evil.example","click")'],
    ['+1+cmd|" /C calc"!A0'],
    ['-2+3'],
    ['@SUM(A1:A2)'],
    ['\t=1+1'],
    ['\r=1+1'],
  ])('prefixes a quote to %j', (text) => {
    expect(isFormulaLike(text)).toBe(true);
    expect(escapeCell(text)).toBe(`'${text}`);
  });

  it('covers exactly the OWASP trigger characters', () => {
    expect([...FORMULA_TRIGGERS].sort()).toEqual(['\t', '\r', '+', '-', '=', '@'].sort());
  });

  it.each([[''], ['José Peña'], ['ORD-1'], ['012***********7897'], ['1234.56'], [' =1+1'], ["'quoted"]])(
    'leaves %j as is',
    (text) => {
      expect(isFormulaLike(text)).toBe(false);
      expect(escapeCell(text)).toBe(text);
    },
  );

  it('is idempotent, so escaping again on the way to XLSX adds nothing', () => {
    expect(escapeCell(escapeCell('=1+1'))).toBe("'=1+1");
  });
});
