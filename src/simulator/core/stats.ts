import { PROVIDER_IDS, type ProviderId } from '../../domain/provider-id.ts';
import { FAULT_KINDS, type FaultKind } from './fault-spec.ts';
import { SecondWindow } from './rate-window.ts';

interface ProviderStats {
  requests: number;
  peakPerSecond: number;
  rateLimited: number;
  sent429: number;
  faults: Record<FaultKind, number>;
  window: SecondWindow;
  limiter: SecondWindow;
}

const zeroFaults = (): Record<FaultKind, number> => Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;

/**
 * Counters for GET /__admin/stats: requests per provider, the busiest one-second window (sliding), 429s sent,
 * faults injected per kind. The same per-provider window of admitted requests drives the `rate` limit.
 */
export class SimStats {
  private readonly perProvider = new Map<ProviderId, ProviderStats>();
  webhooksSent = 0;
  webhooksFailed = 0;

  constructor() {
    for (const id of PROVIDER_IDS) {
      this.perProvider.set(id, { requests: 0, peakPerSecond: 0, rateLimited: 0, sent429: 0, faults: zeroFaults(), window: new SecondWindow(), limiter: new SecondWindow() });
    }
  }

  /** Counts a request as it arrives (real monotonic ms). */
  arrived(provider: ProviderId, now: number): void {
    const s = this.of(provider);
    s.requests++;
    s.window.push(now);
    const inWindow = s.window.count(now);
    if (inWindow > s.peakPerSecond) s.peakPerSecond = inWindow;
  }

  /**
   * Sliding 1-s limit: admits the request and returns 0, or returns the seconds to wait (Retry-After, at least 1)
   * when `rate` requests were already admitted in the last second.
   */
  admit(provider: ProviderId, now: number, rate: number): number {
    const s = this.of(provider);
    if (s.limiter.count(now) >= rate) {
      s.rateLimited++;
      s.sent429++;
      return Math.max(1, Math.ceil(s.limiter.msUntilSlot(now) / 1000));
    }
    s.limiter.push(now);
    return 0;
  }

  fault(provider: ProviderId, kind: FaultKind): void {
    const s = this.of(provider);
    s.faults[kind]++;
    if (kind === 'http429') s.sent429++;
  }

  snapshot(): Record<string, unknown> {
    const providers: Record<string, unknown> = {};
    const totals = zeroFaults();
    for (const [id, s] of this.perProvider) {
      providers[id] = { requests: s.requests, peak_requests_per_second: s.peakPerSecond, responses_429: s.sent429, rate_limited: s.rateLimited, faults: { ...s.faults } };
      for (const kind of FAULT_KINDS) totals[kind] += s.faults[kind];
    }
    return { providers, faults: totals, webhooks: { sent: this.webhooksSent, failed: this.webhooksFailed } };
  }

  private of(provider: ProviderId): ProviderStats {
    return this.perProvider.get(provider) as ProviderStats;
  }
}
