import type { ProviderId } from '../../domain/provider-id.ts';
import { requestKey as deriveRequestKey } from '../../domain/request-key.ts';
import type { RowStatus } from '../../domain/row-status.ts';
import { IllegalTransitionError } from '../ledger-error.ts';
import { PAID_TWICE_CODE, RETURNED_CODE, type BatchEnvironment, type DemotedRow, type MarkSendingItem, type OutcomeInput, type OutcomeResult, type PaidRowFlag, type PaidRowFlagClear, type ProviderStateEvent, type RequeueResult, type ReturnReversal, type ReturnReversalResult, type SendingMark } from '../ledger-store.ts';
import { assertTransition, clampEventTime, decideOutcome, decideReturnReversal, ownsKey, returnStandsAgainHistory, type TransitionCause } from '../transitions.ts';
import { iso, facts, historyParams, returnedFacts, type RowRecord } from './records.ts';
import { write, type SqliteContext } from './context.ts';
import { requireBatch } from './batches.ts';
import { assertLockHeld } from './locks.ts';
import { currentOwner, ownedMessage, requireRow } from './rows.ts';
import { messageText } from '../../messages/stored-message.ts';

/**
 * Every change of a row's status, each through the transition table (transitions.ts) inside one transaction:
 * marking rows `sending` (by the lock holder only), recording provider outcomes, releasing and requeueing rows.
 */

/** Statuses whose outcome clears a previous attempt's error: the row is in flight or settled well. */
const CLEARS_ERROR: readonly RowStatus[] = ['queued', 'sending', 'pending', 'paid'];

export function markSending(ctx: SqliteContext, items: readonly MarkSendingItem[]): SendingMark[] {
  if (items.length === 0) return [];
  return write(ctx, () => {
    const sentAt = ctx.now();
    const at = iso(sentAt);
    const lockChecked = new Set<string>();
    return items.map((item): SendingMark => {
      const row = requireRow(ctx, item.rowId);
      if (!lockChecked.has(row.batch_id)) {
        assertLockHeld(ctx, row.batch_id);
        lockChecked.add(row.batch_id);
      }
      const status = row.status as RowStatus;
      const cause: TransitionCause = status === 'unknown' && item.lookupFoundNothing === true ? 'resent_after_lookup' : 'sent';
      assertTransition(row.id, status, 'sending', cause);
      // The table admits only key-owning rows here; the unique index is the backstop.
      if (row.order_key === null || !ownsKey(status)) throw new IllegalTransitionError(row.id, status, 'sending', cause);
      const attempt = row.attempts + 1;
      const key = item.requestKey ?? deriveRequestKey(row.provider as ProviderId, row.order_key);
      ctx.s.markSending.run({ id: row.id, attempt, request_key: key, recipient_id: item.recipientId ?? null, at });
      ctx.s.insertHistory.run(historyParams(row.id, row.batch_id, at, status, 'sending', cause, attempt, {}));
      return { rowId: row.id, attempt, requestKey: key, sentAt };
    });
  });
}

export function recordOutcomes(ctx: SqliteContext, items: readonly OutcomeInput[]): OutcomeResult[] {
  if (items.length === 0) return [];
  return write(ctx, () => {
    const at = iso(ctx.now());
    return items.map((item) => applyOutcome(ctx, item, at));
  });
}

export function applyProviderState(ctx: SqliteContext, rowId: number, state: 'pending' | 'paid' | 'failed', event: ProviderStateEvent): OutcomeResult {
  const [result] = recordOutcomes(ctx, [{ ...event, rowId, to: state }]);
  return result as OutcomeResult;
}

export function flagPaidRow(ctx: SqliteContext, rowId: number, flag: PaidRowFlag): OutcomeResult {
  return write(ctx, () => {
    const row = requireRow(ctx, rowId);
    const status = row.status as RowStatus;
    if (status !== 'paid') return { rowId, changed: false, status, ignored: 'superseded' };
    if (row.error_code === flag.errorCode && row.error_message === flag.errorMessage) return { rowId, changed: false, status, ignored: 'no_change' };
    const at = iso(ctx.now());
    ctx.s.flagPaidRow.run({ id: rowId, error_code: flag.errorCode, error_message: flag.errorMessage, provider_status: flag.providerStatus ?? null, at });
    ctx.s.insertHistory.run(historyParams(row.id, row.batch_id, at, 'paid', 'paid', flag.cause, row.attempts, flag));
    return { rowId, changed: true, status };
  });
}

export function clearPaidRowFlag(ctx: SqliteContext, rowId: number, clear: PaidRowFlagClear): OutcomeResult {
  return write(ctx, () => {
    const row = requireRow(ctx, rowId);
    const status = row.status as RowStatus;
    if (status !== 'paid') return { rowId, changed: false, status, ignored: 'superseded' };
    if (row.error_code !== clear.errorCode) return { rowId, changed: false, status, ignored: 'no_change' };
    const at = iso(ctx.now());
    ctx.s.clearPaidRowFlag.run({ id: rowId, error_code: clear.errorCode, provider_status: clear.providerStatus ?? null, at });
    ctx.s.insertHistory.run(historyParams(row.id, row.batch_id, at, 'paid', 'paid', clear.cause, row.attempts, { providerStatus: clear.providerStatus, note: clear.note }));
    return { rowId, changed: true, status };
  });
}

export function reverseReturn(ctx: SqliteContext, rowId: number, reversal: ReturnReversal): ReturnReversalResult {
  return write(ctx, () => {
    const row = requireRow(ctx, rowId);
    const status = row.status as RowStatus;
    if (status !== 'failed') return { rowId, changed: false, status, ignored: 'superseded' };
    if (row.error_code !== PAID_TWICE_CODE && ctx.s.hasReversal.get(rowId) === undefined) return { rowId, changed: false, status, ignored: 'final' };
    const at = iso(ctx.now());
    const owner = row.order_key === null ? undefined : currentOwner(ctx, row.environment as BatchEnvironment, row.order_key);
    const decision = decideReturnReversal(returnedFacts(row), reversal, owner);
    if (decision.kind === 'unchanged') return { rowId, changed: false, status, ignored: 'no_change', ...(owner ? { owner } : {}) };
    if (decision.kind === 'paid_twice') {
      ctx.s.flagFailedRow.run({ id: rowId, error_code: PAID_TWICE_CODE, error_message: decision.errorMessage, provider_status: reversal.providerStatus, at });
      ctx.s.insertHistory.run(historyParams(row.id, row.batch_id, at, 'failed', 'failed', 'return_reversed', row.attempts, decision.history));
      return { rowId, changed: true, status, owner: decision.owner };
    }
    const eventTime = reversal.providerUpdatedAt ? clampEventTime(reversal.providerUpdatedAt, ctx.now()) : undefined;
    ctx.s.transitionRow.run({
      id: rowId,
      status: 'paid',
      provider_payout_id: null,
      provider_status: reversal.providerStatus,
      provider_reference: null,
      provider_updated_at: eventTime ? iso(eventTime) : null,
      set_error: 1,
      error_code: null,
      error_message: null,
      warning: null,
      note: null,
      at,
    });
    ctx.s.insertHistory.run(historyParams(row.id, row.batch_id, at, 'failed', 'paid', 'return_reversed', row.attempts, { ...decision.history, providerUpdatedAt: eventTime }));
    return { rowId, changed: true, status: 'paid' };
  });
}

export function returnStandsAgain(ctx: SqliteContext, rowId: number, again: { providerStatus: string; errorMessage: string; cause: TransitionCause }): OutcomeResult {
  return write(ctx, () => {
    const row = requireRow(ctx, rowId);
    const status = row.status as RowStatus;
    if (status !== 'failed' || row.error_code !== PAID_TWICE_CODE) return { rowId, changed: false, status, ignored: 'no_change' };
    const at = iso(ctx.now());
    ctx.s.flagFailedRow.run({ id: rowId, error_code: RETURNED_CODE, error_message: again.errorMessage, provider_status: again.providerStatus, at });
    ctx.s.insertHistory.run(
      historyParams(row.id, row.batch_id, at, 'failed', 'failed', again.cause, row.attempts, returnStandsAgainHistory(again.providerStatus)),
    );
    return { rowId, changed: true, status };
  });
}

export function releaseQueued(ctx: SqliteContext, batchId: string, cause: 'interrupted' | 'aborted' | 'insufficient_funds'): number {
  assertTransition(0, 'queued', 'not_sent', cause);
  return write(ctx, () => {
    requireBatch(ctx, batchId);
    const at = iso(ctx.now());
    ctx.s.historyForQueued.run({ batchId, at, cause });
    return ctx.s.releaseQueued.run({ batchId, at }).changes;
  });
}

export function requeueNotSent(ctx: SqliteContext, batchId: string): RequeueResult {
  return write(ctx, () => {
    requireBatch(ctx, batchId);
    const at = iso(ctx.now());
    const result: RequeueResult = { requeued: 0, demoted: [] };
    for (const row of ctx.s.notSentOfBatch.all(batchId) as RowRecord[]) {
      const demoted = requeue(ctx, row, at);
      if (demoted) result.demoted.push(demoted);
      else result.requeued += 1;
    }
    return result;
  });
}

export function applyOutcome(ctx: SqliteContext, item: OutcomeInput, at: string): OutcomeResult {
  const row = requireRow(ctx, item.rowId);
  const status = row.status as RowStatus;
  const decision = decideOutcome(row.id, facts(row), item, ctx.now());
  if (decision.kind === 'ignore') return { rowId: row.id, changed: false, status, ignored: decision.reason };

  // A provider time far ahead of ours is kept as ours (+ skew): a forged far-future time would otherwise make every
  // later event look older and freeze the row.
  const eventTime = item.providerUpdatedAt ? clampEventTime(item.providerUpdatedAt, ctx.now()) : undefined;
  const eventAt = eventTime ? iso(eventTime) : null;
  if (decision.kind === 'refresh') {
    ctx.s.refreshRow.run({
      id: row.id,
      provider_status: item.providerStatus ?? null,
      provider_payout_id: item.providerPayoutId ?? null,
      provider_reference: item.providerReference ?? null,
      provider_updated_at: eventAt,
      at,
    });
    ctx.s.insertHistory.run(historyParams(row.id, row.batch_id, at, status, status, item.cause, row.attempts, { ...item, providerUpdatedAt: eventTime }));
    return { rowId: row.id, changed: true, status };
  }

  if (status === 'not_sent' && decision.to === 'queued') {
    const demoted = requeue(ctx, row, at);
    const after = requireRow(ctx, row.id).status as RowStatus;
    return { rowId: row.id, changed: true, status: demoted ? demoted.status : after };
  }

  let attempts = row.attempts;
  if (decision.cause === 'found_at_provider') {
    // The payout was made by a request the ledger has lost: the row records that request as its attempt, with our
    // request key, so it satisfies what every row past sending holds (key, attempt, sent_at) without being sent.
    const found = item.foundRequest;
    const key = found?.requestKey ?? deriveRequestKey(row.provider as ProviderId, row.order_key as string);
    ctx.s.adoptFoundRequest.run({ id: row.id, request_key: key, sent_at: iso(found?.sentAt ?? ctx.now()), at });
    attempts += 1;
  }
  const clearsError = CLEARS_ERROR.includes(decision.to);
  ctx.s.transitionRow.run({
    id: row.id,
    status: decision.to,
    provider_payout_id: item.providerPayoutId ?? null,
    provider_status: item.providerStatus ?? null,
    provider_reference: item.providerReference ?? null,
    provider_updated_at: eventAt,
    set_error: clearsError ? 1 : 0,
    error_code: item.errorCode ?? null,
    error_message: item.errorMessage ?? null,
    warning: item.warning ?? null,
    note: item.note ?? null,
    at,
  });
  // The history is an audit trail read as it is: a catalogue note (messages/stored-message.ts) goes in as English.
  const note = [decision.note, item.note === undefined ? undefined : messageText(item.note, 'en')].filter((n) => n !== undefined).join('; ');
  ctx.s.insertHistory.run(
    historyParams(row.id, row.batch_id, at, status, decision.to, decision.cause, attempts, { ...item, providerUpdatedAt: eventTime, note: note || undefined }),
  );
  return { rowId: row.id, changed: true, status: decision.to };
}

/** not_sent → queued, or → duplicate / conflict of the row that took the key meanwhile. */
export function requeue(ctx: SqliteContext, row: RowRecord, at: string): DemotedRow | undefined {
  const orderKey = row.order_key as string;
  const owner = currentOwner(ctx, row.environment as BatchEnvironment, orderKey);
  if (!owner) {
    assertTransition(row.id, 'not_sent', 'queued', 'resumed');
    ctx.s.requeueRow.run({ id: row.id, at });
    ctx.s.insertHistory.run(historyParams(row.id, row.batch_id, at, 'not_sent', 'queued', 'resumed', row.attempts, {}));
    return undefined;
  }
  const status = owner.fingerprint === row.fingerprint ? 'duplicate' : 'conflict';
  assertTransition(row.id, 'not_sent', status, 'key_owned');
  const errorCode = status === 'duplicate' ? 'DUPLICATE_ORDER_ID' : 'CONFLICTING_ORDER_ID';
  ctx.s.demoteRow.run({ id: row.id, status, owner_row_id: owner.rowId, error_code: errorCode, error_message: ownedMessage(owner), at });
  ctx.s.insertHistory.run(historyParams(row.id, row.batch_id, at, 'not_sent', status, 'key_owned', row.attempts, { errorCode }));
  return { rowId: row.id, rowNumber: row.row_number, status, owner };
}
