import { clabe as clabeCatalog } from 'clabe-validator';

/**
 * CLABE check digit: weights 3,7,1 repeated over the first 17 digits, each product taken mod 10, summed;
 * check = (10 − sum mod 10) mod 10, compared with digit 18.
 */
export function clabeChecksumOk(clabe: string): boolean {
  if (!/^\d{18}$/.test(clabe)) return false;
  const weights = [3, 7, 1];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += ((clabe.charCodeAt(i) - 48) * (weights[i % 3] as number)) % 10;
  return (10 - (sum % 10)) % 10 === clabe.charCodeAt(17) - 48;
}

// openpay-api.txt shows bank_name "BANCOMER" for bank code 012; the catalog's tag is "BBVA BANCOMER".
const OPENPAY_NAMES: Record<number, string> = { 12: 'BANCOMER' };

/** The short bank name for a CLABE's first three digits (Banxico catalog), or null for a code not in it. */
export function clabeBankTag(clabe: string): string | null {
  const code = Number(clabe.slice(0, 3));
  const tag = OPENPAY_NAMES[code] ?? clabeCatalog.banksMap[code]?.tag;
  // The catalog lists 999 as "N/A": no bank.
  return tag === undefined || tag === 'N/A' ? null : tag;
}

/**
 * BCRA check digits of a 22-digit CBU/CVU. Block 1 (digits 1–8): weights 7,1,3,9,7,1,3 over digits 1–7, check
 * digit 8. Block 2 (digits 9–22): weights 3,9,7,1,3,9,7,1,3,9,7,1,3 over digits 9–21, check digit 22.
 * check = (10 − sum mod 10) mod 10.
 */
export function cbuChecksumOk(cbu: string): boolean {
  if (!/^\d{22}$/.test(cbu)) return false;
  const digit = (i: number) => cbu.charCodeAt(i) - 48;
  const w1 = [7, 1, 3, 9, 7, 1, 3];
  let sum = 0;
  for (let i = 0; i < 7; i++) sum += digit(i) * (w1[i] as number);
  if ((10 - (sum % 10)) % 10 !== digit(7)) return false;
  const w2 = [3, 9, 7, 1, 3, 9, 7, 1, 3, 9, 7, 1, 3];
  sum = 0;
  for (let i = 0; i < 13; i++) sum += digit(8 + i) * (w2[i] as number);
  return (10 - (sum % 10)) % 10 === digit(21);
}

/** An Argentine alias: 6–20 characters of letters, digits, dots and hyphens. */
export function aliasFormatOk(alias: string): boolean {
  return /^[A-Za-z0-9.-]{6,20}$/.test(alias);
}

/** The 18th digit that makes 17 CLABE digits valid (same weights as clabeChecksumOk). */
export function clabeCheckDigit(first17: string): string {
  const weights = [3, 7, 1];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += ((first17.charCodeAt(i) - 48) * (weights[i % 3] as number)) % 10;
  return String((10 - (sum % 10)) % 10);
}
