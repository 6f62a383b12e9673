import type { ProviderId } from '../domain/provider-id.ts';

/**
 * How many unverified events per second, per provider, the receiver follows up with a provider API call. Each one
 * costs a request against the provider's rate limit, so a forged flood is answered 429 beyond the budget instead of
 * spending the budget of real payouts. A token bucket: `perSecond` tokens a second, up to `perSecond` saved.
 */
export interface UnverifiedBudget {
  /** True when this event may be followed now. */
  take(provider: ProviderId): boolean;
}

export function createUnverifiedBudget(perSecond: number, now: () => number = Date.now): UnverifiedBudget {
  if (!(perSecond >= 0) || !Number.isFinite(perSecond)) throw new RangeError(`the unverified webhook budget must be a number >= 0, got ${perSecond}`);
  const buckets = new Map<ProviderId, { tokens: number; at: number }>();
  return {
    take(provider) {
      if (perSecond === 0) return false;
      const t = now();
      const bucket = buckets.get(provider) ?? { tokens: perSecond, at: t };
      bucket.tokens = Math.min(perSecond, bucket.tokens + ((t - bucket.at) / 1000) * perSecond);
      bucket.at = t;
      buckets.set(provider, bucket);
      if (bucket.tokens < 1) return false;
      bucket.tokens -= 1;
      return true;
    },
  };
}
