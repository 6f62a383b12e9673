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
  if (digits.length < 8) return stars(digits.length);
  return `${digits.slice(0, 3)}${stars(digits.length - 7)}${digits.slice(-4)}`;
}

/** Runs of `*` by length, made once: every row of a file masks an account of the same length or two. */
const STARS: string[] = [];
function stars(count: number): string {
  if (count > 64) return '*'.repeat(count);
  return (STARS[count] ??= '*'.repeat(count));
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

/**
 * Whether two masked destinations name the same account. Both sides are masked (bank code + last 4, an alias, a
 * masked email), and providers mask differently: Openpay "012XXXXXXXXXX24616", Conekta sometimes only the last 4.
 * So digits compare on the last 4, and on the bank code where both show one; aliases and emails compare without
 * case.
 */
export function sameDestination(ledger: string, provider: string): boolean {
  const a = ledger.trim().toLowerCase();
  const b = provider.trim().toLowerCase();
  if (a === b) return true;
  const digitsA = /^[\d*x]+$/.test(a);
  const digitsB = /^[\d*x]+$/.test(b);
  if (!digitsA || !digitsB) return false;
  if (a.slice(-4) !== b.slice(-4)) return false;
  const bankA = a.slice(0, 3);
  const bankB = b.slice(0, 3);
  return !/^\d{3}$/.test(bankA) || !/^\d{3}$/.test(bankB) || bankA === bankB;
}
