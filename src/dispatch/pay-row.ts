import type { OutcomeInput, SendingMark } from '../ledger/ledger-store.ts';
import type { PayoutInstruction, PayoutProvider, ProviderPayout, ProviderSession } from '../providers/payout-provider.ts';
import type { ProviderError } from '../providers/provider-error.ts';
import { decide, startState, type PayAnswer, type PayCall, type PayEvent, type PayStep } from './decide-pay-row.ts';
import type { DispatchRow, RowResult } from './dispatch-types.ts';
import { withRetries } from './retry-policy.ts';

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
  /**
   * The provider-side guard (providers without idempotency): the payout the provider already holds under this
   * instruction's request key, or null. Shared by the lane: one listing answers every row.
   */
  guard?: (instruction: PayoutInstruction) => Promise<ProviderPayout | null>;
  /** The remembered recipient id (Conekta payee, FEMSA customer, Zenrise bank account), created once. */
  recipientFor(instruction: PayoutInstruction): Promise<string | undefined>;
  /** Stop sending to this provider (insufficient funds, rejected credentials): its remaining rows are not sent. */
  haltProvider(reason: ProviderError): void;
  isHalted(): boolean;
}

/**
 * Pays one row exactly once: performs the calls decide-pay-row.ts asks for, one at a time, and feeds each answer
 * back. The rules are all there; this loop only performs.
 */
export async function payRow(row: DispatchRow, ctx: PayContext): Promise<RowResult> {
  let step = decide(startState(row, ctx.maxAttempts, ctx.guard !== undefined), observed(ctx, { kind: 'start' }));
  for (;;) {
    if ('raise' in step) throw step.raise;
    if ('result' in step) {
      if (step.halt) ctx.haltProvider(step.halt);
      return step.result;
    }
    step = step.call.kind === 'markSending' && step.call.retryBudget !== undefined
      ? await sendUnderRetryPolicy(step, step.call.retryBudget, ctx)
      : decide(step.state, observed(ctx, await perform(step.call, ctx)));
  }
}

/**
 * A send runs inside the one retry policy: each try marks the row sending and sends; a failure that performed
 * nothing is recorded, then thrown to the policy, which waits and tries again or gives up with it.
 */
async function sendUnderRetryPolicy(first: PayStep, retryBudget: number, ctx: PayContext): Promise<PayStep> {
  let step = first;
  let tries = 0;
  let settled = false;
  try {
    return await withRetries(
      async () => {
        if (tries++ > 0) step = decide(step.state, observed(ctx, { kind: 'retry' }));
        while ('call' in step && inSend(step.call)) {
          if (step.call.kind === 'retry') throw step.call.error;
          step = decide(step.state, observed(ctx, await perform(step.call, ctx)));
        }
        settled = true;
        return step;
      },
      { maxAttempts: retryBudget, signal: ctx.signal },
    );
  } catch (error) {
    // The retry policy re-checks the signal after a try returned: the provider's answer is kept, not turned into an
    // interruption (a payout accepted as the run stops is pending, with its id, not unknown).
    if (settled) return step;
    return decide(step.state, observed(ctx, { kind: 'failed', error }));
  }
}

function inSend(call: PayCall): boolean {
  return call.kind === 'markSending' || call.kind === 'createPayout' || call.kind === 'record' || call.kind === 'retry';
}

async function perform(call: PayCall, ctx: PayContext): Promise<PayAnswer> {
  try {
    switch (call.kind) {
      case 'recipient':
        return { kind: 'recipient', recipientId: await retried(() => ctx.recipientFor(call.instruction), ctx) };
      case 'guard': {
        if (!ctx.guard) throw new Error('no provider guard in this lane');
        const found = await ctx.guard(call.instruction);
        return found ? { kind: 'found', payout: found } : { kind: 'absent' };
      }
      case 'lookup': {
        // A lookup is safe to repeat (the same reference cannot pay twice): one lost in transit is asked again now.
        const found = await retried(() => ctx.provider.findPayout(ctx.session, call.instruction, call.since), ctx, true);
        return found ? { kind: 'found', payout: found } : { kind: 'absent' };
      }
      case 'markSending':
        return { kind: 'marked', mark: await ctx.markSending(call.item) };
      case 'createPayout':
        return { kind: 'accepted', payout: await ctx.provider.createPayout(ctx.session, call.instruction) };
      case 'record':
        await ctx.recordNow(call.outcome);
        return { kind: 'recorded' };
      case 'retry':
        throw new Error('a retry is handed to the retry policy, not performed');
    }
  } catch (error) {
    return { kind: 'failed', error };
  }
}

/** A read under the retry policy; an answer that came back is kept even if the run was interrupted as it did. */
async function retried<T>(call: () => Promise<T>, ctx: PayContext, repeatable = false): Promise<T> {
  let answer: { value: T } | undefined;
  try {
    return await withRetries(
      async () => {
        const value = await call();
        answer = { value };
        return value;
      },
      { maxAttempts: ctx.maxAttempts, signal: ctx.signal, repeatable },
    );
  } catch (error) {
    if (answer) return answer.value;
    throw error;
  }
}

function observed(ctx: PayContext, answer: PayAnswer): PayEvent {
  return { ...answer, aborted: ctx.signal.aborted, halted: ctx.isHalted() };
}
