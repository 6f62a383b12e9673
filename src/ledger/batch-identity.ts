import { createHash } from 'node:crypto';
import type { Minor } from '../domain/money.ts';
import { payoutFingerprint } from '../domain/payout-fingerprint.ts';
import type { Account } from '../domain/payout-row.ts';
import type { Currency, ProviderId } from '../domain/provider-id.ts';
import { LedgerError } from './ledger-error.ts';

/**
 * A batch is the content of a file paid through one provider: the same bytes run again resume the same batch,
 * whatever the file is called. 16 hex chars of sha256(fileHash + provider); the file hash is fixed-length hex, so
 * the concatenation is unambiguous.
 */
export function batchIdFor(fileHash: string, provider: ProviderId): string {
  if (!/^[0-9a-f]{64}$/.test(fileHash)) {
    throw new LedgerError('INVALID_INPUT', 'fileHash must be the sha256 of the file as 64 lowercase hex chars', { fileHash });
  }
  return createHash('sha256').update(fileHash + provider).digest('hex').slice(0, 16);
}

/** The ledger's fingerprint of a row it writes: the one definition in domain/payout-fingerprint.ts. */
export function rowFingerprint(amountMinor: Minor, account: Account, currency: Currency): string {
  return payoutFingerprint({ amountMinor, account, currency });
}
