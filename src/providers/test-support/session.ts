import type { ProviderCredentials, ProviderSession } from '../payout-provider.ts';
import type { ProviderId } from '../../domain/provider-id.ts';

/** A session as the dispatcher builds one, with hooks the tests can observe. */
export function testSession(provider: ProviderId, baseUrl: string, credentials: ProviderCredentials, overrides: Partial<ProviderSession> = {}): ProviderSession {
  return {
    provider,
    baseUrl,
    credentials,
    timeoutMs: 5_000,
    auth: new Map(),
    now: () => new Date(),
    ...overrides,
  };
}
