import type { ProviderId } from '../domain/provider-id.ts';
import { getProviderModule } from '../providers/registry.ts';
import type { ProviderConfig, Target } from './config-types.ts';

/**
 * Defaults when neither the config file nor a flag says otherwise. The providers publish no request limits in
 * their docs, so the real targets start conservative; the simulator is local and fast. Fees are each provider's
 * illustrative list prices (its module's defaultFees); set yours in the config file.
 */
export function defaultProviderConfig(provider: ProviderId, target: Target): ProviderConfig {
  const local = target === 'simulator';
  return {
    rate: local ? 5000 : 5,
    concurrency: local ? 32 : 4,
    timeoutMs: local ? 10_000 : 30_000,
    baseUrl: {},
    fees: { ...getProviderModule(provider).defaultFees },
  };
}
