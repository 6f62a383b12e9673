import type { ApprovalConfig } from './approval-config.ts';
import type { Minor } from '../domain/money.ts';
import type { ProviderId } from '../domain/provider-id.ts';
import type { ReadLimits } from '../read/read-limits.ts';

export type Target = 'simulator' | 'sandbox' | 'live';

/** A provider's fee per payout, as on its statement: fixed + percent of the amount, then IVA on the fee. */
export interface FeeSchedule {
  fixedMinor: Minor;
  /** Percent of the amount in basis points (1.5 % = 150). */
  percentBps: number;
  /** IVA on the fee in basis points (16 % = 1600). */
  ivaBps: number;
}

export interface ProviderConfig {
  /** Requests per second to this provider, all its endpoints together. */
  rate: number;
  /** Requests in flight at once to this provider. */
  concurrency: number;
  /** Per-request timeout. */
  timeoutMs: number;
  /** Overrides of the real base URLs (e.g. a proxy). */
  baseUrl: { sandbox?: string; live?: string };
  fees: FeeSchedule;
}

export interface AppConfig {
  /** Where the config came from, for messages ('defaults' when no file). */
  source: string;
  ledgerPath?: string;
  /** "operator": who runs the batches from this config, recorded on each batch (else the OS user). */
  operator?: string;
  providers: Record<ProviderId, ProviderConfig>;
  /** Who must approve a batch in `payout-batch serve` (approval-config.ts). */
  approval?: ApprovalConfig;
  /** "limits": what a payout file may hold (read/read-limits.ts); a flag overrides its key. */
  limits: Partial<ReadLimits>;
  /** "timeZone": the IANA zone of every date shown and of report's --from/--to days; else each provider's country's. */
  timeZone?: string;
  /** "returnWindowDays": days after payment sync asks a paid row again (config/watch-periods.ts); else the default. */
  returnWindowDays?: number;
  /** "graceSeconds": seconds run's requests in flight get after the first signal (config/watch-periods.ts). */
  graceSeconds?: number;
}

export interface ConfigResult {
  config: AppConfig;
  warnings: string[];
  errors: string[];
}
