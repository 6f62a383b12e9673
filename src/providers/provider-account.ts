import { createHash } from 'node:crypto';
import type { ProviderId } from '../domain/provider-id.ts';
import type { ProviderCredentials } from './payout-provider.ts';

/**
 * The provider account the credentials act for, as the ledger keeps it (batches, recipients): the Openpay merchant
 * id, the Zenrise client id — both public identifiers — and for Conekta and Digital FEMSA, whose only identifier is
 * the secret key, `key:` + the first 12 hex chars of its sha256, never the key itself. Undefined when the
 * credentials for the provider are absent.
 */
export function providerAccount(provider: ProviderId, credentials: ProviderCredentials): string | undefined {
  switch (provider) {
    case 'openpay':
      return credentials.openpay ? `merchant:${credentials.openpay.merchantId}` : undefined;
    case 'zenrise':
      return credentials.zenrise ? `client:${credentials.zenrise.clientId}` : undefined;
    case 'conekta':
      return credentials.conekta ? keyFingerprint(credentials.conekta.privateKey) : undefined;
    case 'digitalfemsa':
      return credentials.digitalfemsa ? keyFingerprint(credentials.digitalfemsa.privateKey) : undefined;
  }
}

function keyFingerprint(secret: string): string {
  return `key:${createHash('sha256').update(secret).digest('hex').slice(0, 12)}`;
}
