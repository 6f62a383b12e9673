import { describe, expect, it } from 'vitest';
import { INSTRUCTION, payout, perr, run, SENT_AT, type Script } from '../../test/support/scripted-pay-context.ts';
import type { OutcomeInput } from '../ledger/ledger-store.ts';
import type { ProviderErrorKind } from '../providers/provider-error.ts';

const at = (attempt: number) => `findPayout since ${new Date(SENT_AT.getTime() + attempt * 1000).toISOString()}`;
const SEND = ['recipientFor', 'markSending', 'marked #1', 'createPayout payee_1'];

interface Case {
  script: Script;
  log: string[];
  result: { state: string; cause: string; errorCode?: string };
  /** The outcome left for the group commit; null when none. */
  outcome: Partial<OutcomeInput> | null;
  /** Outcomes recorded durably along the way, as to/cause. */
  records?: string[];
  halts?: ProviderErrorKind[];
}

const CASES: [string, Case][] = [
  ['accepted pending', { script: { create: [payout('pending')] }, log: SEND, result: { state: 'pending', cause: 'provider_accepted' }, outcome: { to: 'pending', cause: 'provider_accepted', attempt: 1, providerPayoutId: 'po_pending' } }],
  ['accepted paid', { script: { create: [payout('paid')] }, log: SEND, result: { state: 'paid', cause: 'provider_accepted' }, outcome: { to: 'paid', attempt: 1 } }],
  ['refused (validation): failed', { script: { create: [perr('validation', { providerCode: '1001' })] }, log: SEND, result: { state: 'failed', cause: 'provider_rejected', errorCode: '1001' }, outcome: { to: 'failed', cause: 'provider_rejected', providerCode: '1001' } }],
  ['5xx on POST, lookup finds it pending', {
    script: { create: [perr('server', { outcomeUnknown: true })], find: [payout('pending')] },
    log: [...SEND, at(1)], result: { state: 'pending', cause: 'lookup' }, outcome: { to: 'pending', cause: 'lookup', attempt: 1 },
  }],
  ['5xx on POST, lookup finds nothing: unknown, then resent once', {
    script: { create: [perr('server', { outcomeUnknown: true }), payout('pending')], find: [null] },
    log: [...SEND, at(1), 'recordNow unknown/outcome_unknown', 'recorded', 'recipientFor', 'markSending lookupFoundNothing', 'marked #2', 'createPayout payee_1'],
    result: { state: 'pending', cause: 'provider_accepted' }, outcome: { to: 'pending', attempt: 2 }, records: ['unknown/outcome_unknown'],
  }],
  ['timeout, lookup cannot tell: unknown by timeout', {
    script: { maxAttempts: 1, create: [perr('timeout', { outcomeUnknown: true })], find: [perr('server', { retryable: true })] },
    log: [...SEND, at(1)], result: { state: 'unknown', cause: 'timeout', errorCode: 'TIMEOUT' }, outcome: { to: 'unknown', cause: 'timeout', attempt: 1 },
  }],
  ['lost answer (dropped after commit), lookup finds it paid', {
    script: { create: [perr('network', { outcomeUnknown: true })], find: [payout('paid')] },
    log: [...SEND, at(1)], result: { state: 'paid', cause: 'lookup' }, outcome: { to: 'paid', cause: 'lookup' },
  }],
  ['429: queued, then retried and accepted', {
    script: { create: [perr('rate_limited', { retryable: true }), payout('pending')] },
    log: [...SEND, 'recordNow queued/not_left', 'recorded', 'markSending', 'marked #2', 'createPayout payee_1'],
    result: { state: 'pending', cause: 'provider_accepted' }, outcome: { to: 'pending', attempt: 2 }, records: ['queued/not_left'],
  }],
  ['duplicate reference with a matching payout', {
    script: { create: [perr('duplicate_reference')], find: [payout('paid')] },
    log: [...SEND, at(1)], result: { state: 'paid', cause: 'lookup' }, outcome: { to: 'paid', cause: 'lookup' },
  }],
  ['duplicate reference without a matching payout: unknown, never failed (the key stays owned)', {
    script: { create: [perr('duplicate_reference', { providerCode: 'conflict' })], find: [null] },
    log: [...SEND, at(1)], result: { state: 'unknown', cause: 'outcome_unknown', errorCode: 'conflict' }, outcome: { to: 'unknown', cause: 'outcome_unknown' },
  }],
  ['attempts used up on 503s before commit: queued, not left', {
    script: { maxAttempts: 2, create: [perr('server', { retryable: true }), perr('server', { retryable: true })] },
    log: [...SEND, 'recordNow queued/not_left', 'recorded', 'markSending', 'marked #2', 'createPayout payee_1', 'recordNow queued/not_left', 'recorded'],
    result: { state: 'queued', cause: 'not_left', errorCode: 'SERVER' }, outcome: null, records: ['queued/not_left', 'queued/not_left'],
  }],
  ['attempts used up on unknown outcomes: unknown, not sent a second time', {
    script: { maxAttempts: 1, create: [perr('server', { outcomeUnknown: true })], find: [null] },
    log: [...SEND, at(1), 'recordNow unknown/outcome_unknown', 'recorded'], result: { state: 'unknown', cause: 'outcome_unknown' }, outcome: null, records: ['unknown/outcome_unknown'],
  }],
  ['recipient refused (Zenrise account rejected): failed, no money request', {
    script: { recipient: [perr('account_rejected', { providerCode: 'CUENTA_INACTIVA' })] },
    log: ['recipientFor'], result: { state: 'failed', cause: 'provider_rejected', errorCode: 'CUENTA_INACTIVA' }, outcome: { to: 'failed', cause: 'provider_rejected', attempt: 0 },
  }],
  ['recipient retryable failure: retried, then queued, no money request', {
    script: { maxAttempts: 2, recipient: [perr('server', { retryable: true }), perr('server', { retryable: true })] },
    log: ['recipientFor', 'recipientFor'], result: { state: 'queued', cause: 'not_left', errorCode: 'SERVER' }, outcome: null,
  }],
  ['insufficient funds: provider halted, row queued', {
    script: { create: [perr('insufficient_funds', { providerCode: '4001' })] },
    log: [...SEND, 'haltProvider insufficient_funds'], result: { state: 'queued', cause: 'not_left', errorCode: '4001' }, outcome: { to: 'queued', cause: 'not_left', attempt: 1 }, halts: ['insufficient_funds'],
  }],
  ['credentials rejected: provider halted, row queued', {
    script: { create: [perr('authentication')] },
    log: [...SEND, 'haltProvider authentication'], result: { state: 'queued', cause: 'not_left' }, outcome: { to: 'queued', cause: 'not_left' }, halts: ['authentication'],
  }],
  ['interrupted before the request: nothing called', { script: { abortedBefore: true }, log: [], result: { state: 'queued', cause: 'interrupted' }, outcome: null }],
  ['provider already halted by another row: nothing called', { script: { haltedBefore: true }, log: [], result: { state: 'queued', cause: 'interrupted' }, outcome: null }],
  ['interrupted during the request: unknown, no lookup', {
    script: { create: [(r) => (r.abort(), perr('timeout', { outcomeUnknown: true }))] },
    log: SEND, result: { state: 'unknown', cause: 'timeout' }, outcome: { to: 'unknown', cause: 'timeout', attempt: 1 },
  }],
  ['interrupted during a 429 wait: queued', {
    script: { create: [(r) => (r.abort(), perr('rate_limited', { retryable: true }))] },
    log: [...SEND, 'recordNow queued/not_left', 'recorded'], result: { state: 'queued', cause: 'interrupted' }, outcome: null, records: ['queued/not_left'],
  }],
  ['resumed sending, lookup finds it paid: nothing sent', {
    script: { row: { status: 'sending', attempts: 1, sentAt: SENT_AT }, find: [payout('paid')] },
    log: ['recipientFor', `findPayout since ${SENT_AT.toISOString()}`], result: { state: 'paid', cause: 'lookup' }, outcome: { to: 'paid', cause: 'lookup', attempt: 1 },
  }],
  ['resumed sending, lookup finds nothing: unknown, then resent', {
    script: { row: { status: 'sending', attempts: 1, sentAt: SENT_AT }, find: [null], create: [payout('pending')] },
    log: ['recipientFor', `findPayout since ${SENT_AT.toISOString()}`, 'recordNow unknown/outcome_unknown', 'recorded', 'recipientFor', 'markSending lookupFoundNothing', 'marked #2', 'createPayout payee_1'],
    result: { state: 'pending', cause: 'provider_accepted' }, outcome: { to: 'pending', attempt: 2 }, records: ['unknown/outcome_unknown'],
  }],
  ['resumed unknown, lookup finds nothing: resent without a second record', {
    script: { row: { status: 'unknown', attempts: 1, sentAt: SENT_AT, instruction: { ...INSTRUCTION, recipientId: 'payee_1' } }, find: [null], create: [payout('paid')] },
    log: [`findPayout since ${SENT_AT.toISOString()}`, 'recipientFor', 'markSending lookupFoundNothing', 'marked #2', 'createPayout payee_1'],
    result: { state: 'paid', cause: 'provider_accepted' }, outcome: { to: 'paid', attempt: 2 },
  }],
  ['resumed sending, lookup fails: unknown', {
    script: { maxAttempts: 1, row: { status: 'sending', attempts: 1, sentAt: SENT_AT }, find: [perr('bad_response')] },
    log: ['recipientFor', `findPayout since ${SENT_AT.toISOString()}`], result: { state: 'unknown', cause: 'outcome_unknown', errorCode: 'BAD_RESPONSE' }, outcome: { to: 'unknown', cause: 'outcome_unknown', attempt: 1 },
  }],
  // A lookup is safe to repeat: one whose answer was lost (a 5xx or a timeout on Openpay's resend of the order_id) is
  // asked again now, instead of leaving the row unknown for a whole later run.
  ['resumed sending, lookup answered 500 then found it: pending, asked again', {
    script: { row: { status: 'sending', attempts: 1, sentAt: SENT_AT }, find: [perr('server', { outcomeUnknown: true }), payout('pending')] },
    log: ['recipientFor', `findPayout since ${SENT_AT.toISOString()}`, `findPayout since ${SENT_AT.toISOString()}`], result: { state: 'pending', cause: 'lookup' }, outcome: { to: 'pending', cause: 'lookup', attempt: 1 },
  }],
  ['lost answer, lookup timed out then found it paid: asked again', {
    script: { create: [perr('network', { outcomeUnknown: true })], find: [perr('timeout', { outcomeUnknown: true }), payout('paid')] },
    log: [...SEND, at(1), at(1)], result: { state: 'paid', cause: 'lookup' }, outcome: { to: 'paid', cause: 'lookup' },
  }],
  ['lookup ambiguous (two candidates): not asked again, unknown', {
    script: { row: { status: 'sending', attempts: 1, sentAt: SENT_AT }, find: [perr('duplicate_reference', { outcomeUnknown: true, providerCode: 'AMBIGUOUS' }), payout('pending')] },
    log: ['recipientFor', `findPayout since ${SENT_AT.toISOString()}`], result: { state: 'unknown', cause: 'outcome_unknown', errorCode: 'AMBIGUOUS' }, outcome: { to: 'unknown', cause: 'outcome_unknown', attempt: 1 },
  }],
  ['resumed unknown while interrupted: no lookup leaves, stays unknown', {
    script: { abortedBefore: true, row: { status: 'unknown', attempts: 1, sentAt: SENT_AT }, find: [payout('pending')] },
    log: [], result: { state: 'unknown', cause: 'outcome_unknown' }, outcome: null,
  }],
  ['queued not recorded after a 429: unknown, not resent', {
    script: { recordFails: true, create: [perr('rate_limited', { retryable: true })] },
    log: [...SEND, 'recordNow queued/not_left'], result: { state: 'unknown', cause: 'outcome_unknown', errorCode: 'UNEXPECTED' }, outcome: { to: 'unknown', cause: 'outcome_unknown' },
  }],
  // The provider-side guard (Conekta, Digital FEMSA): asked before the first send of a row with no ledger history.
  ['guard finds nothing: sent', {
    script: { guard: [null], create: [payout('pending')] },
    log: ['guard', ...SEND], result: { state: 'pending', cause: 'provider_accepted' }, outcome: { to: 'pending', attempt: 1 },
  }],
  ['guard finds it paid: recorded from the provider, nothing sent', {
    script: { guard: [payout('paid', { createdAt: SENT_AT })] },
    log: ['guard'], result: { state: 'paid', cause: 'found_at_provider' }, outcome: { to: 'paid', cause: 'found_at_provider', attempt: 0, foundRequest: { requestKey: 'conekta:B1-2', sentAt: SENT_AT } },
  }],
  ['guard listing fails: not sent, no recipient, no mark', {
    script: { guard: [perr('server', { retryable: true })] },
    log: ['guard'], result: { state: 'queued', cause: 'not_left', errorCode: 'PROVIDER_CHECK_FAILED' }, outcome: null,
  }],
  ['guarded row with earlier attempts (provably not left): no guard asked', {
    script: { guard: [], row: { attempts: 1 }, create: [payout('pending')] },
    log: ['recipientFor', 'markSending', 'marked #2', 'createPayout payee_1'], result: { state: 'pending', cause: 'provider_accepted' }, outcome: { to: 'pending', attempt: 2 },
  }],
];

describe('payRow performs what decide asks, one call at a time', () => {
  it.each(CASES)('%s', async (_name, c) => {
    const { result, log, records, halts } = await run(c.script);
    expect(log).toEqual(c.log);
    expect({ state: result.state, cause: result.cause, ...(c.result.errorCode ? { errorCode: result.errorCode } : {}) }).toEqual(c.result);
    if (c.outcome === null) expect(result.outcome).toBeUndefined();
    else expect(result.outcome).toMatchObject({ rowId: 7, ...c.outcome });
    expect(records.map((r) => `${r.to}/${r.cause}`)).toEqual(c.records ?? []);
    expect(halts).toEqual(c.halts ?? []);
    // Every request left only after its mark was durable, once per mark.
    log.forEach((entry, i) => {
      if (entry.startsWith('createPayout')) expect(log[i - 1]).toMatch(/^marked #/);
    });
    expect(log.filter((e) => e.startsWith('createPayout')).length).toBe(log.filter((e) => e.startsWith('marked #')).length);
  });

  it('carries the request key and recipient on every mark, and the resend flag only after an empty lookup', async () => {
    const { marks } = await run({ create: [perr('rate_limited', { retryable: true }), perr('server', { outcomeUnknown: true }), payout('paid')], find: [null] });
    expect(marks).toEqual([
      { rowId: 7, requestKey: 'conekta:B1-2', recipientId: 'payee_1' },
      { rowId: 7, requestKey: 'conekta:B1-2', recipientId: 'payee_1' },
      { rowId: 7, requestKey: 'conekta:B1-2', recipientId: 'payee_1', lookupFoundNothing: true },
    ]);
  });

  it('a ledger that cannot record a resumed row unknown fails the call instead of resending', async () => {
    await expect(run({ recordFails: true, row: { status: 'sending', attempts: 1, sentAt: SENT_AT }, find: [null] })).rejects.toThrow();
  });
});
