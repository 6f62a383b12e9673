import type { ProviderId } from '../domain/provider-id.ts';
import { RunError } from '../run-error.ts';
import type { ProviderCredentials } from './payout-provider.ts';

/** The environment variables each provider needs, in the order they are reported when missing. */
export const CREDENTIAL_VARIABLES: Record<ProviderId, readonly string[]> = {
  openpay: ['OPENPAY_MERCHANT_ID', 'OPENPAY_PRIVATE_KEY'],
  conekta: ['CONEKTA_PRIVATE_KEY'],
  digitalfemsa: ['DIGITALFEMSA_PRIVATE_KEY'],
  zenrise: ['ZENRISE_CLIENT_ID', 'ZENRISE_SECRET_ID'],
};

/**
 * Reads the credentials of the providers a run uses. Every missing (or blank) variable is named in one error, so
 * the operator fixes them all at once.
 */
export function credentialsFromEnv(ids: readonly ProviderId[], env: NodeJS.ProcessEnv = process.env): ProviderCredentials {
  const missing: string[] = [];
  const read = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) missing.push(name);
    return value ?? '';
  };
  const credentials: ProviderCredentials = {};
  for (const id of new Set(ids)) {
    switch (id) {
      case 'openpay':
        credentials.openpay = { merchantId: read('OPENPAY_MERCHANT_ID'), privateKey: read('OPENPAY_PRIVATE_KEY') };
        break;
      case 'conekta':
        credentials.conekta = { privateKey: read('CONEKTA_PRIVATE_KEY') };
        break;
      case 'digitalfemsa':
        credentials.digitalfemsa = { privateKey: read('DIGITALFEMSA_PRIVATE_KEY') };
        break;
      case 'zenrise':
        credentials.zenrise = { clientId: read('ZENRISE_CLIENT_ID'), secretId: read('ZENRISE_SECRET_ID') };
        break;
    }
  }
  if (missing.length > 0) {
    throw new RunError('CREDENTIALS_MISSING', `missing environment variable${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`, {
      hint: 'set them in the environment of the run',
    });
  }
  return credentials;
}
