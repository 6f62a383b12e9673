import { describe, expect, it } from 'vitest';
import { canTransition } from '../ledger/transitions.ts';
import type { PayoutInstruction, ProviderPayout } from '../providers/payout-provider.ts';
import { ProviderError, type ProviderErrorKind } from '../providers/provider-error.ts';
import { decide, sendCause, type PayAnswer, type PayRowState, type PayStep } from './decide-pay-row.ts';

const SENT_AT = new Date('2026-03-02T15:00:00Z');
const INSTRUCTION: PayoutInstruction = {
  requestKey: 'conekta:B1-2',
  orderId: 'B1-2',
  amountMinor: 125_000,
  currency: 'MXN',
  account: { kind: 'clabe', number: '012180001234567897', bankCode: '012' },
};

function state(over: Partial<PayRowState> = {}): PayRowState {
  return { rowId: 7, instruction: INSTRUCTION, ledger: 'queued', attempt: 0, priorAttempts: 0, attemptsThisRun: 0, maxAttempts: 3, waiting: 'start', ...over };
}
/** A row that has just been marked sending for its first attempt this run and is waiting for the provider. */
const sending = (over: Partial<PayRowState> = {}) => state({ ledger: 'sending', attempt: 1, since: SENT_AT, attemptsThisRun: 1, sendRecipientId: 'payee_1', instruction: { ...INSTRUCTION, recipientId: 'payee_1' }, waiting: 'create', ...over });

function perr(kind: ProviderErrorKind, flags: { retryable?: boolean; outcomeUnknown?: boolean; providerCode?: string } = {}): ProviderError {
  return new ProviderError({ kind, message: kind, retryable: flags.retryable ?? false, outcomeUnknown: flags.outcomeUnknown ?? false, ...(flags.providerCode ? { providerCode: flags.providerCode } : {}) });
}
const abortError = () => Object.assign(new Error('aborted'), { name: 'AbortError' });
const payout = (s: ProviderPayout['state'], over: Partial<ProviderPayout> = {}): ProviderPayout => ({ payoutId: `po_${s}`, state: s, providerStatus: s, amountMinor: 125_000, currency: 'MXN', ...over });
const failed = (error: unknown): PayAnswer => ({ kind: 'failed', error });

interface Expect {
  /** The call asked for, matched partially. */
  call?: Record<string, unknown>;
  /** The state after the step, matched partially. */
  next?: Partial<PayRowState>;
  result?: { state: string; cause: string; errorCode?: string };
  /** The outcome the result leaves to record; null when the ledger already holds the state. */
  outcome?: Record<string, unknown> | null;
  halt?: ProviderErrorKind;
  raise?: true;
  /** Whether the outcome carries an operator note. */
  note?: boolean;
}

type Row = [name: string, from: PayRowState, answer: PayAnswer, flags: { aborted?: boolean; halted?: boolean }, expected: Expect];

const none = {};
const TABLE: Row[] = [
  // start
  ['queued row: its recipient first', state(), { kind: 'start' }, none, { call: { kind: 'recipient' }, next: { waiting: 'send-recipient' } }],
  ['queued row, run interrupted: stays queued', state(), { kind: 'start' }, { aborted: true }, { result: { state: 'queued', cause: 'interrupted' }, outcome: null }],
  ['queued row, provider halted by another row: stays queued', state(), { kind: 'start' }, { halted: true }, { result: { state: 'queued', cause: 'interrupted' }, outcome: null }],
  ['resumed sending row without recipient: recipient for the lookup', state({ ledger: 'sending', attempt: 2, priorAttempts: 2, since: SENT_AT }), { kind: 'start' }, none, { call: { kind: 'recipient' }, next: { waiting: 'lookup-recipient' } }],
  ['resumed sending row with recipient: lookup from its sentAt', state({ ledger: 'sending', attempt: 2, since: SENT_AT, instruction: { ...INSTRUCTION, recipientId: 'payee_1' } }), { kind: 'start' }, none, { call: { kind: 'lookup', since: SENT_AT }, next: { waiting: 'lookup' } }],
  ['resumed unknown row, interrupted: the lookup still settles it', state({ ledger: 'unknown', attempt: 1, instruction: { ...INSTRUCTION, recipientId: 'payee_1' } }), { kind: 'start' }, { aborted: true }, { call: { kind: 'lookup', since: new Date(0) } }],
  // start, guarded (Conekta, Digital FEMSA: no idempotency at the provider)
  ['guarded queued row, no ledger history: looked up at the provider first', state({ guard: true }), { kind: 'start' }, none, { call: { kind: 'guard', instruction: INSTRUCTION }, next: { waiting: 'guard' } }],
  ['guarded queued row with earlier attempts (provably not left): no guard, recipient', state({ guard: true, attempt: 1, priorAttempts: 1 }), { kind: 'start' }, none, { call: { kind: 'recipient' }, next: { waiting: 'send-recipient' } }],
  ['guarded queued row, run interrupted: stays queued, no listing', state({ guard: true }), { kind: 'start' }, { aborted: true }, { result: { state: 'queued', cause: 'interrupted' }, outcome: null }],
  ['guarded queued row, provider halted: stays queued, no listing', state({ guard: true }), { kind: 'start' }, { halted: true }, { result: { state: 'queued', cause: 'interrupted' }, outcome: null }],
  ['guarded sending row: settled by lookup, not by the guard', state({ guard: true, ledger: 'sending', attempt: 1, priorAttempts: 1, since: SENT_AT, instruction: { ...INSTRUCTION, recipientId: 'payee_1' } }), { kind: 'start' }, none, { call: { kind: 'lookup', since: SENT_AT } }],
  // guard
  ['guard found nothing: sent as a first send', state({ guard: true, waiting: 'guard' }), { kind: 'absent' }, none, { call: { kind: 'recipient' }, next: { waiting: 'send-recipient' } }],
  ['guard found nothing, interrupted meanwhile: queued', state({ guard: true, waiting: 'guard' }), { kind: 'absent' }, { aborted: true }, { result: { state: 'queued', cause: 'interrupted' }, outcome: null }],
  ['guard found it pending: pending, never sent', state({ guard: true, waiting: 'guard' }), { kind: 'found', payout: payout('pending', { createdAt: SENT_AT, destination: '012***********7897' }) }, none, { result: { state: 'pending', cause: 'found_at_provider' }, outcome: { to: 'pending', cause: 'found_at_provider', attempt: 0, providerPayoutId: 'po_pending', foundRequest: { requestKey: 'conekta:B1-2', sentAt: SENT_AT } }, note: true }],
  ['guard found it paid: paid', state({ guard: true, waiting: 'guard' }), { kind: 'found', payout: payout('paid') }, none, { result: { state: 'paid', cause: 'found_at_provider' }, outcome: { to: 'paid', cause: 'found_at_provider', foundRequest: { requestKey: 'conekta:B1-2' } } }],
  ['guard found it failed: failed with its code, not sent again', state({ guard: true, waiting: 'guard' }), { kind: 'found', payout: payout('failed', { failureCode: 'R03' }) }, none, { result: { state: 'failed', cause: 'found_at_provider', errorCode: 'R03' }, outcome: { to: 'failed', cause: 'found_at_provider' } }],
  ['guard found it with another amount: conflict, not paid again', state({ guard: true, waiting: 'guard' }), { kind: 'found', payout: payout('paid', { amountMinor: 99_900 }) }, none, { result: { state: 'conflict', cause: 'found_at_provider_differs', errorCode: 'FOUND_AT_PROVIDER_DIFFERS' }, outcome: { to: 'conflict', cause: 'found_at_provider_differs', providerPayoutId: 'po_paid' }, note: true }],
  ['guard found it to another destination: conflict', state({ guard: true, waiting: 'guard' }), { kind: 'found', payout: payout('pending', { destination: '012***********0001' }) }, none, { result: { state: 'conflict', cause: 'found_at_provider_differs', errorCode: 'FOUND_AT_PROVIDER_DIFFERS' }, outcome: { to: 'conflict' } }],
  ['guard found it, destination masked differently (last 4 only): the row’s', state({ guard: true, waiting: 'guard' }), { kind: 'found', payout: payout('pending', { destination: '**************7897' }) }, none, { result: { state: 'pending', cause: 'found_at_provider' } }],
  ['guard listing failed (5xx after retries): not sent, queued', state({ guard: true, waiting: 'guard' }), failed(perr('server', { retryable: true })), none, { result: { state: 'queued', cause: 'not_left', errorCode: 'PROVIDER_CHECK_FAILED' }, outcome: null }],
  ['guard listing failed (network): not sent, queued', state({ guard: true, waiting: 'guard' }), failed(perr('network', { retryable: true })), none, { result: { state: 'queued', cause: 'not_left', errorCode: 'PROVIDER_CHECK_FAILED' }, outcome: null }],
  ['guard listing unreadable: not sent, queued', state({ guard: true, waiting: 'guard' }), failed(perr('bad_response')), none, { result: { state: 'queued', cause: 'not_left', errorCode: 'PROVIDER_CHECK_FAILED' }, outcome: null }],
  ['guard listing aborted: queued, interrupted', state({ guard: true, waiting: 'guard' }), failed(abortError()), none, { result: { state: 'queued', cause: 'interrupted' }, outcome: null }],
  // lookup-recipient
  ['lookup recipient found: lookup carries it', state({ ledger: 'sending', waiting: 'lookup-recipient' }), { kind: 'recipient', recipientId: 'payee_9' }, none, { call: { kind: 'lookup', instruction: { ...INSTRUCTION, recipientId: 'payee_9' } } }],
  ['lookup recipient failed: lookup without it', state({ ledger: 'sending', waiting: 'lookup-recipient' }), failed(perr('server', { retryable: true })), none, { call: { kind: 'lookup', instruction: INSTRUCTION } }],
  // lookup
  ['resumed sending, lookup found paid', state({ ledger: 'sending', attempt: 2, waiting: 'lookup' }), { kind: 'found', payout: payout('paid') }, none, { result: { state: 'paid', cause: 'lookup' }, outcome: { to: 'paid', cause: 'lookup', attempt: 2, providerPayoutId: 'po_paid' }, note: false }],
  ['resumed unknown, lookup found pending', state({ ledger: 'unknown', attempt: 1, waiting: 'lookup' }), { kind: 'found', payout: payout('pending') }, none, { result: { state: 'pending', cause: 'lookup' }, outcome: { to: 'pending', cause: 'lookup' } }],
  ['lookup found a failed payout: failed with its code', state({ ledger: 'sending', attempt: 1, waiting: 'lookup' }), { kind: 'found', payout: payout('failed', { failureCode: 'R03' }) }, none, { result: { state: 'failed', cause: 'lookup', errorCode: 'R03' }, outcome: { to: 'failed', cause: 'lookup' } }],
  ['duplicate reference on the first send, lookup found it', sending({ waiting: 'lookup', lastError: perr('duplicate_reference') }), { kind: 'found', payout: payout('paid') }, none, { result: { state: 'paid', cause: 'lookup' }, outcome: { to: 'paid', cause: 'lookup' }, note: true }],
  ['duplicate reference after earlier attempts, lookup found it: no note', sending({ waiting: 'lookup', priorAttempts: 1, attempt: 2, lastError: perr('duplicate_reference') }), { kind: 'found', payout: payout('paid') }, none, { result: { state: 'paid', cause: 'lookup' }, note: false }],
  ['duplicate reference, lookup found nothing: unknown (the key stays owned)', sending({ waiting: 'lookup', lastError: perr('duplicate_reference', { providerCode: 'conflict' }) }), { kind: 'absent' }, none, { result: { state: 'unknown', cause: 'outcome_unknown', errorCode: 'conflict' }, outcome: { to: 'unknown', cause: 'outcome_unknown' } }],
  ['sending, lookup found nothing: recorded unknown first', sending({ waiting: 'lookup', lastError: perr('server', { outcomeUnknown: true }) }), { kind: 'absent' }, none, { call: { kind: 'record', outcome: { rowId: 7, to: 'unknown', cause: 'outcome_unknown', attempt: 1, errorCode: 'SERVER' } }, next: { waiting: 'record-unknown' } }],
  ['unknown, lookup found nothing: sent again', state({ ledger: 'unknown', attempt: 1, waiting: 'lookup' }), { kind: 'absent' }, none, { call: { kind: 'recipient' }, next: { waiting: 'send-recipient' } }],
  ['unknown, lookup found nothing, attempts used up: unknown', sending({ ledger: 'unknown', attemptsThisRun: 3, waiting: 'lookup', lastError: perr('timeout', { outcomeUnknown: true }) }), { kind: 'absent' }, none, { result: { state: 'unknown', cause: 'outcome_unknown', errorCode: 'TIMEOUT' }, outcome: null }],
  ['unknown, lookup found nothing, interrupted: unknown', state({ ledger: 'unknown', attempt: 1, waiting: 'lookup' }), { kind: 'absent' }, { aborted: true }, { result: { state: 'unknown', cause: 'interrupted' }, outcome: null }],
  ['timeout, lookup failed: unknown by timeout', sending({ waiting: 'lookup', lastError: perr('timeout', { outcomeUnknown: true }) }), failed(perr('server', { retryable: true })), none, { result: { state: 'unknown', cause: 'timeout', errorCode: 'TIMEOUT' }, outcome: { to: 'unknown', cause: 'timeout' }, note: true }],
  ['resumed sending, lookup failed: unknown with the lookup error', state({ ledger: 'sending', attempt: 2, waiting: 'lookup' }), failed(perr('bad_response')), none, { result: { state: 'unknown', cause: 'outcome_unknown', errorCode: 'BAD_RESPONSE' }, outcome: { to: 'unknown', cause: 'outcome_unknown' } }],
  ['resumed unknown, lookup failed: stays unknown', state({ ledger: 'unknown', attempt: 2, waiting: 'lookup' }), failed(perr('network', { retryable: true })), none, { result: { state: 'unknown', cause: 'outcome_unknown' }, outcome: null }],
  // record-unknown
  ['unknown recorded: sent again', sending({ waiting: 'record-unknown' }), { kind: 'recorded' }, none, { call: { kind: 'recipient' }, next: { ledger: 'unknown', waiting: 'send-recipient' } }],
  ['unknown recorded, attempts used up: unknown', sending({ attemptsThisRun: 3, waiting: 'record-unknown' }), { kind: 'recorded' }, none, { result: { state: 'unknown', cause: 'outcome_unknown' }, outcome: null }],
  ['unknown not recorded: the ledger failure is the run’s', sending({ waiting: 'record-unknown' }), failed(new Error('disk I/O error')), none, { raise: true }],
  // send-recipient
  ['recipient known: marked sending under the retry policy', state({ waiting: 'send-recipient' }), { kind: 'recipient', recipientId: 'payee_1' }, none, { call: { kind: 'markSending', item: { rowId: 7, requestKey: 'conekta:B1-2', recipientId: 'payee_1' }, retryBudget: 3 }, next: { waiting: 'mark', sendRecipientId: 'payee_1' } }],
  ['no recipient needed (Openpay): marked without one', state({ waiting: 'send-recipient' }), { kind: 'recipient', recipientId: undefined }, none, { call: { kind: 'markSending', item: { rowId: 7, requestKey: 'conekta:B1-2' } } }],
  ['unknown row after an empty lookup: marked with lookupFoundNothing, budget left', state({ ledger: 'unknown', attempt: 1, attemptsThisRun: 1, waiting: 'send-recipient' }), { kind: 'recipient', recipientId: 'payee_1' }, none, { call: { kind: 'markSending', item: { lookupFoundNothing: true }, retryBudget: 2 } }],
  ['recipient answered, run interrupted meanwhile: queued', state({ waiting: 'send-recipient' }), { kind: 'recipient', recipientId: 'payee_1' }, { aborted: true }, { result: { state: 'queued', cause: 'interrupted' }, outcome: null }],
  ['recipient refused (Zenrise account rejected): failed, nothing sent', state({ waiting: 'send-recipient' }), failed(perr('account_rejected', { providerCode: 'CUENTA_INACTIVA' })), none, { result: { state: 'failed', cause: 'provider_rejected', errorCode: 'CUENTA_INACTIVA' }, outcome: { to: 'failed', cause: 'provider_rejected', attempt: 0 } }],
  ['recipient refused for a row that may have left: unknown', state({ ledger: 'unknown', attempt: 1, waiting: 'send-recipient' }), failed(perr('account_rejected')), none, { result: { state: 'unknown', cause: 'outcome_unknown' }, outcome: null }],
  ['recipient retryable failure: queued, not left', state({ waiting: 'send-recipient' }), failed(perr('server', { retryable: true })), none, { result: { state: 'queued', cause: 'not_left', errorCode: 'SERVER' }, outcome: null }],
  ['recipient outcome unknown: unknown row stays unknown', state({ ledger: 'unknown', attempt: 1, waiting: 'send-recipient' }), failed(perr('timeout', { outcomeUnknown: true })), none, { result: { state: 'unknown', cause: 'not_left' }, outcome: null }],
  ['recipient credentials rejected: provider halted', state({ waiting: 'send-recipient' }), failed(perr('authentication')), none, { result: { state: 'queued', cause: 'not_left', errorCode: 'AUTHENTICATION' }, outcome: null, halt: 'authentication' }],
  ['recipient call aborted: queued', state({ waiting: 'send-recipient' }), failed(abortError()), none, { result: { state: 'queued', cause: 'interrupted' }, outcome: null }],
  ['recipient unexpected failure: queued', state({ waiting: 'send-recipient' }), failed(new TypeError('boom')), none, { result: { state: 'queued', cause: 'not_left', errorCode: 'UNEXPECTED' }, outcome: null }],
  // mark
  ['marked: the request leaves', state({ waiting: 'mark' }), { kind: 'marked', mark: { rowId: 7, attempt: 1, requestKey: 'conekta:B1-2', sentAt: SENT_AT } }, none, { call: { kind: 'createPayout', instruction: INSTRUCTION }, next: { ledger: 'sending', attempt: 1, since: SENT_AT, attemptsThisRun: 1, waiting: 'create' } }],
  ['mark failed: nothing left, queued', state({ waiting: 'mark' }), failed(new Error('SQLITE_BUSY')), none, { result: { state: 'queued', cause: 'outcome_unknown', errorCode: 'UNEXPECTED' }, outcome: null }],
  ['mark failed on an unknown row: unknown', state({ ledger: 'unknown', attempt: 1, waiting: 'mark' }), failed(new Error('SQLITE_BUSY')), none, { result: { state: 'unknown', cause: 'outcome_unknown' }, outcome: null }],
  ['mark failed while interrupted: queued', state({ waiting: 'mark' }), failed(new Error('closed')), { aborted: true }, { result: { state: 'queued', cause: 'interrupted' }, outcome: null }],
  // create
  ['accepted pending', sending(), { kind: 'accepted', payout: payout('pending', { providerReference: 'REF1' }) }, none, { result: { state: 'pending', cause: 'provider_accepted' }, outcome: { to: 'pending', cause: 'provider_accepted', attempt: 1, providerPayoutId: 'po_pending', providerReference: 'REF1' } }],
  ['accepted paid', sending(), { kind: 'accepted', payout: payout('paid') }, none, { result: { state: 'paid', cause: 'provider_accepted' }, outcome: { to: 'paid', cause: 'provider_accepted' } }],
  ['accepted as failed: failed with its code', sending(), { kind: 'accepted', payout: payout('failed', { failureCode: 'INVALID_ACCOUNT' }) }, none, { result: { state: 'failed', cause: 'provider_rejected', errorCode: 'INVALID_ACCOUNT' }, outcome: { to: 'failed', cause: 'provider_rejected' } }],
  ['refused (validation): failed', sending(), failed(perr('validation', { providerCode: '1001' })), none, { result: { state: 'failed', cause: 'provider_rejected', errorCode: '1001' }, outcome: { to: 'failed', cause: 'provider_rejected', attempt: 1, providerCode: '1001' } }],
  ['5xx on POST: lookup', sending(), failed(perr('server', { outcomeUnknown: true })), none, { call: { kind: 'lookup', since: SENT_AT }, next: { waiting: 'lookup', lastError: expect.objectContaining({ kind: 'server' }) } }],
  ['5xx on POST without recipient (Openpay): recipient, then lookup', sending({ instruction: INSTRUCTION }), failed(perr('server', { outcomeUnknown: true })), none, { call: { kind: 'recipient' }, next: { waiting: 'lookup-recipient' } }],
  ['timeout: lookup', sending(), failed(perr('timeout', { outcomeUnknown: true })), none, { call: { kind: 'lookup' } }],
  ['lost answer (connection reset after commit): lookup', sending(), failed(perr('network', { outcomeUnknown: true })), none, { call: { kind: 'lookup' } }],
  ['timeout while interrupted: unknown, no lookup', sending(), failed(perr('timeout', { outcomeUnknown: true })), { aborted: true }, { result: { state: 'unknown', cause: 'timeout', errorCode: 'TIMEOUT' }, outcome: { to: 'unknown', cause: 'timeout' }, note: true }],
  ['5xx while interrupted: unknown, no lookup', sending(), failed(perr('server', { outcomeUnknown: true })), { aborted: true }, { result: { state: 'unknown', cause: 'outcome_unknown' }, outcome: { to: 'unknown', cause: 'outcome_unknown' } }],
  ['duplicate reference: lookup', sending(), failed(perr('duplicate_reference')), none, { call: { kind: 'lookup' } }],
  ['429: recorded queued before the retry', sending(), failed(perr('rate_limited', { retryable: true })), none, { call: { kind: 'record', outcome: { rowId: 7, to: 'queued', cause: 'not_left', attempt: 1, errorCode: 'RATE_LIMITED' } }, next: { waiting: 'record-queued' } }],
  ['503 before commit: recorded queued before the retry', sending(), failed(perr('server', { retryable: true })), none, { call: { kind: 'record', outcome: { to: 'queued', cause: 'not_left' } } }],
  ['insufficient funds: provider halted, queued', sending(), failed(perr('insufficient_funds', { providerCode: '4001' })), none, { result: { state: 'queued', cause: 'not_left', errorCode: '4001' }, outcome: { to: 'queued', cause: 'not_left', attempt: 1 }, halt: 'insufficient_funds', note: true }],
  ['credentials rejected: provider halted, queued', sending(), failed(perr('authentication')), none, { result: { state: 'queued', cause: 'not_left', errorCode: 'AUTHENTICATION' }, outcome: { to: 'queued', cause: 'not_left' }, halt: 'authentication' }],
  ['not found: failed', sending(), failed(perr('not_found')), none, { result: { state: 'failed', cause: 'provider_rejected', errorCode: 'NOT_FOUND' } }],
  ['request aborted in flight: unknown', sending(), failed(abortError()), none, { result: { state: 'unknown', cause: 'interrupted' }, outcome: { to: 'unknown', cause: 'interrupted' } }],
  ['unexpected failure after the request left: unknown', sending(), failed(new TypeError('boom')), none, { result: { state: 'unknown', cause: 'outcome_unknown', errorCode: 'UNEXPECTED' }, outcome: { to: 'unknown', cause: 'outcome_unknown' } }],
  // record-queued
  ['queued recorded: handed to the retry policy', sending({ waiting: 'record-queued', lastError: perr('rate_limited', { retryable: true }) }), { kind: 'recorded' }, none, { call: { kind: 'retry', error: expect.objectContaining({ kind: 'rate_limited' }) }, next: { ledger: 'queued', waiting: 'retry' } }],
  ['queued not recorded: the row stands sending, unknown', sending({ waiting: 'record-queued', lastError: perr('rate_limited', { retryable: true }) }), failed(new Error('SQLITE_FULL')), none, { result: { state: 'unknown', cause: 'outcome_unknown', errorCode: 'UNEXPECTED' }, outcome: { to: 'unknown', cause: 'outcome_unknown' } }],
  // retry
  ['retry policy goes again: marked sending again', sending({ ledger: 'queued', waiting: 'retry' }), { kind: 'retry' }, none, { call: { kind: 'markSending', item: { rowId: 7, recipientId: 'payee_1' }, retryBudget: undefined } }],
  ['retry policy goes again, provider halted meanwhile: queued', sending({ ledger: 'queued', waiting: 'retry' }), { kind: 'retry' }, { halted: true }, { result: { state: 'queued', cause: 'interrupted' }, outcome: null }],
  ['attempts used up on 503s: queued, not left', sending({ ledger: 'queued', attemptsThisRun: 3, waiting: 'retry' }), failed(perr('server', { retryable: true })), none, { result: { state: 'queued', cause: 'not_left', errorCode: 'SERVER' }, outcome: null, note: false }],
  ['interrupted while waiting to retry: queued', sending({ ledger: 'queued', waiting: 'retry' }), failed(abortError()), { aborted: true }, { result: { state: 'queued', cause: 'interrupted' }, outcome: null }],
];

describe('decide (one row of the pay-row table per test)', () => {
  it.each(TABLE)('%s', (_name, from, answer, flags, expected) => {
    const step = decide(from, { ...answer, aborted: flags.aborted ?? false, halted: flags.halted ?? false });
    check(step, from, expected);
  });

  it('every state a row can wait in has at least one row in the table', () => {
    const waits = new Set(TABLE.map(([, from]) => from.waiting));
    expect([...waits].sort()).toEqual(['create', 'guard', 'lookup', 'lookup-recipient', 'mark', 'record-queued', 'record-unknown', 'retry', 'send-recipient', 'start']);
  });

  it('sends from queued as a first send, from unknown only as a resend after a lookup, never from sending', () => {
    expect([sendCause('queued'), sendCause('unknown'), sendCause('sending')]).toEqual(['sent', 'resent_after_lookup', undefined]);
  });

  it('never asks for a send from the guard without its answer: every guard failure ends the row unsent', () => {
    for (const error of [perr('server', { retryable: true }), perr('timeout', { outcomeUnknown: true }), perr('authentication'), new TypeError('boom')]) {
      const step = decide(state({ guard: true, waiting: 'guard' }), { ...failed(error), aborted: false, halted: false });
      expect('result' in step && step.result.state).toBe('queued');
    }
  });

  it('does not change the state it was given', () => {
    const from = sending();
    const copy = structuredClone(from);
    decide(from, { kind: 'marked', mark: { rowId: 7, attempt: 2, requestKey: 'k', sentAt: new Date() }, aborted: false, halted: false });
    decide(from, { ...failed(perr('rate_limited', { retryable: true })), aborted: false, halted: false });
    expect(from).toEqual(copy);
  });
});

function check(step: PayStep, from: PayRowState, expected: Expect): void {
  if (expected.raise) {
    expect(step).toHaveProperty('raise');
    return;
  }
  if (expected.call) {
    const { retryBudget, ...call } = expected.call;
    expect('call' in step && step.call).toMatchObject('retryBudget' in expected.call && retryBudget === undefined ? call : expected.call);
    // A send continued inside the retry policy must not open a second one.
    if ('retryBudget' in expected.call && retryBudget === undefined) expect('call' in step && 'retryBudget' in step.call).toBe(false);
  }
  if (expected.next) expect(step.state).toMatchObject(expected.next);
  if (!expected.result) {
    expect(step).not.toHaveProperty('result');
    return;
  }
  if (!('result' in step)) throw new Error(`expected a result, got ${JSON.stringify(step)}`);
  const { result } = step;
  expect({ state: result.state, cause: result.cause, ...(expected.result.errorCode ? { errorCode: result.errorCode } : {}) }).toEqual(expected.result);
  expect(result.rowId).toBe(7);
  if (expected.outcome === null) expect(result.outcome).toBeUndefined();
  else if (expected.outcome) expect(result.outcome).toMatchObject({ rowId: 7, ...expected.outcome });
  // Whatever the result leaves to record is a move the shared transition table allows from where the row stands.
  if (result.outcome) expect(canTransition(from.ledger, result.outcome.to, result.outcome.cause)).toBe(true);
  if (result.outcome) expect(result.outcome.attempt).toBe(step.state.attempt);
  expect('halt' in step ? step.halt?.kind : undefined).toBe(expected.halt);
  if (expected.note !== undefined) expect(result.outcome?.note !== undefined).toBe(expected.note);
}
