import type { Target } from '../../config/config-types.ts';
import type { ProviderId } from '../../domain/provider-id.ts';
import type { LedgerStore } from '../../ledger/ledger-store.ts';
import { syncBatches, type ProviderLaneConfig, type SyncReport } from '../../sync/sync-batches.ts';

/** Real time the settling may take (each round moves the simulated clock, so it normally takes a second or two). */
const SETTLE_TIMEOUT_MS = 60_000;
/**
 * Rounds, each one settlement period of simulated time later: two settle every payout this simulator accepted; the
 * rest allow for retried lookups. A row paid to an earlier run's simulator (gone) never settles here: it stays as it
 * is once the rounds are spent, for a sync against a simulator that knows it.
 */
const SETTLE_ROUNDS = 4;

/**
 * A simulator started in-process is gone when `run` ends, and nobody could ever ask it again about the payouts it
 * accepted: their rows would stay pending for good. So before it stops, its clock is moved past settlement and each
 * pending (or unknown) row of the batch is looked up there, as `sync --until-final` would, and recorded final.
 */
export async function settleInProcess(options: {
  ledger: LedgerStore;
  batchId: string;
  environment: Target;
  advanceClock(): Promise<void>;
  lane(provider: ProviderId): ProviderLaneConfig;
  maxAttempts: number;
  signal: AbortSignal;
}): Promise<SyncReport> {
  return syncBatches({
    ledger: options.ledger,
    batchIds: [options.batchId],
    environment: options.environment,
    lane: options.lane,
    maxAttempts: options.maxAttempts,
    untilFinal: true,
    timeoutMs: SETTLE_TIMEOUT_MS,
    maxRounds: SETTLE_ROUNDS,
    // Simulated time, not real time: each pause moves the simulator's clock by one settlement period.
    pause: () => options.advanceClock(),
    signal: options.signal,
  });
}
