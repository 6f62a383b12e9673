import { describe, expect, it } from 'vitest';
import { cbuBlock1CheckDigit, cbuBlock2CheckDigit, checkCbu } from './cbu-cvu.ts';

describe('CBU check digits', () => {
  it('block 1: weights 7,1,3,9,7,1,3 over bank + branch', () => {
    // 285 0590 → 2·7 + 8·1 + 5·3 + 0·9 + 5·7 + 9·1 + 0·3 = 81 → (10 − 1) mod 10 = 9
    expect(cbuBlock1CheckDigit('2850590')).toBe(9);
  });

  it('block 2: weights 3,9,7,1,3,9,7,1,3,9,7,1,3 over the account', () => {
    // 4·3 + 0·9 + 0·7 + 9·1 + 0·3 + 4·9 + 1·7 + 8·1 + 1·3 + 3·9 + 5·7 + 2·1 + 0·3 = 139 → (10 − 9) mod 10 = 1
    expect(cbuBlock2CheckDigit('4009041813520')).toBe(1);
  });

  it('gives 0 when the sum is a multiple of 10', () => {
    // 007 0999 → 0 + 0 + 21 + 0 + 63 + 9 + 27 = 120
    expect(cbuBlock1CheckDigit('0070999')).toBe(0);
    expect(cbuBlock2CheckDigit('4009041813527')).toBe(0);
  });

  it('refuses wrong-sized blocks', () => {
    expect(() => cbuBlock1CheckDigit('285059')).toThrow(TypeError);
    expect(() => cbuBlock2CheckDigit('40090418135201')).toThrow(TypeError);
  });
});

describe('checkCbu', () => {
  it.each([
    // The BCRA / Wikipedia example (also python-stdnum's doctest).
    ['2850590940090418135201', 'cbu'],
    ['0170099220000067797370', 'cbu'], // block 2 check digit 0
    ['0070999000904181352018', 'cbu'], // block 1 check digit 0
    ['0070999040090418135270', 'cbu'], // both check digits 0
    ['0000003100928374650114', 'cvu'], // entity 000: a payment provider's CVU
    ['0000003100000000000000', 'cvu'],
  ])('accepts %s as %s', (number, kind) => {
    expect(checkCbu(number)).toEqual({ ok: true, kind, number });
  });

  it('ignores spaces and hyphens that group the digits', () => {
    expect(checkCbu('28505909 40090418135201')).toEqual({ ok: true, kind: 'cbu', number: '2850590940090418135201' });
    expect(checkCbu('2850590-9-4009041813520-1')).toMatchObject({ ok: true });
  });

  it.each([
    ['2810590940090418135201', 'CBU_CHECKSUM'], // python-stdnum's doctest: bank digit changed
    ['2850590840090418135201', 'CBU_CHECKSUM'], // block 1 check digit wrong
    ['2850590940090418135202', 'CBU_CHECKSUM'], // block 2 check digit wrong
    ['0990100808100040477100', 'CBU_CHECKSUM'], // a Zenrise DEV test CBU: no exception here
    ['646180109400135624', 'CBU_LENGTH'], // a CLABE
    ['28505909400904181352011', 'CBU_LENGTH'],
    ['285059094009041813520O', 'CBU_NOT_DIGITS'],
    ['pepe.pepe.po', 'CBU_NOT_DIGITS'],
    ['', 'ACCOUNT_MISSING'],
    ['2.85059E+21', 'ACCOUNT_PRECISION_LOST'],
  ])('rejects %j with %s', (raw, code) => {
    expect(checkCbu(raw)).toEqual({ ok: false, code });
  });

  it('catches every single-digit change of a valid CBU', () => {
    const valid = '2850590940090418135201';
    for (let i = 0; i < 22; i++) {
      for (let d = 0; d <= 9; d++) {
        if (String(d) === valid[i]) continue;
        const mutated = valid.slice(0, i) + d + valid.slice(i + 1);
        expect(checkCbu(mutated), mutated).toEqual({ ok: false, code: 'CBU_CHECKSUM' });
      }
    }
  });
});
