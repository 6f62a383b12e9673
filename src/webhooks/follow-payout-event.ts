import type { ProviderId } from '../domain/provider-id.ts';
import type { RowStatus } from '../domain/row-status.ts';
import { providerStateEvent } from '../dispatch/outcome-fields.ts';
import { IllegalTransitionError } from '../ledger/ledger-error.ts';
import type { Environment, KeyOwner, LedgerRow, LedgerStore, UnaccountedPayoutInput } from '../ledger/ledger-store.ts';
import type { IgnoreReason } from '../ledger/transitions.ts';
import type { ProviderPayout } from '../providers/payout-provider.ts';
import { isProviderError } from '../providers/provider-error.ts';
import type { PayoutEvent } from './payout-event.ts';

/** The ledger as one environment's webhooks see it: rows of other environments are not theirs to follow. */
export interface EventLedger {
  findRowByProviderPayoutId(provider: ProviderId, payoutId: string): Promise<LedgerRow | undefined>;
  findKeyOwners(orderKeys: readonly string[]): Promise<Map<string, KeyOwner>>;
  applyProviderState: LedgerStore['applyProviderState'];
  /** Keeps a payout the provider confirmed under one of our order ids that no row holds, for report's exceptions. */
  recordUnaccountedPayout(payout: Omit<UnaccountedPayoutInput, 'environment'>): Promise<{ recorded: boolean }>;
}

/** The ledger scoped to the receiver's --target: an event about a simulator payout never moves a live row. */
export function eventLedgerFor(
  ledger: Pick<LedgerStore, 'findRowByProviderPayoutId' | 'findKeyOwners' | 'applyProviderState' | 'recordUnaccountedPayout'>,
  environment: Environment,
): EventLedger {
  return {
    findRowByProviderPayoutId: (provider, payoutId) => ledger.findRowByProviderPayoutId(provider, payoutId, environment),
    findKeyOwners: (orderKeys) => ledger.findKeyOwners(environment, orderKeys),
    applyProviderState: (rowId, state, event) => ledger.applyProviderState(rowId, state, event),
    recordUnaccountedPayout: (payout) => ledger.recordUnaccountedPayout({ ...payout, environment }),
  };
}

/** Reads one payout from the provider's API (Openpay GET payout, Conekta GET transfer, FEMSA GET payout_order, Zenrise check-is-processed). */
export type PayoutFetcher = (provider: ProviderId, payoutId: string) => Promise<ProviderPayout>;

/** What became of one event; the receiver turns it into an HTTP status and a log line. */
export type FollowOutcome =
  /**
   * The row was found by its payout id and the provider was asked: `status` is what the provider shows, recorded;
   * `changed` is false when the row already showed it.
   */
  | { kind: 'applied'; rowId: number; batchId: string; changed: boolean; status: RowStatus; providerStatus: string; ignored?: IgnoreReason }
  /**
   * The reference is one of our rows, but the row does not have its payout id yet: the dispatcher records outcomes
   * in groups, so a provider's event can overtake it. Ask the provider to deliver it again.
   */
  | { kind: 'not_recorded_yet'; rowId: number; batchId: string; status: RowStatus }
  /**
   * No row has this payout id or reference: not a payout this tool made (nothing is fetched); or the reference is
   * ours but the provider has no such payout under it (a forged or stale event: nothing is recorded).
   */
  | { kind: 'unknown_payout' }
  /**
   * The reference is one of our rows, but the row holds another payout id, or released its key (failed / not_sent),
   * and the provider confirms it has the event's payout under that reference: a payout the ledger does not account
   * for. Redelivery cannot fix that; an operator must look. `recorded`: kept in the ledger for report's exceptions
   * (false when the provider shows it failed: it moved no money).
   */
  | { kind: 'unaccounted_payout'; rowId: number; batchId: string; status: RowStatus; rowPayoutId?: string; providerPayoutId: string; providerStatus: string; recorded: boolean }
  /** The provider could not be asked (errors after retries): nothing was recorded; the event must come again. */
  | { kind: 'provider_unavailable'; rowId: number; batchId: string; message: string }
  /** The provider answers that it has no payout with this id although the ledger holds it: an operator must look. */
  | { kind: 'provider_has_no_payout'; rowId: number; batchId: string; status: RowStatus }
  /** The ledger refuses the move the provider's state asks for (a bug or a foreign payout), not retryable. */
  | { kind: 'illegal'; rowId: number; batchId: string; from: RowStatus; to: RowStatus };

/**
 * Follows one provider event: the event only names the payout to look at. The payout is fetched from the provider
 * and what the provider shows is recorded (cause `webhook`), through the same transition table as `sync`: a forged
 * or stale event can make the tool ask, never make it write what the event claims.
 */
export async function followPayoutEvent(ledger: EventLedger, fetchPayout: PayoutFetcher, event: PayoutEvent): Promise<FollowOutcome> {
  const row = await ledger.findRowByProviderPayoutId(event.provider, event.payoutId);
  if (!row) return withoutRow(ledger, fetchPayout, event);

  let payout: ProviderPayout;
  try {
    payout = await fetchPayout(event.provider, event.payoutId);
  } catch (error) {
    if (isProviderError(error) && error.kind === 'not_found') return { kind: 'provider_has_no_payout', rowId: row.id, batchId: row.batchId, status: row.status };
    return { kind: 'provider_unavailable', rowId: row.id, batchId: row.batchId, message: error instanceof Error ? error.message : String(error) };
  }
  // The id the ledger holds is the one the provider answered for; anything else is not this row's payout.
  if (payout.payoutId !== event.payoutId) {
    if (await ledger.findRowByProviderPayoutId(event.provider, payout.payoutId)) return { kind: 'unknown_payout' };
    return unaccounted(ledger, event.provider, payout, { rowId: row.id, batchId: row.batchId, status: row.status, rowPayoutId: event.payoutId });
  }
  try {
    const result = await ledger.applyProviderState(row.id, payout.state, providerStateEvent(payout, 'webhook'));
    return {
      kind: 'applied',
      rowId: row.id,
      batchId: row.batchId,
      changed: result.changed,
      status: result.status,
      providerStatus: payout.providerStatus,
      ...(result.ignored ? { ignored: result.ignored } : {}),
    };
  } catch (error) {
    if (error instanceof IllegalTransitionError) return { kind: 'illegal', rowId: row.id, batchId: row.batchId, from: row.status, to: payout.state };
    throw error;
  }
}

async function withoutRow(ledger: EventLedger, fetchPayout: PayoutFetcher, event: PayoutEvent): Promise<FollowOutcome> {
  if (event.reference === undefined) return { kind: 'unknown_payout' };
  const owner = (await ledger.findKeyOwners([event.reference])).get(event.reference);
  // The reference names a payout of another provider: not one this provider's event can be about.
  if (!owner || owner.provider !== event.provider) return { kind: 'unknown_payout' };
  if (owner.ownsKey && owner.providerPayoutId === undefined) {
    return { kind: 'not_recorded_yet', rowId: owner.rowId, batchId: owner.batchId, status: owner.status };
  }
  // A hint still: the provider is asked whether it has this payout under our reference before anything is kept.
  let payout: ProviderPayout;
  try {
    payout = await fetchPayout(event.provider, event.payoutId);
  } catch (error) {
    if (isProviderError(error) && error.kind === 'not_found') return { kind: 'unknown_payout' };
    return { kind: 'provider_unavailable', rowId: owner.rowId, batchId: owner.batchId, message: error instanceof Error ? error.message : String(error) };
  }
  // Only the provider's own answer ties the payout to our order id: one it shows under another order id, or under
  // none (the event's reference is the sender's word), is not a payout of this row's key.
  if (payout.reference !== event.reference) return { kind: 'unknown_payout' };
  if (payout.payoutId !== event.payoutId && (await ledger.findRowByProviderPayoutId(event.provider, payout.payoutId))) return { kind: 'unknown_payout' };
  return unaccounted(ledger, event.provider, payout, {
    rowId: owner.rowId,
    batchId: owner.batchId,
    status: owner.status,
    ...(owner.providerPayoutId !== undefined ? { rowPayoutId: owner.providerPayoutId } : {}),
  });
}

/** Keeps the payout in the ledger (unless the provider shows it failed: no money moved) and says so. */
async function unaccounted(
  ledger: EventLedger,
  provider: ProviderId,
  payout: ProviderPayout,
  row: { rowId: number; batchId: string; status: RowStatus; rowPayoutId?: string },
): Promise<FollowOutcome> {
  let recorded = false;
  if (payout.state !== 'failed') {
    await ledger.recordUnaccountedPayout({
      provider,
      providerPayoutId: payout.payoutId,
      ...(payout.reference !== undefined ? { reference: payout.reference } : {}),
      rowId: row.rowId,
      batchId: row.batchId,
      state: payout.state,
      providerStatus: payout.providerStatus,
      amountMinor: payout.amountMinor,
      currency: payout.currency,
      ...(payout.destination !== undefined ? { destination: payout.destination } : {}),
      source: 'webhook',
    });
    recorded = true;
  }
  return { kind: 'unaccounted_payout', ...row, providerPayoutId: payout.payoutId, providerStatus: payout.providerStatus, recorded };
}
