/**
 * Test support: brings a batch's accepted rows to the provider's current state, as `payout-batch sync` does, by
 * reading each payout with getPayout and recording it through the ledger's own applyProviderState. A stand-in for
 * the sync command in the report tests; replace its calls with syncCommand once that lands.
 */
import { collectRows } from '../../src/ledger/collect-rows.ts';
import type { ProviderId } from '../../src/domain/provider-id.ts';
import type { LedgerStore } from '../../src/ledger/ledger-store.ts';
import { providerBaseUrl } from '../../src/providers/base-urls.ts';
import type { ProviderSession } from '../../src/providers/payout-provider.ts';
import { getProvider } from '../../src/providers/registry.ts';
import { SIMULATOR_CREDENTIALS } from '../../src/simulator/index.ts';

export function simulatorSession(simulatorUrl: string, provider: ProviderId): ProviderSession {
  return {
    provider,
    baseUrl: providerBaseUrl(provider, 'simulator', simulatorUrl),
    credentials: SIMULATOR_CREDENTIALS,
    timeoutMs: 10_000,
    auth: new Map(),
    now: () => new Date(),
  };
}

/** Every pending row of the batch gets the provider's state; returns how many changed. */
export async function settleRows(ledger: LedgerStore, batchId: string, simulatorUrl: string): Promise<number> {
  const sessions = new Map<ProviderId, ProviderSession>();
  let changed = 0;
  for (const row of (await collectRows(ledger.rowsByStatus(batchId, ['pending'])))) {
    if (!row.providerPayoutId) continue;
    const session = sessions.get(row.provider) ?? simulatorSession(simulatorUrl, row.provider);
    sessions.set(row.provider, session);
    const payout = await getProvider(row.provider).getPayout(session, row.providerPayoutId);
    const result = await ledger.applyProviderState(row.id, payout.state, { cause: 'sync', providerStatus: payout.providerStatus, providerUpdatedAt: new Date() });
    if (result.changed) changed += 1;
  }
  return changed;
}
