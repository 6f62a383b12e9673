import { withRetries } from '../dispatch/retry-policy.ts';
import type { ProviderId } from '../domain/provider-id.ts';
import type { Environment, LedgerStore, UnaccountedPayout } from '../ledger/ledger-store.ts';
import type { PayoutProvider, ProviderPayout, ProviderSession } from '../providers/payout-provider.ts';
import { isProviderError } from '../providers/provider-error.ts';
import { getProvider } from '../providers/registry.ts';
import { payoutNotInLedger, type ReconciliationException } from './exceptions.ts';

const RETRY = { maxAttempts: 3, maxRetryTimeMs: 30_000 } as const;

/**
 * The payouts a provider event showed under one of our order ids that no row holds (kept by the webhook receiver,
 * LedgerStore.recordUnaccountedPayout), as NOT_IN_LEDGER exceptions of the scope: those of the scope's batches (the
 * batch of the row whose order id they carry) and --provider. The provider listing finds such a payout only inside
 * its window, and Zenrise lists nothing; these are found whatever the window.
 *
 * Each is read again from the provider when a session is given, and left out when that shows it failed (it moved no
 * money) or gone, or when a row holds its id by now (a sync or a run recorded it). Without a session, or when the
 * provider cannot be read, the last view the receiver recorded stands (said in a warning). One the listing already
 * reported is not repeated.
 */
export async function unaccountedExceptions(options: {
  ledger: Pick<LedgerStore, 'unaccountedPayouts' | 'findRowByProviderPayoutId' | 'getRow'>;
  environment: Environment;
  batchIds: ReadonlySet<string>;
  provider?: ProviderId;
  sessions?: ReadonlyMap<ProviderId, ProviderSession>;
  /** Exceptions found so far (the listing's): the same payout is not reported twice. */
  already: readonly ReconciliationException[];
  providerOf?: (id: ProviderId) => PayoutProvider;
}): Promise<{ exceptions: ReconciliationException[]; warnings: string[] }> {
  const providerOf = options.providerOf ?? getProvider;
  const exceptions: ReconciliationException[] = [];
  const warnings: string[] = [];
  const reported = new Set(options.already.filter((e) => e.type === 'NOT_IN_LEDGER').map((e) => `${e.provider}|${e.providerPayoutId ?? ''}`));
  const kept = (await options.ledger.unaccountedPayouts(options.environment)).filter(
    (p) => options.batchIds.has(p.batchId) && (options.provider === undefined || p.provider === options.provider) && !reported.has(`${p.provider}|${p.providerPayoutId}`),
  );
  for (const record of kept) {
    if (await options.ledger.findRowByProviderPayoutId(record.provider, record.providerPayoutId, options.environment)) continue;
    let view: ProviderPayout = lastView(record);
    const session = options.sessions?.get(record.provider);
    if (session) {
      try {
        const fetched = await withRetries(() => providerOf(record.provider).getPayout(session, record.providerPayoutId), RETRY);
        // A payout made outside this tool may not carry the order id where the adapter reads it: the event named it.
        view = { ...fetched, ...(fetched.reference === undefined && record.reference !== undefined ? { reference: record.reference } : {}) };
      } catch (error) {
        if (isProviderError(error) && error.kind === 'not_found') {
          warnings.push(`${record.provider}: payout ${record.providerPayoutId}, reported by a provider event under order ${record.reference ?? '?'}, is no longer at the provider; left out of the exceptions`);
          continue;
        }
        warnings.push(`${record.provider}: payout ${record.providerPayoutId} (order ${record.reference ?? '?'}) could not be read again (${error instanceof Error ? error.message : String(error)}); its exception shows what the provider showed on ${record.lastSeenAt.toISOString()}`);
      }
      if (view.state === 'failed') continue;
    } else {
      warnings.push(`${record.provider}: payout ${record.providerPayoutId} (order ${record.reference ?? '?'}) is listed as the provider showed it on ${record.lastSeenAt.toISOString()}: the provider was not asked again`);
    }
    const sameOrder = await options.ledger.getRow(record.rowId);
    const exception = payoutNotInLedger(record.provider, view, sameOrder);
    exception.detail = `${exception.detail} Reported by a provider event on ${record.firstSeenAt.toISOString()} and confirmed at the provider.`;
    exception.es.detail = `${exception.es.detail} Lo informó un evento del proveedor el ${record.firstSeenAt.toISOString()} y se confirmó en el proveedor.`;
    exceptions.push(exception);
  }
  return { exceptions, warnings };
}

function lastView(record: UnaccountedPayout): ProviderPayout {
  return {
    payoutId: record.providerPayoutId,
    state: record.state,
    providerStatus: record.providerStatus,
    amountMinor: record.amountMinor,
    currency: record.currency,
    ...(record.reference !== undefined ? { reference: record.reference } : {}),
    ...(record.destination !== undefined ? { destination: record.destination } : {}),
  };
}
