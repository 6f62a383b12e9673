import { isFinalStatus, type RowStatus } from '../domain/row-status.ts';
import { IllegalTransitionError } from './ledger-error.ts';
import type { KeyOwner, ReturnReversal } from './ledger-store.ts';
import { storedMessage } from '../messages/stored-message.ts';

/** Why a row changed state. Kept on every history entry. */
export const TRANSITION_CAUSES = [
  /** Row written by the plan (first entry of every row). */
  'planned',
  /** Another row already owns the provider + order key (set when a row is written or requeued). */
  'key_owned',
  /** The request is about to leave (first attempt, or a retry of a request that provably did not leave). */
  'sent',
  /** Resent after a lookup proved the provider has no payout for the key. */
  'resent_after_lookup',
  'provider_accepted',
  'provider_rejected',
  /** A retryable error before the request left (connection refused, 429): the row goes back to the queue. */
  'not_left',
  'timeout',
  /** Any other error after which the request may have been performed (5xx on a money-moving call, reset). */
  'outcome_unknown',
  'lookup',
  /**
   * Before the first send of a row the ledger has no history of (Conekta, Digital FEMSA: no idempotency at the
   * provider), the provider's list held a payout carrying the row's request key: a run the ledger lost made it.
   */
  'found_at_provider',
  /** Such a payout was found, but with another amount or destination than the row: not the row's to claim or repeat. */
  'found_at_provider_differs',
  /** A lookup proved the provider has no payout for the key. */
  'lookup_found_nothing',
  'sync',
  'webhook',
  /** A payout the provider reported paid was later returned or reversed. */
  'reversal',
  /**
   * The provider shows paid again a payout it had returned (the return itself was reversed): the row is paid again
   * and owns its order id again — unless another row took the order id meanwhile (LedgerStore.reverseReturn).
   */
  'return_reversed',
  'interrupted',
  'aborted',
  'insufficient_funds',
  'resumed',
] as const;
export type TransitionCause = (typeof TRANSITION_CAUSES)[number];

/** Statuses a row may be written with. Everything else is reached through a transition. */
export const INITIAL_STATUSES = ['queued', 'invalid', 'duplicate', 'conflict'] as const;
export type InitialStatus = (typeof INITIAL_STATUSES)[number];

/**
 * Statuses in which a row owns its provider + order key. At most one row in the whole ledger may be in one of these
 * for a given key (a partial unique index enforces it), so two rows with the same key can never both be sent.
 * `failed` and `not_sent` release the key: the provider explicitly failed it, or it provably never left.
 */
export const KEY_OWNING_STATUSES = ['queued', 'sending', 'pending', 'unknown', 'paid'] as const;

/** Statuses a row can only have reached after a request left (or may have left). */
export const SENT_STATUSES: readonly RowStatus[] = ['sending', 'unknown', 'pending', 'paid', 'failed'];

type Causes = 'any' | readonly TransitionCause[];

/**
 * THE transition table: from → to → the causes that justify the move ('any' when the move itself is the rule).
 * Every status change in every store implementation goes through `assertTransition`; nothing else decides.
 *
 *  - sending → queued only when the request provably did not leave (otherwise a resend could pay twice);
 *  - unknown → sending only after a lookup proved the provider has nothing (never resend blindly);
 *  - unknown → not_sent only on that same proof;
 *  - paid → failed only as a reversal (money returned after payment), recorded as such;
 *  - failed → paid only when the provider shows a returned payout paid again (return_reversed), and only while no
 *    other row owns the order id the return released (LedgerStore.reverseReturn checks the owner in the same
 *    transaction; the key-owner index is the backstop);
 *  - not_sent → queued only when the operator re-runs the batch; the key may have been taken meanwhile, in which
 *    case the row becomes duplicate or conflict of the new owner.
 */
export const TRANSITIONS: Readonly<Partial<Record<RowStatus, Readonly<Partial<Record<RowStatus, Causes>>>>>> = {
  // queued → failed: the provider refused the destination itself (e.g. Zenrise rejects the bank account) before any
  // money-moving request was made for the row.
  //
  // queued → pending | paid | failed: the provider already holds a payout with the row's request key (a lost, empty or
  // replaced ledger); the row takes the provider's state and is never sent. queued → failed also covers a found
  // payout the provider failed: that request left and failed, and the key is released like any failed payout.
  // queued → conflict: the found payout carries the row's key but another amount or destination. Neither paid (the
  // provider's payout is not this row's) nor unknown (a later lookup by amount would find nothing and send it): a
  // final state the operator must resolve, exactly like two rows of one order id that disagree.
  queued: {
    sending: ['sent'],
    not_sent: ['interrupted', 'aborted', 'insufficient_funds'],
    pending: ['found_at_provider'],
    paid: ['found_at_provider'],
    failed: ['provider_rejected', 'found_at_provider'],
    conflict: ['found_at_provider_differs'],
  },
  sending: { pending: 'any', paid: 'any', failed: 'any', unknown: 'any', queued: ['not_left'] },
  unknown: {
    pending: 'any',
    paid: 'any',
    failed: 'any',
    not_sent: ['lookup_found_nothing'],
    sending: ['resent_after_lookup'],
  },
  pending: { paid: 'any', failed: 'any' },
  paid: { failed: ['reversal'] },
  failed: { paid: ['return_reversed'] },
  not_sent: { queued: ['resumed'], duplicate: ['key_owned'], conflict: ['key_owned'] },
};

export function canTransition(from: RowStatus, to: RowStatus, cause: TransitionCause): boolean {
  const causes = TRANSITIONS[from]?.[to];
  if (causes === undefined) return false;
  return causes === 'any' || causes.includes(cause);
}

/** Throws IllegalTransitionError unless the table allows `from → to` for `cause`. */
export function assertTransition(rowId: number, from: RowStatus, to: RowStatus, cause: TransitionCause): void {
  if (!canTransition(from, to, cause)) throw new IllegalTransitionError(rowId, from, to, cause);
}

export function assertInitialStatus(rowId: number, status: RowStatus): asserts status is InitialStatus {
  if (!(INITIAL_STATUSES as readonly RowStatus[]).includes(status)) throw new IllegalTransitionError(rowId, null, status, 'planned');
}

export function ownsKey(status: RowStatus): boolean {
  return (KEY_OWNING_STATUSES as readonly RowStatus[]).includes(status);
}

/** What an outcome or provider event may move a row to. */
export const OUTCOME_TARGETS: readonly RowStatus[] = ['pending', 'paid', 'failed', 'unknown', 'queued', 'not_sent', 'conflict'];

/** Causes that carry the provider's own current view of an existing payout (as opposed to our call's result). */
const PROVIDER_REPORT_CAUSES: readonly TransitionCause[] = ['webhook', 'sync', 'lookup', 'reversal'];
const PROVIDER_STATES: readonly RowStatus[] = ['pending', 'paid', 'failed'];

/**
 * How far ahead of our clock a provider's event time may be and still be taken as given: providers' clocks differ
 * from ours by seconds, and the order of two such events must survive.
 */
export const MAX_EVENT_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * A provider's event time, no later than `now` + MAX_EVENT_CLOCK_SKEW_MS. A forged far-future time would otherwise
 * make every later event look older than the one the row reflects, and freeze the row.
 */
export function clampEventTime(at: Date, now: Date): Date {
  const latest = now.getTime() + MAX_EVENT_CLOCK_SKEW_MS;
  return at.getTime() > latest ? new Date(latest) : at;
}

/** What a store should do with one outcome or provider event for a row. */
export type OutcomeDecision =
  | { kind: 'transition'; to: RowStatus; cause: TransitionCause; note?: string }
  /** Same state, newer detail (provider status word, payout id): update the row, log it, no status change. */
  | { kind: 'refresh' }
  | { kind: 'ignore'; reason: IgnoreReason };

export type IgnoreReason =
  /** The outcome belongs to an earlier attempt of the row. */
  | 'stale_attempt'
  /** The provider event is older than the one the row already reflects. */
  | 'older'
  /** Nothing new. */
  | 'no_change'
  /** The row is final and this is not a reversal. */
  | 'final'
  /** The provider already told us more than this outcome (a webhook settled the row before our call's result). */
  | 'superseded';

export interface OutcomeFacts {
  to: RowStatus;
  cause: TransitionCause;
  attempt?: number;
  providerStatus?: string;
  providerPayoutId?: string;
  providerUpdatedAt?: Date;
}

export interface RowFacts {
  status: RowStatus;
  attempts: number;
  providerStatus?: string;
  providerPayoutId?: string;
  providerUpdatedAt?: Date;
}

/**
 * The ordering rules for outcomes and provider events, pure so every store applies them identically.
 * Outcomes are recorded late on purpose (group commit), so a webhook may have settled the row before the
 * dispatcher's own result is written: a provider state is merged by event time and never leaves a final state
 * (except paid → failed as a reversal); our own "unknown"/"not left" verdicts yield to anything the provider said.
 * Anything else goes through the transition table and throws when illegal.
 */
export function decideOutcome(rowId: number, row: RowFacts, item: OutcomeFacts, now?: Date): OutcomeDecision {
  // `sending` carries an attempt and a lock check (markSending); duplicate/conflict carry an owner (insert, requeue).
  if (!OUTCOME_TARGETS.includes(item.to)) throw new IllegalTransitionError(rowId, row.status, item.to, item.cause);
  // A conflict of another row (key_owned) names its owner and is written by requeue; as an outcome, only the guard's.
  if (item.to === 'conflict' && item.cause !== 'found_at_provider_differs') throw new IllegalTransitionError(rowId, row.status, item.to, item.cause);
  if (item.attempt !== undefined && item.attempt !== row.attempts) return { kind: 'ignore', reason: 'stale_attempt' };

  if (PROVIDER_STATES.includes(item.to) && SENT_STATUSES.includes(row.status)) {
    // Both times are compared as no later than now (+ skew): a forged far-future time on the row must not make every
    // later event look older (the row would be frozen), nor may a far-future event claim to be newer than what comes next.
    const itemAt = item.providerUpdatedAt && now ? clampEventTime(item.providerUpdatedAt, now) : item.providerUpdatedAt;
    const rowAt = row.providerUpdatedAt && now ? clampEventTime(row.providerUpdatedAt, now) : row.providerUpdatedAt;
    if (itemAt && rowAt && itemAt.getTime() < rowAt.getTime()) {
      return { kind: 'ignore', reason: 'older' };
    }
    if (row.status === item.to) {
      const newStatusWord = item.providerStatus !== undefined && item.providerStatus !== row.providerStatus;
      const newPayoutId = item.providerPayoutId !== undefined && row.providerPayoutId === undefined;
      return newStatusWord || newPayoutId ? { kind: 'refresh' } : { kind: 'ignore', reason: 'no_change' };
    }
    if (row.status === 'paid' && item.to === 'failed') {
      // Only the provider's view of the existing payout can reverse it; a late rejection of our own call cannot.
      if (!PROVIDER_REPORT_CAUSES.includes(item.cause)) return { kind: 'ignore', reason: 'final' };
      assertTransition(rowId, 'paid', 'failed', 'reversal');
      return item.cause === 'reversal'
        ? { kind: 'transition', to: 'failed', cause: 'reversal' }
        : { kind: 'transition', to: 'failed', cause: 'reversal', note: `reported by ${item.cause}` };
    }
    if (isFinalStatus(row.status)) return { kind: 'ignore', reason: 'final' };
    assertTransition(rowId, row.status, item.to, item.cause);
    return { kind: 'transition', to: item.to, cause: item.cause };
  }

  if ((item.to === 'unknown' || item.to === 'queued') && (row.status === 'pending' || row.status === 'paid' || row.status === 'failed')) {
    return { kind: 'ignore', reason: 'superseded' };
  }
  if (item.to === 'unknown' && row.status === 'unknown') return { kind: 'ignore', reason: 'no_change' };

  assertTransition(rowId, row.status, item.to, item.cause);
  return { kind: 'transition', to: item.to, cause: item.cause };
}

/** What a returned row holds, for decideReturnReversal. */
export interface ReturnedRowFacts {
  id: number;
  providerPayoutId?: string;
  providerStatus?: string;
  errorCode?: string;
  errorMessage?: string;
}

export type ReturnReversalDecision =
  /** failed → paid (return_reversed): the error cleared, the row owns its order id again. */
  | { kind: 'transition'; history: { providerStatus: string; note: string } }
  /** Another row owns the order id: the row stays failed, flagged PAID_TWICE (history failed → failed). */
  | { kind: 'paid_twice'; owner: KeyOwner; errorMessage: string; history: { providerStatus: string; errorCode: 'PAID_TWICE'; note: string } }
  /** The row already says so. */
  | { kind: 'unchanged' };

/** The history entry of a PAID_TWICE row whose payout the provider shows failed again: the flag goes back to RETURNED. */
export function returnStandsAgainHistory(providerStatus: string): { providerStatus: string; errorCode: 'RETURNED'; note: string } {
  return { providerStatus, errorCode: 'RETURNED', note: 'PAID_TWICE cleared: the provider shows the payout failed again' };
}

/**
 * A returned row whose payout the provider shows paid again, pure so both stores decide it alike. `owner` is the row
 * that owns the row's order id now (read in the store's transaction), if any: the return released the order id, and
 * a later batch may have paid it again. Then the ledger cannot make this row paid (one row owns an order id: the
 * key-owner index), and it must not stay silent either: the row stays failed, flagged PAID_TWICE, naming the owner.
 */
export function decideReturnReversal(row: ReturnedRowFacts, reversal: ReturnReversal, owner: KeyOwner | undefined): ReturnReversalDecision {
  const payout = row.providerPayoutId ?? '';
  if (owner && owner.rowId !== row.id) {
    const errorMessage = storedMessage({
      code: 'PAID_TWICE',
      params: { payoutId: payout, providerStatus: reversal.providerStatus, ownerBatch: owner.batchId, ownerRow: owner.rowNumber, ownerStatus: owner.status },
    });
    if (row.errorCode === 'PAID_TWICE' && row.errorMessage === errorMessage && row.providerStatus === reversal.providerStatus) return { kind: 'unchanged' };
    return {
      kind: 'paid_twice',
      owner,
      errorMessage,
      history: { providerStatus: reversal.providerStatus, errorCode: 'PAID_TWICE', note: `return reversed at the provider (reported by ${reversal.seenBy}); the order id is owned by batch ${owner.batchId} row ${owner.rowNumber}` },
    };
  }
  assertTransition(row.id, 'failed', 'paid', 'return_reversed');
  return { kind: 'transition', history: { providerStatus: reversal.providerStatus, note: `the provider shows payout ${payout} paid again: its return was reversed (reported by ${reversal.seenBy})` } };
}
