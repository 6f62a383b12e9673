import { claimingRowSource } from '../../src/dispatch/claiming-row-source.ts';
import { dispatchBatch, type DispatchResult } from '../../src/dispatch/dispatch-batch.ts';
import type { DispatchLedger } from '../../src/dispatch/dispatch-types.ts';
import type { ProviderId } from '../../src/domain/provider-id.ts';
import type { PostgresLedger } from '../../src/ledger/postgres/postgres-ledger.ts';
import { providerBaseUrl } from '../../src/providers/base-urls.ts';
import { closeHttpAgent } from '../../src/providers/http-client.ts';
import type { ProviderSession } from '../../src/providers/payout-provider.ts';
import { getProvider } from '../../src/providers/registry.ts';
import { SIMULATOR_CREDENTIALS } from '../../src/simulator/credentials.ts';

/** A session against the simulator as `run --simulator-url` makes one. */
export function simulatorSession(provider: ProviderId, simUrl: string, timeoutMs: number): ProviderSession {
  return {
    provider,
    baseUrl: providerBaseUrl(provider, 'simulator', simUrl),
    credentials: SIMULATOR_CREDENTIALS,
    timeoutMs,
    environment: 'simulator',
    auth: new Map<string, unknown>(),
    now: () => new Date(),
  };
}

/**
 * One worker of a shared (PostgreSQL) batch as `run` wires it, reduced to one provider lane: claims rows from `store`,
 * pays them against the simulator at `simUrl`. `ledger` may wrap the store (a test's hooks); it defaults to it.
 */
export async function payClaimedRows(options: {
  store: PostgresLedger;
  ledger?: DispatchLedger;
  batchId: string;
  provider: ProviderId;
  simUrl: string;
  timeoutMs: number;
}): Promise<{ result: DispatchResult; leaseLost: Array<{ rowId: number; code: string | undefined }> }> {
  const leaseLost: Array<{ rowId: number; code: string | undefined }> = [];
  const session = simulatorSession(options.provider, options.simUrl, options.timeoutMs);
  try {
    const result = await dispatchBatch({
      rows: [],
      source: claimingRowSource(options.store, options.batchId, { pollMs: 50 }),
      onLeaseLost: (row, error) => leaseLost.push({ rowId: row.rowId, code: (error as { code?: string }).code }),
      lanes: new Map([[options.provider, { provider: getProvider(options.provider), session, rate: 50, concurrency: 2 }]]),
      ledger: options.ledger ?? options.store,
      environment: 'simulator',
      maxAttempts: 3,
      signal: new AbortController().signal,
    });
    return { result, leaseLost };
  } finally {
    await closeHttpAgent();
  }
}
