import { withRetries } from '../dispatch/retry-policy.ts';
import type { Minor } from '../domain/money.ts';
import type { CheckedRow } from '../domain/payout-row.ts';
import type { ProviderId } from '../domain/provider-id.ts';
import type { Environment, KeyOwner, LedgerStore } from '../ledger/ledger-store.ts';
import type { PlannedPayout } from '../plan/plan-batch.ts';
import { keysToLookUp, type PlanSnapshot } from '../plan/plan-run.ts';
import type { ProviderSession } from '../providers/payout-provider.ts';
import { getProvider } from '../providers/registry.ts';
import { RunError } from '../run-error.ts';

/** Rows that have been sent (or may have been): anything in these states is already the provider's. */
export const IN_FLIGHT = ['sending', 'unknown'] as const;

/** Reads what the plan needs from the ledger and the providers: key owners, a resumed batch's open rows, balances. */
export async function readPlanSnapshot(options: {
  ledger: LedgerStore;
  batchId: string;
  /** The run's target: only owners in this environment (or legacy ones) count. */
  environment: Environment;
  rows: readonly CheckedRow[];
  providers: readonly ProviderId[];
  sessions: ReadonlyMap<ProviderId, ProviderSession>;
}): Promise<PlanSnapshot> {
  const { ledger, batchId } = options;
  const resumed = (await ledger.getBatch(batchId)) !== undefined;
  // One key per payout intent: an order_id owned under any provider in this environment counts; a rehearsal on the
  // simulator does not make the live run's rows duplicates.
  const keyOwners: ReadonlyMap<string, KeyOwner> = await ledger.findKeyOwners(options.environment, keysToLookUp(options.rows));
  const resumedPayable: PlannedPayout[] = [];
  if (resumed) {
    for await (const r of ledger.rowsByStatus(batchId, ['queued', 'not_sent', ...IN_FLIGHT])) {
      if (r.amountMinor !== undefined && r.currency) resumedPayable.push({ provider: r.provider, currency: r.currency, amountMinor: r.amountMinor });
    }
  }
  const balances = await readBalances(options.providers, options.sessions);
  return { batchId, resumed, keyOwners, resumedPayable, balances };
}

/** Balances where the provider reports one; a provider that cannot be reached at the start stops the run (exit 1). */
export async function readBalances(providers: readonly ProviderId[], sessions: ReadonlyMap<ProviderId, ProviderSession>): Promise<Map<string, Minor>> {
  const balances = new Map<string, Minor>();
  for (const id of providers) {
    try {
      const balance = await withRetries(() => getProvider(id).getBalance(sessions.get(id)!), { maxAttempts: 5 });
      if (balance) balances.set(`${id}|${balance.currency}`, balance.amountMinor);
    } catch (error) {
      const e = error as { kind?: string; message?: string };
      if (e.kind === 'authentication') throw new RunError('CREDENTIALS_MISSING', `${id} rejected the credentials: ${e.message}`, { hint: 'check the provider keys in the environment', cause: error });
      throw new RunError('PROVIDER_UNREACHABLE', `${id} could not be reached to read the balance: ${e.message ?? String(error)}`, { hint: 'check the network and the base URL, then run again; nothing was sent', cause: error });
    }
  }
  return balances;
}
