import type { Account } from './payout-row.ts';

/**
 * How an account may appear in logs and output files: bank code + last 4 digits for CLABE/CBU/CVU, an alias as
 * is (an alias is public by design). Never the full number.
 */
export function maskAccount(account: Account): string {
  if (account.kind === 'alias') return account.alias;
  return maskDigits(account.number);
}

/** Masks any digit string the same way: first 3 (bank code) + last 4; shorter strings become all stars. */
export function maskDigits(digits: string): string {
  if (digits.length < 8) return '*'.repeat(digits.length);
  return `${digits.slice(0, 3)}${'*'.repeat(digits.length - 7)}${digits.slice(-4)}`;
}

/** The destination as the provider needs it (full number or alias); for requests only, never for output. */
export function accountValue(account: Account): string {
  return account.kind === 'alias' ? account.alias : account.number;
}
