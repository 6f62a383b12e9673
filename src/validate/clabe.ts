import { clabe as clabeCatalog } from 'clabe-validator';
import { looksLikeExponent } from './precision-lost.ts';

export type ClabeErrorCode =
  | 'ACCOUNT_MISSING'
  | 'ACCOUNT_PRECISION_LOST'
  | 'CLABE_NOT_DIGITS'
  | 'CLABE_LENGTH'
  | 'CLABE_CHECKSUM';

export type ClabeCheck =
  | { ok: true; clabe: string; bankCode: string; bankName?: string }
  | { ok: false; code: ClabeErrorCode };

const CLABE_WEIGHTS = [3, 7, 1] as const;

/**
 * The CLABE control digit of the first 17 digits: weights 3,7,1 repeated (position 1 × 3, 2 × 7, 3 × 1, 4 × 3, …);
 * each product is taken mod 10, the products are summed, and check = (10 − sum mod 10) mod 10.
 */
export function clabeCheckDigit(first17: string): number {
  if (!/^\d{17}$/.test(first17)) throw new TypeError(`clabeCheckDigit needs exactly 17 digits, got ${first17.length} characters`);
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const digit = first17.charCodeAt(i) - 48;
    sum += (digit * CLABE_WEIGHTS[i % 3]!) % 10;
  }
  return (10 - (sum % 10)) % 10;
}

/**
 * The bank behind a 3-digit CLABE bank code, from clabe-validator's catalog of ABM participants. Undefined when the
 * code is not in the catalog; the catalog's placeholder 999 ("N/A") is not a bank either.
 */
export function clabeBankName(bankCode: string): string | undefined {
  if (!/^\d{3}$/.test(bankCode)) throw new TypeError(`clabeBankName needs a 3-digit bank code, got ${JSON.stringify(bankCode)}`);
  const bank = clabeCatalog.banksMap[Number(bankCode)];
  if (!bank?.tag || bank.tag === 'N/A') return undefined;
  return bank.name ?? bank.tag;
}

/**
 * Checks an 18-digit CLABE: 3 bank + 3 plaza + 11 account + 1 check digit. Spaces and hyphens are how people
 * group the digits, so they are dropped first. An unknown bank code is not an error here (the catalog lags behind
 * new participants): the result just has no bankName, and the caller decides to warn.
 */
export function checkClabe(raw: string): ClabeCheck {
  const clabe = raw.replace(/[\s-]/g, '');
  if (clabe === '') return { ok: false, code: 'ACCOUNT_MISSING' };
  if (looksLikeExponent(clabe)) return { ok: false, code: 'ACCOUNT_PRECISION_LOST' };
  if (!/^\d+$/.test(clabe)) return { ok: false, code: 'CLABE_NOT_DIGITS' };
  if (clabe.length !== 18) return { ok: false, code: 'CLABE_LENGTH' };
  if (clabeCheckDigit(clabe.slice(0, 17)) !== clabe.charCodeAt(17) - 48) return { ok: false, code: 'CLABE_CHECKSUM' };
  const bankCode = clabe.slice(0, 3);
  const bankName = clabeBankName(bankCode);
  return bankName === undefined ? { ok: true, clabe, bankCode } : { ok: true, clabe, bankCode, bankName };
}
