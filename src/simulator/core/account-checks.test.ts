import { describe, expect, it } from 'vitest';
import { aliasFormatOk, cbuChecksumOk, clabeBankTag, clabeCheckDigit, clabeChecksumOk } from './account-checks.ts';

describe('CLABE', () => {
  it.each(['012298026516924616', '032180000118359719', '072910007380090615', '123456789012345673'])('accepts %s', (clabe) => {
    expect(clabeChecksumOk(clabe)).toBe(true);
  });

  it.each(['123456789012345678', '012298026516924617', '01229802651692461', 'abcdefghijklmnopqr'])('rejects %s', (clabe) => {
    expect(clabeChecksumOk(clabe)).toBe(false);
  });

  it('completes 17 digits with their check digit', () => {
    expect(clabeCheckDigit('01229802651692461')).toBe('6');
  });

  it('names the bank as openpay-api.txt does', () => {
    expect(clabeBankTag('012298026516924616')).toBe('BANCOMER');
    expect(clabeBankTag('032180000118359719')).toBe('IXE');
    expect(clabeBankTag('123456789012345673')).toBeNull();
    expect(clabeBankTag('999000000000000000')).toBeNull();
  });
});

describe('CBU/CVU', () => {
  it('accepts a CBU whose two BCRA check digits are right', () => {
    expect(cbuChecksumOk('2850590940090418135201')).toBe(true);
  });

  it.each(['2850590940090418135202', '2850591940090418135201', '285059094009041813520', '0990100808100040477100'])('rejects %s', (cbu) => {
    expect(cbuChecksumOk(cbu)).toBe(false);
  });
});

describe('alias', () => {
  it.each([['ruben.monitor.po', true], ['mi-alias.01', true], ['abc.d', false], ['a'.repeat(21), false], ['con espacio', false]])('%s → %s', (alias, ok) => {
    expect(aliasFormatOk(alias)).toBe(ok);
  });
});
