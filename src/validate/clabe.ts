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
  return checkDigitOf(first17);
}

/** clabeCheckDigit over the first 17 characters of a string already known to be digits. */
function checkDigitOf(digits: string): number {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const digit = digits.charCodeAt(i) - 48;
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
  return bankNameOf(bankCode);
}

/** The catalog by code, looked up once per code: a file of a million rows has a few dozen banks. */
const bankNames = new Map<string, string | undefined>();

function bankNameOf(bankCode: string): string | undefined {
  if (bankNames.has(bankCode)) return bankNames.get(bankCode);
  const bank = clabeCatalog.banksMap[Number(bankCode)];
  const name = !bank?.tag || bank.tag === 'N/A' ? undefined : (bank.name ?? bank.tag);
  bankNames.set(bankCode, name);
  return name;
}

/** True when every character is an ASCII digit (and there is at least one). */
function allDigits(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * Checks an 18-digit CLABE: 3 bank + 3 plaza + 11 account + 1 check digit. Spaces and hyphens are how people
 * group the digits, so they are dropped first. An unknown bank code is not an error here (the catalog lags behind
 * new participants): the result just has no bankName, and the caller decides to warn.
 */
export function checkClabe(raw: string): ClabeCheck {
  // The common case, 18 bare digits, skips the clean-up and its regular expressions.
  const plain = allDigits(raw);
  const clabe = plain ? raw : raw.replace(/[\s-]/g, '');
  if (!plain) {
    if (clabe === '') return { ok: false, code: 'ACCOUNT_MISSING' };
    if (looksLikeExponent(clabe)) return { ok: false, code: 'ACCOUNT_PRECISION_LOST' };
    if (!allDigits(clabe)) return { ok: false, code: 'CLABE_NOT_DIGITS' };
  }
  if (clabe.length !== 18) return { ok: false, code: 'CLABE_LENGTH' };
  if (checkDigitOf(clabe) !== clabe.charCodeAt(17) - 48) return { ok: false, code: 'CLABE_CHECKSUM' };
  const bankCode = clabe.slice(0, 3);
  const bankName = bankNameOf(bankCode);
  return bankName === undefined ? { ok: true, clabe, bankCode } : { ok: true, clabe, bankCode, bankName };
}
