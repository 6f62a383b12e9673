import { maskAccount, maskDigits } from '../domain/mask-account.ts';
import type { Account } from '../domain/payout-row.ts';
import { maskEmail } from './mask-email.ts';

/** Credentials: replaced outright. Provider names: Openpay private key, Conekta/FEMSA api key, Zenrise client. */
export const SECRET_KEYS = [
  'privateKey',
  'private_key',
  'apiKey',
  'api_key',
  'secret',
  'secretId',
  'secret_id',
  'clientId',
  'client_id',
  'clientSecret',
  'client_secret',
  'password',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'authorization',
  'Authorization',
  'cookie',
  'Cookie',
  '"x-api-key"',
] as const;

/** Account numbers: kept recognisable (bank code + last 4) rather than removed, so a log still points at the row. */
export const ACCOUNT_KEYS = ['account', 'clabe', 'cbu', 'cvu', 'account_number', 'accountNumber', 'destination'] as const;

/** Email addresses, masked like results files do. */
export const EMAIL_KEYS = ['email'] as const;

export const REDACTED = '[Redacted]';

/**
 * Redaction wildcards match one level each, so every key is listed at the top of the record and up to three
 * objects deep (`{ instruction: { payee: { account } } }`, `{ req: { headers: { authorization } } }`); deeper
 * nesting is not something we log.
 */
const DEPTHS = ['', '*.', '*.*.', '*.*.*.'];

export const REDACT_PATHS: string[] = [...SECRET_KEYS, ...ACCOUNT_KEYS, ...EMAIL_KEYS].flatMap((key) =>
  DEPTHS.map((prefix) => (key.startsWith('"') ? `${prefix.slice(0, -1)}[${key}]` : `${prefix}${key}`)),
);

const accountKeys = new Set<string>(ACCOUNT_KEYS);
const emailKeys = new Set<string>(EMAIL_KEYS);

/** pino's censor: called with the value and its path (the last element is the key). */
export function censor(value: unknown, path: readonly unknown[]): unknown {
  const key = String(path[path.length - 1]);
  if (value === undefined || value === null || value === '') return value;
  if (accountKeys.has(key)) return maskAccountValue(value);
  if (emailKeys.has(key)) return typeof value === 'string' ? maskEmail(value) : REDACTED;
  return REDACTED;
}

/**
 * Whatever shape an account arrives in — an Account object, a digit string (with spaces or dashes), a number
 * (a CLABE read from Excel) or an email for cash-out — the output carries at most bank code + last 4.
 */
export function maskAccountValue(value: unknown): string {
  if (typeof value === 'object' && value !== null && 'kind' in value) {
    const account = value as Account;
    if (account.kind === 'alias') return typeof account.alias === 'string' ? maskAccountValue(account.alias) : REDACTED;
    if (account.kind === 'cash_out') return typeof account.email === 'string' ? maskEmail(account.email) : REDACTED;
    if (typeof account.number === 'string') return maskAccount(account);
    return REDACTED;
  }
  if (typeof value === 'number' || typeof value === 'bigint') return maskDigits(String(value).replace(/\D/g, ''));
  if (typeof value !== 'string') return REDACTED;
  if (value.includes('@')) return maskEmail(value);
  const digits = value.replace(/\D/g, '');
  // A Zenrise alias is public by design and kept; anything carrying 8+ digits may be an account number in disguise.
  if (digits.length >= 8) return maskDigits(digits);
  return value;
}
