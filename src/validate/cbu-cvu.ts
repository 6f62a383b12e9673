import { looksLikeExponent } from './precision-lost.ts';

export type CbuErrorCode = 'ACCOUNT_MISSING' | 'ACCOUNT_PRECISION_LOST' | 'CBU_NOT_DIGITS' | 'CBU_LENGTH' | 'CBU_CHECKSUM';

export type CbuCheck = { ok: true; kind: 'cbu' | 'cvu'; number: string } | { ok: false; code: CbuErrorCode };

/** BCRA block 1 (bank 3 + branch 4): weights over digits 1–7. */
const BLOCK1_WEIGHTS = [7, 1, 3, 9, 7, 1, 3] as const;
/** BCRA block 2 (account 13): weights over digits 9–21. */
const BLOCK2_WEIGHTS = [3, 9, 7, 1, 3, 9, 7, 1, 3, 9, 7, 1, 3] as const;

/**
 * BCRA check digit: sum of digit × weight, then check = (10 − sum mod 10) mod 10. The outer mod 10 turns a
 * would-be 10 into 0, so 0 is a valid check digit (the npm `stdnum` port gets this wrong).
 */
function bcraCheckDigit(digits: string, weights: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += (digits.charCodeAt(i) - 48) * weights[i]!;
  return (10 - (sum % 10)) % 10;
}

/** Check digit 8 of a CBU/CVU, from bank (3) + branch (4): weights 7,1,3,9,7,1,3. */
export function cbuBlock1CheckDigit(bankBranch: string): number {
  if (!/^\d{7}$/.test(bankBranch)) throw new TypeError(`cbuBlock1CheckDigit needs exactly 7 digits, got ${bankBranch.length} characters`);
  return bcraCheckDigit(bankBranch, BLOCK1_WEIGHTS);
}

/** Check digit 22 of a CBU/CVU, from the 13-digit account: weights 3,9,7,1,3,9,7,1,3,9,7,1,3. */
export function cbuBlock2CheckDigit(account: string): number {
  if (!/^\d{13}$/.test(account)) throw new TypeError(`cbuBlock2CheckDigit needs exactly 13 digits, got ${account.length} characters`);
  return bcraCheckDigit(account, BLOCK2_WEIGHTS);
}

/**
 * Checks a 22-digit Argentine CBU (bank account) or CVU (virtual account at a payment provider): block 1 =
 * bank(3) + branch(4) + check(1), block 2 = account(13) + check(1). Both use the same BCRA check digits; a CVU is told
 * apart by its `000` prefix (entity code 000 is reserved for payment service providers). Spaces and hyphens
 * that group the digits are dropped first.
 */
export function checkCbu(raw: string): CbuCheck {
  const number = raw.replace(/[\s-]/g, '');
  if (number === '') return { ok: false, code: 'ACCOUNT_MISSING' };
  if (looksLikeExponent(number)) return { ok: false, code: 'ACCOUNT_PRECISION_LOST' };
  if (!/^\d+$/.test(number)) return { ok: false, code: 'CBU_NOT_DIGITS' };
  if (number.length !== 22) return { ok: false, code: 'CBU_LENGTH' };
  const block1Ok = cbuBlock1CheckDigit(number.slice(0, 7)) === number.charCodeAt(7) - 48;
  const block2Ok = cbuBlock2CheckDigit(number.slice(8, 21)) === number.charCodeAt(21) - 48;
  if (!block1Ok || !block2Ok) return { ok: false, code: 'CBU_CHECKSUM' };
  return { ok: true, kind: number.startsWith('000') ? 'cvu' : 'cbu', number };
}
