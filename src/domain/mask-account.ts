import type { Account } from './payout-row.ts';

/**
 * How an account may appear in logs and output files: bank code + last 4 digits for CLABE/CBU/CVU, an alias as
 * is (an alias is public by design). Never the full number.
 */
export function maskAccount(account: Account): string {
  if (account.kind === 'alias') return account.alias;
  if (account.kind === 'cash_out') return maskEmail(account.email);
  return maskDigits(account.number);
}

/** Masks any digit string the same way: first 3 (bank code) + last 4; shorter strings become all stars. */
export function maskDigits(digits: string): string {
  if (digits.length < 8) return '*'.repeat(digits.length);
  return `${digits.slice(0, 3)}${'*'.repeat(digits.length - 7)}${digits.slice(-4)}`;
}

/** The destination as the provider needs it (full number or alias); for requests only, never for output. */
export function accountValue(account: Account): string {
  if (account.kind === 'alias') return account.alias;
  if (account.kind === 'cash_out') return account.email.trim().toLowerCase();
  return account.number;
}

/**
 * How an email may appear in logs and output files: first character of the local part, then `***`, then the
 * domain (`juan.perez@example.com` → `j***@example.com`). The domain stays because support uses it to tell a
 * typo (`gmial.com`) from a real address; the person stays unidentifiable. Idempotent, so a value masked by
 * validation can pass through again unchanged.
 */
export function maskEmail(email: string): string {
  const text = email.trim();
  const at = text.lastIndexOf('@');
  if (at < 0) return text.length === 0 ? '' : '***';
  if (at === 0) return `***${text.slice(at)}`;
  return `${text.slice(0, 1)}***${text.slice(at)}`;
}

