import { describe, expect, it } from 'vitest';
import { checkClabe, clabeBankName, clabeCheckDigit } from './clabe.ts';

describe('clabeCheckDigit', () => {
  it('follows weights 3,7,1 with each product taken mod 10', () => {
    // 00201007777777777|1 worked by hand: products mod 10 are
    // 0,0,2, 0,7,0, 0,9,7, 1,9,7, 1,9,7, 1,9 → sum 69 → (10 − 9) mod 10 = 1.
    expect(clabeCheckDigit('00201007777777777')).toBe(1);
  });

  it('turns a would-be 10 into 0', () => {
    // clabe-validator's vector for the rollover case.
    expect(clabeCheckDigit('00201077777777777')).toBe(0);
  });

  it('refuses anything but 17 digits', () => {
    expect(() => clabeCheckDigit('0020100777777777')).toThrow(TypeError);
    expect(() => clabeCheckDigit('0020100777777777x')).toThrow(TypeError);
  });
});

describe('checkClabe', () => {
  it.each([
    // clabe-validator's own spec vectors
    ['002010077777777771', '002', 'Banco Nacional de México'],
    ['032180000118359719', '032', 'IXE Banco'],
    ['014027000005555558', '014', 'Banco Santander'],
    ['014028000005555557', '014', 'Banco Santander'],
    ['002010777777777770', '002', 'Banco Nacional de México'],
    // openpay-api.txt examples
    ['646180109400135624', '646', 'Sistema de Transferencias y Pagos STP, SOFOM E.N.R.'],
    ['012298026516924616', '012', 'BBVA Bancomer'],
  ])('accepts %s (bank %s)', (clabe, bankCode, bankName) => {
    expect(checkClabe(clabe)).toEqual({ ok: true, clabe, bankCode, bankName });
  });

  it('accepts an unknown bank code without a bank name (the caller warns)', () => {
    // conekta-dispersion.txt: 123456789012345673 passes the check digit; bank 123 does not exist.
    expect(checkClabe('123456789012345673')).toEqual({ ok: true, clabe: '123456789012345673', bankCode: '123' });
    // clabe-validator spec: bank 000 is unknown but the format is valid.
    expect(checkClabe('000000000000000000')).toEqual({ ok: true, clabe: '000000000000000000', bankCode: '000' });
  });

  it('does not check the plaza (clabe-validator calls 115 an invalid city; the check digit is right)', () => {
    expect(checkClabe('002115016003269411')).toMatchObject({ ok: true, bankCode: '002' });
  });

  it('ignores spaces and hyphens people use to group the digits', () => {
    expect(checkClabe(' 002 010 07777777777 1 ')).toMatchObject({ ok: true, clabe: '002010077777777771' });
    expect(checkClabe('002-010-07777777777-1')).toMatchObject({ ok: true, clabe: '002010077777777771' });
  });

  it.each([
    ['123456789012345678', 'CLABE_CHECKSUM'], // conekta-dispersion.txt example: fails the check digit
    ['002010077777777779', 'CLABE_CHECKSUM'], // clabe-validator spec
    ['002010077777777717', 'CLABE_CHECKSUM'], // two digits swapped
    ['12345678901234567', 'CLABE_LENGTH'], // clabe-validator spec
    ['0020100777777777710', 'CLABE_LENGTH'],
    ['2850590940090418135201', 'CLABE_LENGTH'], // a CBU
    ['00000000000000000a', 'CLABE_NOT_DIGITS'], // clabe-validator spec
    ['ruben.monitor.po', 'CLABE_NOT_DIGITS'],
    ['', 'ACCOUNT_MISSING'],
    [' - ', 'ACCOUNT_MISSING'],
    ['6.46E+17', 'ACCOUNT_PRECISION_LOST'],
    ['6,4618E+17', 'ACCOUNT_PRECISION_LOST'],
  ])('rejects %j with %s', (raw, code) => {
    expect(checkClabe(raw)).toEqual({ ok: false, code });
  });

  it('catches every single-digit change of a valid CLABE', () => {
    const valid = '646180109400135624';
    for (let i = 0; i < 18; i++) {
      for (let d = 0; d <= 9; d++) {
        if (String(d) === valid[i]) continue;
        const mutated = valid.slice(0, i) + d + valid.slice(i + 1);
        expect(checkClabe(mutated), mutated).toEqual({ ok: false, code: 'CLABE_CHECKSUM' });
      }
    }
  });
});

describe('clabeBankName', () => {
  it('names banks from the catalog and treats the 999 placeholder as unknown', () => {
    expect(clabeBankName('002')).toBe('Banco Nacional de México');
    expect(clabeBankName('999')).toBeUndefined();
    expect(clabeBankName('123')).toBeUndefined();
  });
});
