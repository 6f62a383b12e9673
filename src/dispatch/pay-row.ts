import type { OutcomeInput, SendingMark } from '../ledger/ledger-store.ts';
import type { TransitionCause } from '../ledger/transitions.ts';
import type { PayoutInstruction, PayoutProvider, ProviderPayout, ProviderSession } from '../providers/payout-provider.ts';
import { isProviderError, type ProviderError } from '../providers/provider-error.ts';
import type { DispatchRow, RowResult, RowResultState } from './dispatch-types.ts';
import { errorFields, payoutFailure } from './outcome-fields.ts';
import { isRetryable, withRetries } from './retry-policy.ts';

/** Everything payRow needs besides the row; one per provider per run. */
export interface PayContext {
  provider: PayoutProvider;
  session: ProviderSession;
  maxAttempts: number;
  signal: AbortSignal;
  /** Durable when it resolves (group commit): the request may leave only afterwards. */
  markSending(item: { rowId: number; requestKey: string; recipientId?: string; lookupFoundNothing?: boolean }): Promise<SendingMark>;
  /** Durable when it resolves; used where the next step depends on it. */
  recordNow(outcome: OutcomeInput): Promise<void>;
  /** The remembered recipient id (Conekta payee, FEMSA customer, Zenrise bank account), created once. */
  recipientFor(instruction: PayoutInstruction): Promise<string | undefined>;
  /** Stop sending to this provider (insufficient funds, rejected credentials): its remaining rows are not sent. */
  haltProvider(reason: ProviderError): void;
  isHalted(): boolean;
}

/**
 * Pays one row exactly once.
 *  1. A row left `sending` or `unknown` (a crash, a timeout) is settled by lookup before anything is sent.
 *  2. The row is marked `sending` (attempt, request key) durably, then the request leaves.
 *  3. Failures that provably performed nothing are retried (retry-policy.ts). An outcome that may have been
 *     performed is settled by lookup, never resent blindly: found → its state; provably absent → a new attempt;
 *     cannot tell → `unknown` for the operator.
 */
export async function payRow(row: DispatchRow, ctx: PayContext): Promise<RowResult> {
  // The row's state in the ledger as this function has left it, so it never asks for an illegal transition.
  let ledgerState: 'queued' | 'sending' | 'unknown' = row.status;
  let attempt = row.attempts;
  let since = row.sentAt;
  let instruction: PayoutInstruction = { ...row.instruction };
  let attemptsThisRun = 0;

  const done = (state: RowResultState, cause: TransitionCause, extra: Partial<OutcomeInput> = {}): RowResult => {
    // A row already in the state (queued after a recorded not-left error) needs no second record.
    const outcome: OutcomeInput | undefined = state === ledgerState ? undefined : { rowId: row.rowId, to: state, cause, attempt, ...extra };
    return { rowId: row.rowId, state, outcome, cause, errorCode: extra.errorCode, errorMessage: extra.errorMessage };
  };
  const fromPayout = (payout: ProviderPayout, cause: TransitionCause, note?: string) =>
    done(payout.state, cause, {
      ...payoutFields(payout),
      ...(payout.state === 'failed' ? payoutFailure(payout) : {}),
      ...(note ? { note } : {}),
    });

  let needsLookup = row.status !== 'queued';
  let lastError: ProviderError | undefined;
  while (true) {
    if (needsLookup) {
      const recipientId = await optionalRecipient(ctx, instruction);
      if (recipientId !== undefined) instruction = { ...instruction, recipientId };
      const settled = await settle(ctx, instruction, since ?? new Date(0));
      if (settled.kind === 'found') {
        const note = lastError?.kind === 'duplicate_reference' && attemptsThisRun === 1 && row.attempts === 0 ? 'the provider already had a payout with this reference' : undefined;
        return fromPayout(settled.payout, 'lookup', note);
      }
      if (settled.kind === 'unknown') {
        return done('unknown', lastError?.kind === 'timeout' ? 'timeout' : 'outcome_unknown', {
          ...(lastError ?? settled.error ? errorFields(lastError ?? settled.error) : {}),
          note: 'the provider could not confirm whether this payout exists; run `payout-batch sync` or check the provider before paying it again',
        });
      }
      if (lastError?.kind === 'duplicate_reference') {
        return done('failed', 'provider_rejected', { ...errorFields(lastError), note: 'the provider reports this reference as used, but no matching payout was found' });
      }
      // Provably not performed. A row left `sending` must pass through `unknown` before it may be sent again.
      if (ledgerState === 'sending') {
        await ctx.recordNow({ rowId: row.rowId, to: 'unknown', cause: 'outcome_unknown', attempt, ...(lastError ? errorFields(lastError) : {}) });
        ledgerState = 'unknown';
      }
      needsLookup = false;
      if (attemptsThisRun >= ctx.maxAttempts) {
        return done('unknown', 'outcome_unknown', { ...(lastError ? errorFields(lastError) : {}), note: 'not performed at the provider after every attempt; re-run to try again' });
      }
    }

    if (ctx.signal.aborted || ctx.isHalted()) {
      return done(ledgerState === 'unknown' ? 'unknown' : 'queued', 'interrupted');
    }

    let recipientId: string | undefined;
    try {
      recipientId = await withRetries(() => ctx.recipientFor(instruction), { maxAttempts: ctx.maxAttempts, signal: ctx.signal });
    } catch (error) {
      return recipientFailure(error, ctx, done, ledgerState);
    }
    if (recipientId !== undefined) instruction = { ...instruction, recipientId };

    let payout: ProviderPayout | undefined;
    try {
      payout = await withRetries(
        async () => {
          if (ctx.signal.aborted) throw new StopSending('interrupted');
          if (ctx.isHalted()) throw new StopSending('provider halted');
          const mark = await ctx.markSending({
            rowId: row.rowId,
            requestKey: instruction.requestKey,
            ...(recipientId !== undefined ? { recipientId } : {}),
            ...(ledgerState === 'unknown' ? { lookupFoundNothing: true } : {}),
          });
          ledgerState = 'sending';
          attempt = mark.attempt;
          since = mark.sentAt;
          attemptsThisRun += 1;
          try {
            return await ctx.provider.createPayout(ctx.session, instruction);
          } catch (error) {
            // Nothing was performed: record it before the next attempt marks the row sending again.
            if (isRetryable(error)) {
              await ctx.recordNow({ rowId: row.rowId, to: 'queued', cause: 'not_left', attempt, ...errorFields(error) });
              ledgerState = 'queued';
            }
            throw error;
          }
        },
        { maxAttempts: Math.max(1, ctx.maxAttempts - attemptsThisRun), signal: ctx.signal },
      );
    } catch (error) {
      if (error instanceof StopSending || (error instanceof Error && error.name === 'AbortError') || ctx.signal.aborted && !isProviderError(error)) {
        return done(ledgerState === 'sending' ? 'unknown' : ledgerState, 'interrupted');
      }
      if (!isProviderError(error)) {
        // A bug or an unexpected failure after the request may have left: do not guess.
        return done(ledgerState === 'queued' ? 'queued' : 'unknown', 'outcome_unknown', { errorCode: 'UNEXPECTED', errorMessage: String((error as Error)?.message ?? error) });
      }
      lastError = error;
    }
    if (payout) return fromPayout(payout, payout.state === 'failed' ? 'provider_rejected' : 'provider_accepted');
    const error = lastError!;

    if (error.outcomeUnknown || error.kind === 'duplicate_reference') {
      if (ctx.signal.aborted) {
        return done('unknown', error.kind === 'timeout' ? 'timeout' : 'outcome_unknown', { ...errorFields(error), note: 'interrupted while the request was in flight; the next run settles it by lookup' });
      }
      needsLookup = true;
      continue;
    }
    if (error.retryable) {
      // Retries used up on answers that performed nothing (503, 429, refused connection); the row is queued.
      return done('queued', 'not_left', { ...errorFields(error), note: 'not performed at the provider; re-run to try again' });
    }
    if (error.kind === 'insufficient_funds' || error.kind === 'authentication') {
      ctx.haltProvider(error);
      return done('queued', 'not_left', {
        ...errorFields(error),
        note: error.kind === 'insufficient_funds' ? 'not sent: insufficient funds at the provider; fund the account and re-run' : 'not sent: the provider rejected the credentials',
      });
    }
    // An explicit refusal by the provider (validation, account rejected, not found): final.
    return done('failed', 'provider_rejected', errorFields(error));
  }
}

type Settlement = { kind: 'found'; payout: ProviderPayout } | { kind: 'absent' } | { kind: 'unknown'; error?: unknown };

/** Looks the payout up, retrying read failures. */
async function settle(ctx: PayContext, instruction: PayoutInstruction, since: Date): Promise<Settlement> {
  try {
    const found = await withRetries(() => ctx.provider.findPayout(ctx.session, instruction, since), { maxAttempts: ctx.maxAttempts, signal: ctx.signal });
    return found ? { kind: 'found', payout: found } : { kind: 'absent' };
  } catch (error) {
    return { kind: 'unknown', error };
  }
}

/** Settlement of a Conekta transfer needs the payee id; a lookup without it is still tried. */
async function optionalRecipient(ctx: PayContext, instruction: PayoutInstruction): Promise<string | undefined> {
  if (instruction.recipientId) return instruction.recipientId;
  try {
    return await withRetries(() => ctx.recipientFor(instruction), { maxAttempts: ctx.maxAttempts, signal: ctx.signal });
  } catch {
    return undefined;
  }
}

function recipientFailure(
  error: unknown,
  ctx: PayContext,
  done: (state: RowResultState, cause: TransitionCause, extra?: Partial<OutcomeInput>) => RowResult,
  ledgerState: 'queued' | 'sending' | 'unknown',
): RowResult {
  const unsent: RowResultState = ledgerState === 'queued' ? 'queued' : 'unknown';
  if (error instanceof StopSending || (error instanceof Error && error.name === 'AbortError')) return done(unsent, 'interrupted');
  if (isProviderError(error)) {
    if (error.kind === 'authentication') {
      ctx.haltProvider(error);
      return done(unsent, 'not_left', { ...errorFields(error), note: 'not sent: the provider rejected the credentials' });
    }
    // Registering a recipient moves no money: a failure here leaves the payout provably unsent.
    if (error.retryable || error.outcomeUnknown) {
      return done(unsent, 'not_left', { ...errorFields(error), note: 'not sent: the recipient could not be registered; re-run to try again' });
    }
    // The provider refused the destination itself (Zenrise: USD, nonexistent or inactive account): final, and no
    // money-moving request was ever made for it.
    if (ledgerState === 'queued') return done('failed', 'provider_rejected', errorFields(error));
    return done('unknown', 'outcome_unknown', errorFields(error));
  }
  return done(unsent, 'not_left', { errorCode: 'UNEXPECTED', errorMessage: String((error as Error)?.message ?? error) });
}

function payoutFields(payout: ProviderPayout): Partial<OutcomeInput> {
  return {
    providerPayoutId: payout.payoutId,
    providerStatus: payout.providerStatus,
    ...(payout.providerReference ? { providerReference: payout.providerReference } : {}),
  };
}


class StopSending extends Error {}
