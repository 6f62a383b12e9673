import type { LedgerRow } from '../ledger/ledger-store.ts';
import { getProviderModule } from '../providers/registry.ts';

/**
 * Whether settling this row in a sync sends its money-moving request again: a row without a payout id whose outcome
 * is not known (`unknown`, or `sending` left by a dead run) is settled by findPayout, which for some providers is the
 * same request under the same key (ProviderModule.lookupResends).
 */
export function lookupWouldResend(row: Pick<LedgerRow, 'provider' | 'status' | 'providerPayoutId'>): boolean {
  return !row.providerPayoutId && (row.status === 'unknown' || row.status === 'sending') && getProviderModule(row.provider).lookupResends;
}
