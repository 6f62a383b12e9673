import { createHash } from 'node:crypto';
import type { Minor } from '../domain/money.ts';
import { payoutFingerprint } from '../domain/payout-fingerprint.ts';
import type { Account } from '../domain/payout-row.ts';
import type { Currency, ProviderId } from '../domain/provider-id.ts';
import { LedgerError } from './ledger-error.ts';
import { ENVIRONMENTS, type LedgerScope } from './ledger-store.ts';

/**
 * A batch is the content of a file paid through one provider, on one environment and provider account: the same
 * bytes run again on the same target resume the same batch, whatever the file is called; a rehearsal on the
 * simulator and the live run of the same file are two batches. 16 hex chars of
 * sha256(fileHash + provider + '\n' + environment + '\n' + account); the file hash is fixed-length hex, provider and
 * environment are from closed sets without newlines, so the concatenation is unambiguous.
 */
export function batchIdFor(fileHash: string, provider: ProviderId, scope: LedgerScope): string {
  if (!/^[0-9a-f]{64}$/.test(fileHash)) {
    throw new LedgerError('INVALID_INPUT', 'fileHash must be the sha256 of the file as 64 lowercase hex chars', { fileHash });
  }
  if (!(ENVIRONMENTS as readonly string[]).includes(scope.environment)) {
    throw new LedgerError('INVALID_INPUT', `unknown environment ${JSON.stringify(scope.environment)}`, { environment: scope.environment });
  }
  if (typeof scope.account !== 'string' || scope.account.length === 0) {
    throw new LedgerError('INVALID_INPUT', 'account must be a non-empty string', { account: scope.account });
  }
  return createHash('sha256').update(`${fileHash}${provider}\n${scope.environment}\n${scope.account}`).digest('hex').slice(0, 16);
}

/** The ledger's fingerprint of a row it writes: the one definition in domain/payout-fingerprint.ts. */
export function rowFingerprint(amountMinor: Minor, account: Account, currency: Currency): string {
  return payoutFingerprint({ amountMinor, account, currency });
}
