import type { RowStatus } from '../domain/row-status.ts';
import { IllegalTransitionError } from '../ledger/ledger-error.ts';
import type { LedgerStore } from '../ledger/ledger-store.ts';
import type { IgnoreReason } from '../ledger/transitions.ts';
import type { PayoutEvent } from './payout-event.ts';

export type EventLedger = Pick<LedgerStore, 'findRowByProviderPayoutId' | 'findKeyOwners' | 'applyProviderState'>;

/** What became of one event; the receiver turns it into an HTTP status and a log line. */
export type ApplyOutcome =
  /** The row was found by its payout id; `changed` is false for a repeated, older or no-op event. */
  | { kind: 'applied'; rowId: number; batchId: string; changed: boolean; status: RowStatus; ignored?: IgnoreReason }
  /**
   * The reference is one of our rows, but the row does not have its payout id yet: the dispatcher records outcomes
   * in groups, so a provider's event can overtake it. Ask the provider to deliver it again.
   */
  | { kind: 'not_recorded_yet'; rowId: number; batchId: string; status: RowStatus }
  /** No row has this payout id or reference: not a payout this tool made. */
  | { kind: 'unknown_payout' }
  /**
   * The reference is one of our rows, but the row holds another payout id, or released its key (failed / not_sent):
   * the provider has a payout the ledger does not account for. Redelivery cannot fix that; an operator must look.
   */
  | { kind: 'unaccounted_payout'; rowId: number; batchId: string; status: RowStatus; rowPayoutId?: string }
  /** The ledger refuses the move (an event for a row it never sent): a bug or a foreign payout, not retryable. */
  | { kind: 'illegal'; rowId: number; batchId: string; from: RowStatus; to: RowStatus };

/**
 * Applies one provider event to the ledger. Idempotent and order-tolerant by construction: the ledger's
 * decideOutcome ignores an event older than the one the row reflects (occurredAt → providerUpdatedAt), a repeated
 * one, and anything but a reversal on a final row.
 */
export async function applyPayoutEvent(ledger: EventLedger, event: PayoutEvent): Promise<ApplyOutcome> {
  const row = await ledger.findRowByProviderPayoutId(event.provider, event.payoutId);
  if (!row) return withoutRow(ledger, event);
  try {
    const result = await ledger.applyProviderState(row.id, event.state, {
      cause: 'webhook',
      providerStatus: event.providerStatus,
      providerPayoutId: event.payoutId,
      ...(event.occurredAt ? { providerUpdatedAt: event.occurredAt } : {}),
      ...(event.state === 'failed'
        ? { errorCode: 'PROVIDER_FAILED', errorMessage: event.failureMessage ?? `provider status ${event.providerStatus}` }
        : {}),
    });
    return {
      kind: 'applied',
      rowId: row.id,
      batchId: row.batchId,
      changed: result.changed,
      status: result.status,
      ...(result.ignored ? { ignored: result.ignored } : {}),
    };
  } catch (error) {
    if (error instanceof IllegalTransitionError) return { kind: 'illegal', rowId: row.id, batchId: row.batchId, from: row.status, to: event.state };
    throw error;
  }
}

async function withoutRow(ledger: EventLedger, event: PayoutEvent): Promise<ApplyOutcome> {
  if (event.reference === undefined) return { kind: 'unknown_payout' };
  const owner = (await ledger.findKeyOwners(event.provider, [event.reference])).get(event.reference);
  if (!owner) return { kind: 'unknown_payout' };
  if (owner.ownsKey && owner.providerPayoutId === undefined) {
    return { kind: 'not_recorded_yet', rowId: owner.rowId, batchId: owner.batchId, status: owner.status };
  }
  return {
    kind: 'unaccounted_payout',
    rowId: owner.rowId,
    batchId: owner.batchId,
    status: owner.status,
    ...(owner.providerPayoutId !== undefined ? { rowPayoutId: owner.providerPayoutId } : {}),
  };
}
