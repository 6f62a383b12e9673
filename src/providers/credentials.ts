import type { ProviderId } from '../domain/provider-id.ts';
import { RunError } from '../run-error.ts';
import type { ProviderCredentials } from './payout-provider.ts';
import { getProviderModule } from './registry.ts';

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
  for (const id of new Set(ids)) Object.assign(credentials, getProviderModule(id).credentials.read(read));
  if (missing.length > 0) {
    throw new RunError('CREDENTIALS_MISSING', `missing environment variable${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`, {
      hint: 'set them in the environment of the run',
    });
  }
  return credentials;
}
