import type { Minor } from './money.ts';
import { accountValue } from './mask-account.ts';
import type { Account } from './payout-row.ts';
import type { Currency } from './provider-id.ts';

/**
 * What makes two rows with the same order key the same payout: amount, destination and currency, compared exactly.
 * Same fingerprint → duplicate (paid once); a different one → conflict (none paid). In-file dedupe, the ledger's
 * key claims and the dedupe against earlier runs all compare this one string, so they cannot disagree.
 */
export interface FingerprintParts {
  amountMinor: Minor;
  account: Account;
  currency: Currency;
}

/** The destination as the fingerprint has it: the full account number, the alias, or a cash-out's email (lower case). */
export function payoutDestination(account: Account): string {
  return accountValue(account);
}

/** "<amountMinor>|<destination>|<currency>". The amount is an integer and the currency has no `|`, so it parses back. */
export function fingerprintOf(amountMinor: Minor, destination: string, currency: Currency): string {
  return `${amountMinor}|${destination}|${currency}`;
}

export function payoutFingerprint(p: FingerprintParts): string {
  return fingerprintOf(p.amountMinor, payoutDestination(p.account), p.currency);
}
