import { describe, expect, it } from 'vitest';
import { detectDelimiter } from './detect-delimiter.ts';

describe('detectDelimiter', () => {
  it.each([
    ['order_id,account,amount\n1,2,3\n', ','],
    ['orden;cuenta;monto\r\n1;2;"1,50"\r\n', ';'],
    ['orden\tcuenta\tmonto\r\n', '\t'],
    ['orden|cuenta|monto\n', '|'],
  ])('finds the delimiter of the header line %j', (text, delimiter) => {
    expect(detectDelimiter(text)).toEqual({ delimiter, sepLine: false });
  });

  it('ignores delimiters inside quotes', () => {
    expect(detectDelimiter('"Nombre; apellido","Monto; total",cuenta\n').delimiter).toBe(',');
    expect(detectDelimiter('"a,b,c,d";monto;cuenta\n').delimiter).toBe(';');
  });

  it('judges by the header, not by commas in the data below it', () => {
    expect(detectDelimiter('orden;monto\n1;"1,2,3,4,5"\n2;1,50\n').delimiter).toBe(';');
  });

  it('passes over a title line without delimiters', () => {
    expect(detectDelimiter('Pagos de octubre\r\norden|cuenta|monto\r\n').delimiter).toBe('|');
  });

  it("honours Excel's sep= line", () => {
    expect(detectDelimiter('sep=;\r\na,b;c\r\n')).toEqual({ delimiter: ';', sepLine: true });
    expect(detectDelimiter('SEP=|\na|b\n')).toEqual({ delimiter: '|', sepLine: true });
  });

  it('falls back to a comma for a single column', () => {
    expect(detectDelimiter('order_id\n1\n2\n').delimiter).toBe(',');
  });
});
