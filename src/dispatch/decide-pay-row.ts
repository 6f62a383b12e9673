import { maskAccount, sameDestination } from '../domain/mask-account.ts';
import type { MarkSendingItem, OutcomeInput, SendingMark } from '../ledger/ledger-store.ts';
import { canTransition, SENT_STATUSES, type TransitionCause } from '../ledger/transitions.ts';
import type { PayoutInstruction, ProviderPayout } from '../providers/payout-provider.ts';
import { isProviderError, type ProviderError } from '../providers/provider-error.ts';
import type { DispatchRow, RowResult, RowResultState } from './dispatch-types.ts';
import { errorFields, errorPart, payoutFailure } from './outcome-fields.ts';
import type { MessageParams, RunMessageCode } from '../messages/message-catalogue.ts';
import { storedMessage } from '../messages/stored-message.ts';
import { isRetryable } from './retry-policy.ts';

/** Where a row being paid can stand in the ledger. */
export type PayLedgerState = 'queued' | 'sending' | 'unknown';

/** What the machine waits for: the answer to the call it asked for last. */
export type PayWaiting =
  | 'start'
  /** The provider-side guard: whether the provider already holds a payout with the row's request key. */
  | 'guard'
  /** The recipient id a lookup may need (Conekta payee); a failure only means the lookup goes without it. */
  | 'lookup-recipient'
  | 'lookup'
  /** A row left `sending` whose lookup found nothing is recorded `unknown` before it may be sent again. */
  | 'record-unknown'
  /** The recipient id the request will carry; a failure here leaves the payout unsent. */
  | 'send-recipient'
  | 'mark'
  | 'create'
  /** A request that performed nothing is recorded `queued` before the next attempt marks it sending again. */
  | 'record-queued'
  /** The retry policy waits and tries again, or gives up. */
  | 'retry';

export interface PayRowState {
  rowId: number;
  instruction: PayoutInstruction;
  /** The row's state in the ledger as this run has left it: every move asked for starts from here. */
  ledger: PayLedgerState;
  /** The ledger's attempt number of the row (from its last mark). */
  attempt: number;
  /** When the last attempt left; lookups search from there. */
  since?: Date;
  /** Attempts the ledger held before this run. */
  priorAttempts: number;
  /**
   * The provider takes no idempotency key (Conekta, Digital FEMSA): a row the ledger has no history of is looked up
   * there by its request key before its first send.
   */
  guard?: boolean;
  attemptsThisRun: number;
  maxAttempts: number;
  /** The last provider error of a money-moving call in this run. */
  lastError?: ProviderError;
  /** The recipient id the send carries, as its recipient call answered. */
  sendRecipientId?: string;
  waiting: PayWaiting;
}

/** One call to perform; its answer is the next event. */
export type PayCall =
  | { kind: 'recipient'; instruction: PayoutInstruction }
  /** Answered `found` / `absent` from the provider's listing by request key (one listing per dispatch). */
  | { kind: 'guard'; instruction: PayoutInstruction }
  | { kind: 'lookup'; instruction: PayoutInstruction; since: Date }
  /** `retryBudget` opens a send under the retry policy with that many attempts; without it the send continues one. */
  | { kind: 'markSending'; item: MarkSendingItem & { requestKey: string }; retryBudget?: number }
  | { kind: 'createPayout'; instruction: PayoutInstruction }
  /** Durable before the next call. */
  | { kind: 'record'; outcome: OutcomeInput }
  /** Hand a failure that performed nothing to the retry policy. */
  | { kind: 'retry'; error: ProviderError };

export type PayAnswer =
  | { kind: 'start' }
  | { kind: 'recipient'; recipientId: string | undefined }
  | { kind: 'found'; payout: ProviderPayout }
  | { kind: 'absent' }
  | { kind: 'marked'; mark: SendingMark }
  | { kind: 'accepted'; payout: ProviderPayout }
  | { kind: 'recorded' }
  /** The retry policy waited: try again. */
  | { kind: 'retry' }
  /** The call failed (or, while waiting for `retry`, the retry policy gave up with this error). */
  | { kind: 'failed'; error: unknown };

/** An answer plus what was true when it came: the run was interrupted, the provider halted by another row. */
export type PayEvent = PayAnswer & { aborted: boolean; halted: boolean };

export type PayStep =
  | { state: PayRowState; call: PayCall }
  | { state: PayRowState; result: RowResult; halt?: ProviderError }
  /** The ledger refused a write the next step depends on: the row cannot go on, and the failure is the run's. */
  | { state: PayRowState; raise: unknown };

/** The result code of a row not sent because the provider could not be searched for an earlier payout of it. */
export const GUARD_FAILED_CODE = 'PROVIDER_CHECK_FAILED';
/** The result code of a row whose request key the provider already holds with another amount or destination. */
export const GUARD_DIFFERS_CODE = 'FOUND_AT_PROVIDER_DIFFERS';

/** A note of the catalogue (messages/message-catalogue.ts), stored as its code: written in each file's language. */
const note = (code: RunMessageCode): string => storedMessage({ code });

const UNCONFIRMED_NOTE = note('NOTE_UNCONFIRMED');

export function startState(row: DispatchRow, maxAttempts: number, guarded = false): PayRowState {
  return {
    ...(guarded ? { guard: true } : {}),
    rowId: row.rowId,
    instruction: { ...row.instruction },
    ledger: row.status,
    attempt: row.attempts,
    ...(row.sentAt ? { since: row.sentAt } : {}),
    priorAttempts: row.attempts,
    attemptsThisRun: 0,
    maxAttempts,
    waiting: 'start',
  };
}

/**
 * The rules of paying one row, pure: given where the row stands and what the last call answered, the next call or
 * the row's result.
 *  1. A row left `sending` or `unknown` is settled by lookup before anything is sent. A queued row the ledger has no
 *     history of, at a provider without idempotency, is looked up there by its request key first (the guard): found →
 *     the provider's state, never sent; found with another amount/destination → conflict; listing failed → not sent.
 *  2. The row is marked `sending` (attempt, request key) durably, then the request leaves.
 *  3. A failure that provably performed nothing goes to the retry policy; one that may have been performed is
 *     settled by lookup, never resent blindly: found → its state; provably absent → a new attempt; cannot tell →
 *     `unknown` for the operator.
 */
export function decide(state: PayRowState, event: PayEvent): PayStep {
  switch (state.waiting) {
    case 'start':
      if (state.ledger !== 'queued') return lookUp(state);
      if (state.guard === true && state.priorAttempts === 0 && !event.aborted && !event.halted) {
        return { state: { ...state, waiting: 'guard' }, call: { kind: 'guard', instruction: state.instruction } };
      }
      return readyToSend(state, event);
    case 'guard':
      return afterGuard(state, event);
    case 'lookup-recipient': {
      const recipientId = event.kind === 'recipient' ? event.recipientId : undefined;
      return lookUp(recipientId !== undefined ? { ...state, instruction: { ...state.instruction, recipientId } } : state);
    }
    case 'lookup':
      return afterLookup(state, event);
    case 'record-unknown':
      if (event.kind === 'failed') return { state, raise: event.error };
      return afterAbsent({ ...state, ledger: 'unknown' }, event);
    case 'send-recipient':
      return afterSendRecipient(state, event);
    case 'mark':
      if (event.kind === 'marked') {
        const next: PayRowState = {
          ...state,
          ledger: 'sending',
          attempt: event.mark.attempt,
          since: event.mark.sentAt,
          attemptsThisRun: state.attemptsThisRun + 1,
          waiting: 'create',
        };
        return { state: next, call: { kind: 'createPayout', instruction: next.instruction } };
      }
      return afterSendFailure(state, event);
    case 'create':
      if (event.kind === 'accepted') return fromPayout(state, event.payout, event.payout.state === 'failed' ? 'provider_rejected' : 'provider_accepted');
      if (event.kind === 'failed' && isRetryable(event.error)) {
        const error = event.error as ProviderError;
        const outcome: OutcomeInput = { rowId: state.rowId, to: 'queued', cause: 'not_left', attempt: state.attempt, ...errorFields(error) };
        return { state: { ...state, lastError: error, waiting: 'record-queued' }, call: { kind: 'record', outcome } };
      }
      return afterSendFailure(state, event);
    case 'record-queued':
      if (event.kind === 'recorded') return { state: { ...state, ledger: 'queued', waiting: 'retry' }, call: { kind: 'retry', error: state.lastError! } };
      return afterSendFailure(state, event);
    case 'retry':
      if (event.kind === 'retry') return markOrStop(state, event);
      return afterSendFailure(state, event);
  }
}

/**
 * What the guard found decides the row without a send. A payout with the row's request key was made by a run the
 * ledger lost (the key is derived from provider + order id): the row takes its state. The guard never sends blind:
 * when the provider cannot be searched, the row stays queued (the run reports it not sent, exit 3).
 */
function afterGuard(state: PayRowState, event: PayEvent): PayStep {
  if (event.kind === 'absent') return readyToSend(state, event);
  if (event.kind === 'found') {
    const payout = event.payout;
    const differs = guardDifference(state.instruction, payout);
    if (differs) {
      // Not the row's payout to claim (its amount or destination is not the row's), and not unknown either: a later
      // lookup matches by amount and payee, would find nothing and send it. Conflict is final and reported.
      return done(state, 'conflict', 'found_at_provider_differs', {
        providerPayoutId: payout.payoutId,
        providerStatus: payout.providerStatus,
        errorCode: GUARD_DIFFERS_CODE,
        errorMessage: storedMessage({ code: 'FOUND_AT_PROVIDER_DIFFERS', params: { payoutId: payout.payoutId, providerStatus: payout.providerStatus, orderId: state.instruction.orderId, ...differs } }),
        note: note('NOTE_CHECK_BEFORE_REPAYING'),
      });
    }
    const sentAt = payout.createdAt;
    return fromPayout(state, payout, 'found_at_provider', note('NOTE_FOUND_BY_REQUEST_KEY'), {
      foundRequest: { requestKey: state.instruction.requestKey, ...(sentAt ? { sentAt } : {}) },
    });
  }
  const error = event.kind === 'failed' ? event.error : undefined;
  if (event.aborted || (error instanceof Error && error.name === 'AbortError')) return done(state, 'queued', 'interrupted');
  return done(state, 'queued', 'not_left', {
    ...errorFields(error),
    errorCode: GUARD_FAILED_CODE,
    errorMessage: storedMessage({ code: 'PROVIDER_CHECK_FAILED', params: { cause: errorPart(error) } }),
  });
}

/** How a found payout differs from the row (amount, currency, masked destination), as message params; undefined when it is the row's. */
function guardDifference(instruction: PayoutInstruction, payout: ProviderPayout): MessageParams | undefined {
  const parts: Record<string, string | number> = {};
  let differs = false;
  if (payout.amountMinor !== instruction.amountMinor || payout.currency !== instruction.currency) {
    Object.assign(parts, { providerAmount: payout.amountMinor, providerCurrency: payout.currency, rowAmount: instruction.amountMinor, rowCurrency: instruction.currency });
    differs = true;
  }
  const ours = maskAccount(instruction.account);
  if (payout.destination !== undefined && !sameDestination(ours, payout.destination)) {
    Object.assign(parts, { providerDestination: payout.destination, rowDestination: ours });
    differs = true;
  }
  return differs ? parts : undefined;
}

/** Settles a row that may have left: the recipient id first where the provider needs one to find it. */
function lookUp(state: PayRowState): PayStep {
  if (state.waiting !== 'lookup-recipient' && state.instruction.recipientId === undefined) {
    return { state: { ...state, waiting: 'lookup-recipient' }, call: { kind: 'recipient', instruction: state.instruction } };
  }
  return { state: { ...state, waiting: 'lookup' }, call: { kind: 'lookup', instruction: state.instruction, since: state.since ?? new Date(0) } };
}

function afterLookup(state: PayRowState, event: PayEvent): PayStep {
  const lastError = state.lastError;
  if (event.kind === 'found') {
    const firstSendFoundTaken = lastError?.kind === 'duplicate_reference' && state.attemptsThisRun === 1 && state.priorAttempts === 0;
    return fromPayout(state, event.payout, 'lookup', firstSendFoundTaken ? note('NOTE_REFERENCE_ALREADY_HAD_PAYOUT') : undefined);
  }
  if (event.kind !== 'absent') {
    const error = lastError ?? (event.kind === 'failed' ? event.error : undefined);
    return done(state, 'unknown', lastError?.kind === 'timeout' ? 'timeout' : 'outcome_unknown', {
      ...(error ? errorFields(error) : {}),
      note: UNCONFIRMED_NOTE,
    });
  }
  if (lastError?.kind === 'duplicate_reference') {
    // The provider says a payout with this reference exists, and its own search does not show it: the two answers
    // disagree, so neither is final. `failed` would release the key and let the next file pay the reference again;
    // `unknown` keeps it, shows the row to the operator, and the next run or sync asks again.
    return done(state, 'unknown', 'outcome_unknown', {
      ...errorFields(lastError),
      note: note('NOTE_REFERENCE_USED_NOT_FOUND'),
    });
  }
  // Provably not performed. The transition table only lets a row be sent again from `unknown` after such a lookup,
  // so a row standing `sending` is recorded `unknown` first.
  if (sendCause(state.ledger) === undefined) {
    const outcome: OutcomeInput = { rowId: state.rowId, to: 'unknown', cause: 'outcome_unknown', attempt: state.attempt, ...(lastError ? errorFields(lastError) : {}) };
    return { state: { ...state, waiting: 'record-unknown' }, call: { kind: 'record', outcome } };
  }
  return afterAbsent(state, event);
}

function afterAbsent(state: PayRowState, event: PayEvent): PayStep {
  if (state.attemptsThisRun >= state.maxAttempts) {
    return done(state, 'unknown', 'outcome_unknown', {
      ...(state.lastError ? errorFields(state.lastError) : {}),
      note: note('NOTE_NOT_PERFORMED_AFTER_ATTEMPTS'),
    });
  }
  return readyToSend(state, event);
}

function readyToSend(state: PayRowState, event: PayEvent): PayStep {
  if (event.aborted || event.halted) return done(state, state.ledger === 'unknown' ? 'unknown' : 'queued', 'interrupted');
  return { state: { ...state, waiting: 'send-recipient' }, call: { kind: 'recipient', instruction: state.instruction } };
}

function afterSendRecipient(state: PayRowState, event: PayEvent): PayStep {
  if (event.kind === 'recipient') {
    const recipientId = event.recipientId;
    const next: PayRowState = {
      ...state,
      ...(recipientId !== undefined ? { instruction: { ...state.instruction, recipientId } } : {}),
      waiting: 'mark',
    };
    if (recipientId !== undefined) next.sendRecipientId = recipientId;
    else delete next.sendRecipientId;
    return markOrStop(next, event, Math.max(1, state.maxAttempts - state.attemptsThisRun));
  }
  const error = event.kind === 'failed' ? event.error : undefined;
  const unsent: RowResultState = state.ledger === 'queued' ? 'queued' : 'unknown';
  if (error instanceof Error && error.name === 'AbortError') return done(state, unsent, 'interrupted');
  if (isProviderError(error)) {
    if (error.kind === 'authentication') {
      return done(state, unsent, 'not_left', { ...errorFields(error), note: note('NOTE_CREDENTIALS_REJECTED') }, error);
    }
    // Registering a recipient moves no money: a failure here leaves the payout provably unsent.
    if (error.retryable || error.outcomeUnknown) {
      return done(state, unsent, 'not_left', { ...errorFields(error), note: note('NOTE_RECIPIENT_NOT_REGISTERED') });
    }
    // The provider refused the destination itself (Zenrise: USD, nonexistent or inactive account): final only when
    // no money-moving request was ever made for the row; one that may have left keeps waiting for the provider's word.
    if (SENT_STATUSES.includes(state.ledger)) return done(state, 'unknown', 'outcome_unknown', errorFields(error));
    return done(state, 'failed', 'provider_rejected', errorFields(error));
  }
  return done(state, unsent, 'not_left', { errorCode: 'UNEXPECTED', errorMessage: storedMessage({ code: 'UNEXPECTED', params: { detail: String((error as Error)?.message ?? error) } }) });
}

/** A mark, a request or the retry policy failed (or the retry policy gave up). */
function afterSendFailure(state: PayRowState, event: PayEvent): PayStep {
  const error = event.kind === 'failed' ? event.error : undefined;
  if ((error instanceof Error && error.name === 'AbortError') || (event.aborted && !isProviderError(error))) {
    return done(state, state.ledger === 'sending' ? 'unknown' : state.ledger, 'interrupted');
  }
  if (!isProviderError(error)) {
    // A bug or an unexpected failure after the request may have left: do not guess.
    return done(state, state.ledger === 'queued' ? 'queued' : 'unknown', 'outcome_unknown', { errorCode: 'UNEXPECTED', errorMessage: storedMessage({ code: 'UNEXPECTED', params: { detail: String((error as Error)?.message ?? error) } }) });
  }
  const next: PayRowState = { ...state, lastError: error };
  if (error.outcomeUnknown || error.kind === 'duplicate_reference') {
    if (event.aborted) {
      return done(next, 'unknown', error.kind === 'timeout' ? 'timeout' : 'outcome_unknown', {
        ...errorFields(error),
        note: note('NOTE_INTERRUPTED_IN_FLIGHT'),
      });
    }
    return lookUp(next);
  }
  if (error.retryable) {
    // Retries used up on answers that performed nothing (503, 429, refused connection); the row is queued.
    return done(next, 'queued', 'not_left', { ...errorFields(error), note: note('NOTE_NOT_PERFORMED') });
  }
  if (error.kind === 'insufficient_funds' || error.kind === 'authentication') {
    const why = note(error.kind === 'insufficient_funds' ? 'NOTE_INSUFFICIENT_FUNDS' : 'NOTE_CREDENTIALS_REJECTED');
    return done(next, 'queued', 'not_left', { ...errorFields(error), note: why }, error);
  }
  // An explicit refusal by the provider (validation, account rejected, not found): final.
  return done(next, 'failed', 'provider_rejected', errorFields(error));
}

/** Marks the row sending unless the run was interrupted or the provider halted meanwhile. */
function markOrStop(state: PayRowState, event: PayEvent, retryBudget?: number): PayStep {
  if (event.aborted || event.halted) return done(state, state.ledger === 'unknown' ? 'unknown' : 'queued', 'interrupted');
  const call: PayCall = { kind: 'markSending', item: markItem(state), ...(retryBudget !== undefined ? { retryBudget } : {}) };
  return { state: { ...state, waiting: 'mark' }, call };
}

/** The cause a send from this ledger state would carry, or undefined when the table forbids sending from it. */
export function sendCause(ledger: PayLedgerState): TransitionCause | undefined {
  if (canTransition(ledger, 'sending', 'sent')) return 'sent';
  if (canTransition(ledger, 'sending', 'resent_after_lookup')) return 'resent_after_lookup';
  return undefined;
}

function markItem(state: PayRowState): MarkSendingItem & { requestKey: string } {
  return {
    rowId: state.rowId,
    requestKey: state.instruction.requestKey,
    ...(state.sendRecipientId !== undefined ? { recipientId: state.sendRecipientId } : {}),
    ...(sendCause(state.ledger) === 'resent_after_lookup' ? { lookupFoundNothing: true } : {}),
  };
}

function done(state: PayRowState, to: RowResultState, cause: TransitionCause, extra: Partial<OutcomeInput> = {}, halt?: ProviderError): PayStep {
  // A row already in the state (queued after a recorded not-left error) needs no second record.
  const outcome: OutcomeInput | undefined = to === state.ledger ? undefined : { rowId: state.rowId, to, cause, attempt: state.attempt, ...extra };
  const result: RowResult = { rowId: state.rowId, state: to, outcome, cause, errorCode: extra.errorCode, errorMessage: extra.errorMessage };
  return halt ? { state, result, halt } : { state, result };
}

function fromPayout(state: PayRowState, payout: ProviderPayout, cause: TransitionCause, note?: string, extra: Partial<OutcomeInput> = {}): PayStep {
  return done(state, payout.state, cause, {
    ...extra,
    providerPayoutId: payout.payoutId,
    providerStatus: payout.providerStatus,
    ...(payout.providerReference ? { providerReference: payout.providerReference } : {}),
    ...(payout.state === 'failed' ? payoutFailure(payout) : {}),
    ...(note ? { note } : {}),
  });
}
