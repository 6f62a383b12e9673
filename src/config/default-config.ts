import type { ProviderId } from '../domain/provider-id.ts';
import type { ProviderConfig, Target } from './config-types.ts';

/**
 * Defaults when neither the config file nor a flag says otherwise. The providers publish no request limits in
 * their docs, so the real targets start conservative; the simulator is local and fast.
 */
export function defaultProviderConfig(provider: ProviderId, target: Target): ProviderConfig {
  const local = target === 'simulator';
  return {
    rate: local ? 5000 : 5,
    concurrency: local ? 32 : 4,
    timeoutMs: local ? 10_000 : 30_000,
    baseUrl: {},
    fees: DEFAULT_FEES[provider],
  };
}

/** Illustrative list prices (fixed MXN/ARS per payout, IVA 16 % in Mexico, 21 % in Argentina); set yours in the config file. */
const DEFAULT_FEES: Record<ProviderId, ProviderConfig['fees']> = {
  openpay: { fixedMinor: 800, percentBps: 0, ivaBps: 1600 },
  conekta: { fixedMinor: 700, percentBps: 0, ivaBps: 1600 },
  digitalfemsa: { fixedMinor: 1200, percentBps: 0, ivaBps: 1600 },
  zenrise: { fixedMinor: 0, percentBps: 50, ivaBps: 2100 },
};
