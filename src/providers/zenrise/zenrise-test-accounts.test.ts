import { describe, expect, it } from 'vitest';
import { checkCbu } from '../../validate/cbu-cvu.ts';
import { isZenriseTestAccount, ZENRISE_TEST_ACCOUNTS, ZENRISE_TEST_ALIASES } from './zenrise-test-accounts.ts';
import { checkAlias } from '../../validate/alias.ts';

describe('Zenrise DEV test accounts', () => {
  it('lists the eight CBU/CVU numbers of zenrise-payouts.txt, success and error ones', () => {
    expect([...ZENRISE_TEST_ACCOUNTS]).toEqual([
      ['0990100808100040477100', 'success'],
      ['0880610330061000073700', 'success'],
      ['0000128000000000000000', 'success'],
      ['0000200000000000000010', 'success'],
      ['0980610330061000073700', 'usd_account'],
      ['0000222000000000000000', 'nonexistent'],
      ['0000999000000000000010', 'inactive'],
      ['0109100808100040477100', 'inactive'],
    ]);
  });

  it('are all rejected by the BCRA check digits, which is why they need an exception', () => {
    for (const number of ZENRISE_TEST_ACCOUNTS.keys()) expect(checkCbu(number), number).toEqual({ ok: false, code: 'CBU_CHECKSUM' });
  });

  it('are matched exactly: one digit off is not a test account', () => {
    expect(isZenriseTestAccount('0990100808100040477100')).toBe(true);
    expect(isZenriseTestAccount('0990100808100040477101')).toBe(false);
    expect(isZenriseTestAccount('0990100808100040477100 ')).toBe(false);
  });

  it('lists aliases that already have the shape of an alias', () => {
    for (const alias of ZENRISE_TEST_ALIASES.keys()) expect(checkAlias(alias).ok, alias).toBe(true);
  });
});
