import { describe, expect, it } from 'vitest';
import type { RawCell } from '../domain/payout-row.ts';
import { isZenriseTestAccount } from '../providers/zenrise/zenrise-test-accounts.ts';
import { checkAccount, maskAccountText } from './check-account.ts';

const text = (value: string): RawCell => ({ type: 'text', text: value });

describe('checkAccount for Mexican providers (CLABE)', () => {
  it('returns the canonical CLABE with its bank', () => {
    expect(checkAccount(text(' 646 180 109400135624 '), 'clabe')).toEqual({
      ok: true,
      account: { kind: 'clabe', number: '646180109400135624', bankCode: '646', bankName: 'Sistema de Transferencias y Pagos STP, SOFOM E.N.R.' },
    });
  });

  it('accepts an unknown bank code with BANK_UNKNOWN', () => {
    expect(checkAccount(text('123456789012345673'), 'clabe')).toEqual({
      ok: true,
      account: { kind: 'clabe', number: '123456789012345673', bankCode: '123' },
      warning: 'BANK_UNKNOWN',
    });
  });

  it.each([
    ['2850590940090418135201', 'CLABE_LENGTH'], // a CBU
    ['ruben.monitor.po', 'CLABE_NOT_DIGITS'], // an alias
    ['123456789012345678', 'CLABE_CHECKSUM'],
    ['6.46E+17', 'ACCOUNT_PRECISION_LOST'],
    ['', 'ACCOUNT_MISSING'],
  ])('rejects %j with %s', (value, code) => {
    expect(checkAccount(text(value), 'clabe', isZenriseTestAccount)).toEqual({ ok: false, code });
  });

  it('rejects a numeric XLSX cell and a missing cell', () => {
    const number: RawCell = { type: 'number', text: '646180109400136000', number: 646180109400136000 };
    expect(checkAccount(number, 'clabe')).toEqual({ ok: false, code: 'ACCOUNT_PRECISION_LOST' });
    expect(checkAccount(undefined, 'clabe')).toEqual({ ok: false, code: 'ACCOUNT_MISSING' });
  });
});

describe('checkAccount for Zenrise (CBU, CVU or alias)', () => {
  it('reads an all-digit cell as a CBU or CVU and anything else as an alias', () => {
    expect(checkAccount(text('2850590940090418135201'), 'cbu-cvu-alias')).toEqual({
      ok: true,
      account: { kind: 'cbu', number: '2850590940090418135201' },
    });
    expect(checkAccount(text('0000003100928374650114'), 'cbu-cvu-alias')).toEqual({
      ok: true,
      account: { kind: 'cvu', number: '0000003100928374650114' },
    });
    expect(checkAccount(text('termo.conejo.st'), 'cbu-cvu-alias')).toEqual({
      ok: true,
      account: { kind: 'alias', alias: 'termo.conejo.st' },
    });
  });

  it.each([
    ['646180109400135624', 'CBU_LENGTH'], // a CLABE
    ['2850590940090418135202', 'CBU_CHECKSUM'],
    ['123', 'CBU_LENGTH'],
    ['mi alias', 'ALIAS_FORMAT'],
    ['2.85059E+21', 'ACCOUNT_PRECISION_LOST'],
  ])('rejects %j with %s', (value, code) => {
    expect(checkAccount(text(value), 'cbu-cvu-alias', isZenriseTestAccount)).toEqual({ ok: false, code });
  });

  it('accepts a DEV test account with TEST_ACCOUNT only when allowed', () => {
    expect(checkAccount(text('0000128000000000000000'), 'cbu-cvu-alias', isZenriseTestAccount)).toEqual({
      ok: true,
      account: { kind: 'cvu', number: '0000128000000000000000' },
      warning: 'TEST_ACCOUNT',
    });
    expect(checkAccount(text('0109100808100040477100'), 'cbu-cvu-alias', isZenriseTestAccount)).toEqual({
      ok: true,
      account: { kind: 'cbu', number: '0109100808100040477100' },
      warning: 'TEST_ACCOUNT',
    });
    expect(checkAccount(text('0000128000000000000000'), 'cbu-cvu-alias')).toEqual({ ok: false, code: 'CBU_CHECKSUM' });
  });
});

describe('maskAccountText', () => {
  it('masks numbers to bank code + last 4 and keeps a valid alias as is', () => {
    expect(maskAccountText(text('646180109400135624'), 'clabe')).toBe('646***********5624');
    expect(maskAccountText(text('646-180-109400135624'), 'clabe')).toBe('646***********5624');
    expect(maskAccountText(text('2850590940090418135201'), 'cbu-cvu-alias')).toBe('285***************5201');
    expect(maskAccountText(text('pepe.pepe.po'), 'cbu-cvu-alias')).toBe('pepe.pepe.po');
  });

  it('shows a mistyped alias as typed: it is public, and a masked typo cannot be found (issue 13)', () => {
    expect(maskAccountText(text('pepe pepe.po'), 'cbu-cvu-alias')).toBe('pepe pepe.po');
    expect(maskAccountText(text(' peñarol.fc '), 'cbu-cvu-alias')).toBe('peñarol.fc');
    expect(maskAccountText(text('pepe'), 'cbu-cvu-alias')).toBe('pepe');
    // Mostly digits: a mistyped CBU/CVU, masked; a long cell of anything is not echoed whole.
    expect(maskAccountText(text('0170099222000000678x22'), 'cbu-cvu-alias')).toBe('017***************8x22');
    expect(maskAccountText(text('a'.repeat(41)), 'cbu-cvu-alias')).toBe(`aaa${'*'.repeat(34)}aaaa`);
  });

  it('masks what is not a valid alias, and an alias given to a Mexican provider', () => {
    expect(maskAccountText(text('285059094009041813520O'), 'cbu-cvu-alias')).toBe('285***************520O');
    expect(maskAccountText(text('pepe.pepe.po'), 'clabe')).toBe('pep*****e.po');
    expect(maskAccountText({ type: 'number', text: '646180109400136000', number: 646180109400136000 }, 'clabe')).toBe('646***********6000');
    expect(maskAccountText(text('  '), 'clabe')).toBeUndefined();
    expect(maskAccountText(undefined, 'none')).toBeUndefined();
  });
});
