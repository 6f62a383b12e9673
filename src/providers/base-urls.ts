import type { ProviderId } from '../domain/provider-id.ts';
import { getProviderModule } from './registry.ts';

export type ProviderTarget = 'simulator' | 'sandbox' | 'live';

/** The base URL adapters append their paths to. `simulatorUrl` (the simulator's root) is required for 'simulator'. */
export function providerBaseUrl(id: ProviderId, target: ProviderTarget, simulatorUrl?: string): string {
  const urls = getProviderModule(id).baseUrls;
  if (target === 'simulator') {
    if (!simulatorUrl) throw new TypeError(`providerBaseUrl(${id}, 'simulator') needs the simulator's URL`);
    return `${simulatorUrl.replace(/\/+$/, '')}${urls.simulatorPath}`;
  }
  return urls[target];
}
