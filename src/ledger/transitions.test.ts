import { describe, expect, it } from 'vitest';
import { ROW_STATUSES, type RowStatus } from '../domain/row-status.ts';
import { IllegalTransitionError } from './ledger-error.ts';
import { KEY_OWNING_SQL } from './sqlite/migrations.ts';
import { assertTransition, canTransition, clampEventTime, decideOutcome, KEY_OWNING_STATUSES, MAX_EVENT_CLOCK_SKEW_MS, TRANSITIONS, type RowFacts } from './transitions.ts';

const at = (iso: string) => new Date(iso);

describe('the transition table', () => {
  it.each([
    ['queued', 'sending', 'sent'],
    ['queued', 'not_sent', 'interrupted'],
    ['sending', 'pending', 'provider_accepted'],
    ['sending', 'paid', 'provider_accepted'],
    ['sending', 'failed', 'provider_rejected'],
    ['sending', 'unknown', 'timeout'],
    ['sending', 'queued', 'not_left'],
    ['unknown', 'paid', 'lookup'],
    ['unknown', 'sending', 'resent_after_lookup'],
    ['unknown', 'not_sent', 'lookup_found_nothing'],
    ['pending', 'paid', 'webhook'],
    ['pending', 'failed', 'sync'],
    ['paid', 'failed', 'reversal'],
    ['failed', 'paid', 'return_reversed'],
    ['not_sent', 'queued', 'resumed'],
    // The provider-side guard: a payout with the row's request key already exists (a lost or empty ledger).
    ['queued', 'pending', 'found_at_provider'],
    ['queued', 'paid', 'found_at_provider'],
    ['queued', 'failed', 'found_at_provider'],
    ['queued', 'conflict', 'found_at_provider_differs'],
  ] as const)('allows %s → %s (%s)', (from, to, cause) => {
    expect(canTransition(from, to, cause)).toBe(true);
  });

  it.each([
    // Requests that may have left must never go back to the queue or be resent without proof.
    ['sending', 'queued', 'timeout'],
    ['unknown', 'sending', 'sent'],
    ['unknown', 'not_sent', 'interrupted'],
    ['unknown', 'queued', 'lookup'],
    ['sending', 'not_sent', 'interrupted'],
    ['sending', 'sending', 'sent'],
    // Final states stay final; the only exit is a reversal of a payment.
    ['paid', 'failed', 'webhook'],
    ['paid', 'pending', 'webhook'],
    ['failed', 'paid', 'webhook'],
    ['failed', 'paid', 'sync'],
    ['failed', 'pending', 'return_reversed'],
    ['failed', 'queued', 'resumed'],
    ['pending', 'sending', 'sent'],
    ['queued', 'paid', 'webhook'],
    ['duplicate', 'sending', 'sent'],
    ['conflict', 'queued', 'resumed'],
    ['invalid', 'queued', 'resumed'],
    // Only the guard's own finding moves a queued row straight to a provider state or a conflict.
    ['queued', 'pending', 'lookup'],
    ['queued', 'paid', 'sync'],
    ['queued', 'conflict', 'key_owned'],
    ['queued', 'unknown', 'found_at_provider'],
    ['queued', 'paid', 'found_at_provider_differs'],
    ['unknown', 'conflict', 'found_at_provider_differs'],
    ['sending', 'conflict', 'found_at_provider_differs'],
  ] as const)('refuses %s → %s (%s)', (from, to, cause) => {
    expect(canTransition(from, to, cause)).toBe(false);
    expect(() => assertTransition(7, from, to, cause)).toThrow(IllegalTransitionError);
  });

  it('throws an error that carries the row and the move', () => {
    try {
      assertTransition(42, 'paid', 'pending', 'webhook');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(IllegalTransitionError);
      expect(error).toMatchObject({ code: 'ILLEGAL_TRANSITION', rowId: 42, from: 'paid', to: 'pending', transitionCause: 'webhook' });
    }
  });

  it('has no edge out of a final state except paid → failed, a reversed return and the operator re-run of not_sent', () => {
    const exits = Object.entries(TRANSITIONS).flatMap(([from, tos]) => Object.keys(tos ?? {}).map((to) => `${from}→${to}`));
    for (const from of ['invalid', 'duplicate', 'conflict'] as RowStatus[]) {
      expect(exits.filter((e) => e.startsWith(`${from}→`))).toEqual([]);
    }
    expect(exits.filter((e) => e.startsWith('paid→'))).toEqual(['paid→failed']);
    expect(exits.filter((e) => e.startsWith('failed→'))).toEqual(['failed→paid']);
    expect(TRANSITIONS.failed?.paid).toEqual(['return_reversed']);
  });

  it('never lets a provider event move a failed row back to paid: only a reversed return does (LedgerStore.reverseReturn)', () => {
    const failed: RowFacts = { status: 'failed', attempts: 1, providerStatus: 'failed' };
    for (const cause of ['webhook', 'sync', 'lookup', 'reversal'] as const) {
      expect(decideOutcome(1, failed, { to: 'paid', cause, providerStatus: 'completed' })).toEqual({ kind: 'ignore', reason: 'final' });
    }
  });

  it('agrees with the SQL of the key-ownership index', () => {
    expect(KEY_OWNING_SQL).toBe(KEY_OWNING_STATUSES.map((s) => `'${s}'`).join(','));
    expect(KEY_OWNING_STATUSES.every((s) => (ROW_STATUSES as readonly string[]).includes(s))).toBe(true);
  });
});

describe('decideOutcome', () => {
  const sending: RowFacts = { status: 'sending', attempts: 1 };

  it('applies our own call result to a row in sending', () => {
    expect(decideOutcome(1, sending, { to: 'pending', cause: 'provider_accepted', attempt: 1 })).toEqual({
      kind: 'transition',
      to: 'pending',
      cause: 'provider_accepted',
    });
  });

  it('moves a queued row with no attempt to the state the guard found at the provider', () => {
    const queued: RowFacts = { status: 'queued', attempts: 0 };
    expect(decideOutcome(1, queued, { to: 'paid', cause: 'found_at_provider', attempt: 0, providerPayoutId: 'tr_9' })).toEqual({ kind: 'transition', to: 'paid', cause: 'found_at_provider' });
    expect(decideOutcome(1, queued, { to: 'conflict', cause: 'found_at_provider_differs', attempt: 0 })).toEqual({ kind: 'transition', to: 'conflict', cause: 'found_at_provider_differs' });
    expect(() => decideOutcome(1, queued, { to: 'paid', cause: 'lookup', attempt: 0 })).toThrow(IllegalTransitionError);
  });

  it('takes a conflict as an outcome only from the guard: a conflict of another row carries its owner', () => {
    expect(() => decideOutcome(1, { status: 'not_sent', attempts: 0 }, { to: 'conflict', cause: 'key_owned' })).toThrow(IllegalTransitionError);
  });

  it('ignores the outcome of an earlier attempt', () => {
    expect(decideOutcome(1, { status: 'sending', attempts: 2 }, { to: 'unknown', cause: 'timeout', attempt: 1 })).toEqual({
      kind: 'ignore',
      reason: 'stale_attempt',
    });
  });

  it('lets a webhook that arrived first win over our late "unknown"', () => {
    const paid: RowFacts = { status: 'paid', attempts: 1, providerUpdatedAt: at('2025-03-01T12:00:05Z') };
    expect(decideOutcome(1, paid, { to: 'unknown', cause: 'timeout', attempt: 1 })).toEqual({ kind: 'ignore', reason: 'superseded' });
    expect(decideOutcome(1, paid, { to: 'pending', cause: 'provider_accepted', attempt: 1 })).toEqual({ kind: 'ignore', reason: 'final' });
  });

  it('ignores a provider event older than the one the row reflects', () => {
    const pending: RowFacts = { status: 'pending', attempts: 1, providerUpdatedAt: at('2025-03-01T12:00:10Z') };
    expect(decideOutcome(1, pending, { to: 'failed', cause: 'webhook', providerUpdatedAt: at('2025-03-01T12:00:09Z') })).toEqual({
      kind: 'ignore',
      reason: 'older',
    });
    expect(decideOutcome(1, pending, { to: 'paid', cause: 'webhook', providerUpdatedAt: at('2025-03-01T12:00:11Z') })).toMatchObject({
      kind: 'transition',
      to: 'paid',
    });
  });

  it('does not let a far-future time on the row freeze it: times are compared as no later than now + skew', () => {
    const now = at('2025-03-01T12:00:00Z');
    const forged: RowFacts = { status: 'pending', attempts: 1, providerUpdatedAt: at('2099-01-01T00:00:00Z') };
    const next = { to: 'paid' as const, cause: 'sync' as const, providerUpdatedAt: at('2025-03-01T12:06:00Z') };
    expect(decideOutcome(1, forged, next, now)).toMatchObject({ kind: 'transition', to: 'paid' });
    // Without a clock the old rule holds, which is what froze such a row.
    expect(decideOutcome(1, forged, next)).toEqual({ kind: 'ignore', reason: 'older' });
  });

  it('still orders two events a few seconds ahead of our clock', () => {
    const now = at('2025-03-01T12:00:00Z');
    const pending: RowFacts = { status: 'pending', attempts: 1, providerUpdatedAt: at('2025-03-01T12:00:10Z') };
    expect(decideOutcome(1, pending, { to: 'failed', cause: 'webhook', providerUpdatedAt: at('2025-03-01T12:00:09Z') }, now)).toEqual({ kind: 'ignore', reason: 'older' });
  });

  it('refreshes the same state only when the provider says something new', () => {
    const pending: RowFacts = { status: 'pending', attempts: 1, providerStatus: 'in_progress', providerPayoutId: 'tr_1' };
    expect(decideOutcome(1, pending, { to: 'pending', cause: 'sync', providerStatus: 'in_progress' })).toEqual({ kind: 'ignore', reason: 'no_change' });
    expect(decideOutcome(1, pending, { to: 'pending', cause: 'sync', providerStatus: 'in_transit' })).toEqual({ kind: 'refresh' });
  });

  it('records paid → failed as a reversal only when the provider reports it', () => {
    const paid: RowFacts = { status: 'paid', attempts: 1 };
    expect(decideOutcome(1, paid, { to: 'failed', cause: 'webhook' })).toEqual({
      kind: 'transition',
      to: 'failed',
      cause: 'reversal',
      note: 'reported by webhook',
    });
    expect(decideOutcome(1, paid, { to: 'failed', cause: 'provider_rejected', attempt: 1 })).toEqual({ kind: 'ignore', reason: 'final' });
  });

  it('never leaves failed', () => {
    expect(decideOutcome(1, { status: 'failed', attempts: 1 }, { to: 'paid', cause: 'webhook' })).toEqual({ kind: 'ignore', reason: 'final' });
  });

  it('throws for a provider state on a row that was never sent', () => {
    expect(() => decideOutcome(1, { status: 'queued', attempts: 0 }, { to: 'paid', cause: 'webhook' })).toThrow(IllegalTransitionError);
    expect(() => decideOutcome(1, { status: 'not_sent', attempts: 0 }, { to: 'paid', cause: 'sync' })).toThrow(IllegalTransitionError);
  });

  it('leaves sending to markSending and duplicate/conflict to the key-ownership rules', () => {
    expect(() => decideOutcome(1, { status: 'queued', attempts: 0 }, { to: 'sending', cause: 'sent' })).toThrow(IllegalTransitionError);
    expect(() => decideOutcome(1, { status: 'not_sent', attempts: 0 }, { to: 'duplicate', cause: 'key_owned' })).toThrow(IllegalTransitionError);
  });

  it('throws for a queued row re-queued on a timeout (the request may have left)', () => {
    expect(() => decideOutcome(1, sending, { to: 'queued', cause: 'timeout', attempt: 1 })).toThrow(IllegalTransitionError);
  });
});

describe('clampEventTime', () => {
  const now = new Date('2025-03-01T12:00:00Z');
  it('keeps a time up to the skew ahead of now, and clamps one beyond it', () => {
    expect(clampEventTime(new Date('2025-03-01T11:00:00Z'), now)).toEqual(new Date('2025-03-01T11:00:00Z'));
    const edge = new Date(now.getTime() + MAX_EVENT_CLOCK_SKEW_MS);
    expect(clampEventTime(edge, now)).toEqual(edge);
    expect(clampEventTime(new Date('2999-12-31T00:00:00Z'), now)).toEqual(edge);
  });
});
