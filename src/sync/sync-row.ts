import { withRetries } from '../dispatch/retry-policy.ts';
import type { RowStatus } from '../domain/row-status.ts';
import { IllegalTransitionError } from '../ledger/ledger-error.ts';
import { PAID_ROW_FLAGS, PAID_TWICE_CODE, RETURNED_CODE, type Environment, type LedgerRow, type LedgerStore, type OutcomeInput, type PaidRowFlagCode } from '../ledger/ledger-store.ts';
import { providerAccount } from '../providers/provider-account.ts';
import type { PayoutProvider, ProviderPayout, ProviderSession } from '../providers/payout-provider.ts';
import { instructionFromRow } from '../dispatch/instruction-from-row.ts';
import { errorFields, providerStateEvent } from '../dispatch/outcome-fields.ts';
import { isProviderError } from '../providers/provider-error.ts';
import { judgePaidRow, type RecheckFinding } from './return-window.ts';
import { storedMessage } from '../messages/stored-message.ts';

export type SyncLedger = Pick<LedgerStore, 'applyProviderState' | 'recordOutcomes' | 'getRecipient' | 'flagPaidRow' | 'clearPaidRowFlag' | 'reverseReturn' | 'returnStandsAgain'>;

export interface SyncRowContext {
  provider: PayoutProvider;
  /** Its beforeRequest/onRateLimited are the provider's rate limiter. */
  session: ProviderSession;
  ledger: SyncLedger;
  /** The sync's target: recipient ids are read for this environment and the session's provider account. */
  environment: Environment;
  maxAttempts: number;
  signal?: AbortSignal;
}

/**
 * How the provider was asked and what it said:
 *  - found: it has the payout (by id, or by lookup) and its state was applied;
 *  - absent: a lookup proved it has no payout for the row's key;
 *  - unknown: it could not tell (errors after retries, ambiguous lookup);
 *  - skipped: the row cannot be asked about (no payout id and no payout fields, or pending without an id).
 */
export type SyncVerdict = 'found' | 'absent' | 'unknown' | 'skipped';

export interface SyncRowResult {
  rowId: number;
  batchId: string;
  rowNumber: number;
  provider: LedgerRow['provider'];
  verdict: SyncVerdict;
  /** getPayout by the payout id, or findPayout by the request (rows without an id). */
  via: 'status' | 'lookup';
  before: RowStatus;
  after: RowStatus;
  changed: boolean;
  providerStatus?: string;
  errorCode?: string;
  errorMessage?: string;
  /** A paid or returned row asked about again (recheckPaidRow, recheckReturnedRow), and what it was found to need. */
  recheck?: boolean;
  finding?: RecheckFinding;
  /** paid_twice: the row that owns the order id the return released (it paid the order id again). */
  owner?: { batchId: string; rowNumber: number };
  /** The flag the row carried, cleared because the provider shows the payout as the ledger paid it again. */
  cleared?: PaidRowFlagCode;
}

const NOT_FOUND_NOTE = storedMessage({ code: 'NOTE_NEVER_PERFORMED' });

/**
 * Asks the provider about one row and records the answer.
 *
 * A row with a payout id is read with getPayout (Openpay GET payout, Conekta GET transfer, FEMSA GET payout_order,
 * Zenrise check-is-processed) and its state applied with cause `sync`, ordered by the provider's own time of its
 * last change where it gives one (ProviderPayout.updatedAt; Conekta gives none, and the ledger then orders the view
 * by state alone: it never leaves a final state except as a reversal).
 *
 * A row without one (`unknown`, or `sending` left by a dead run) is settled exactly as the dispatcher settles it
 * (the lookup step of dispatch/decide-pay-row.ts): findPayout with the row's own request key and order id. For Openpay and Zenrise that lookup
 * resends the request under the same order_id / externalReference, so the provider answers with the one payout of
 * that key (creating it if the first request never arrived): it can never make a second payout for the row. The
 * caller must hold the batch lock (no run may be sending the same row meanwhile).
 *   found → its state, cause `lookup`; absent → `not_sent` (cause `lookup_found_nothing`) so a re-run sends it;
 *   cannot tell → stays `unknown` (a dead run's `sending` row becomes `unknown`, which is what it is).
 */
export async function syncRow(row: LedgerRow, ctx: SyncRowContext): Promise<SyncRowResult> {
  const base = { rowId: row.id, batchId: row.batchId, rowNumber: row.rowNumber, provider: row.provider, before: row.status };
  if (row.providerPayoutId) {
    const payoutId = row.providerPayoutId;
    let payout: ProviderPayout;
    try {
      payout = await withRetries(() => ctx.provider.getPayout(ctx.session, payoutId), { maxAttempts: ctx.maxAttempts, signal: ctx.signal });
    } catch (error) {
      return { ...base, via: 'status', verdict: 'unknown', after: row.status, changed: false, ...shown(errorFields(error)) };
    }
    const state = payout.state;
    const recorded = await record(row, () => ctx.ledger.applyProviderState(row.id, state, providerStateEvent(payout, 'sync')));
    return { ...base, via: 'status', verdict: 'found', ...recorded, providerStatus: payout.providerStatus };
  }

  if (row.status !== 'unknown' && row.status !== 'sending') {
    return { ...base, via: 'lookup', verdict: 'skipped', after: row.status, changed: false, errorCode: 'NO_PAYOUT_ID', errorMessage: `a ${row.status} row without a provider payout id` };
  }
  const instruction = instructionFromRow(row, await recipientOf(row, ctx));
  if (!instruction) {
    return { ...base, via: 'lookup', verdict: 'skipped', after: row.status, changed: false, errorCode: 'NO_PAYOUT_FIELDS', errorMessage: 'the row has no order id, amount or account to look up' };
  }

  let found: ProviderPayout | null;
  try {
    found = await withRetries(() => ctx.provider.findPayout(ctx.session, instruction, row.sentAt ?? new Date(0)), { maxAttempts: ctx.maxAttempts, signal: ctx.signal });
  } catch (error) {
    const fields = errorFields(error);
    if (row.status === 'sending') {
      // The run that sent it is gone: the truthful state of a request that may have left is unknown.
      const recorded = await record(row, async () =>
        (await ctx.ledger.recordOutcomes([{ rowId: row.id, to: 'unknown', cause: 'outcome_unknown', attempt: row.attempts, ...fields, note: storedMessage({ code: 'NOTE_RUN_STOPPED_UNCONFIRMED' }) }]))[0]!,
      );
      return { ...base, via: 'lookup', verdict: 'unknown', ...recorded, ...shown(fields) };
    }
    return { ...base, via: 'lookup', verdict: 'unknown', after: row.status, changed: false, ...shown(fields) };
  }

  if (found) {
    const payout = found;
    const outcome: OutcomeInput = { rowId: row.id, to: payout.state, attempt: row.attempts, ...providerStateEvent(payout, 'lookup') };
    const recorded = await record(row, async () => (await ctx.ledger.recordOutcomes([outcome]))[0]!);
    return { ...base, via: 'lookup', verdict: 'found', ...recorded, providerStatus: payout.providerStatus };
  }

  // Provably never performed. A `sending` row passes through `unknown` first (transitions.ts: only unknown → not_sent
  // is allowed, and only on this proof); both moves are one transaction.
  const items: OutcomeInput[] = [];
  if (row.status === 'sending') items.push({ rowId: row.id, to: 'unknown', cause: 'outcome_unknown', attempt: row.attempts, note: storedMessage({ code: 'NOTE_RUN_STOPPED' }) });
  items.push({ rowId: row.id, to: 'not_sent', cause: 'lookup_found_nothing', attempt: row.attempts, note: NOT_FOUND_NOTE });
  const recorded = await record(row, async () => (await ctx.ledger.recordOutcomes(items)).at(-1)!);
  return { ...base, via: 'lookup', verdict: 'absent', ...recorded };
}

/**
 * Asks the provider again about a `paid` row inside the return window (SPEI returns arrive days after payment), or
 * flagged by an earlier re-check whatever its age (until the provider bears the flag out no more), and
 * records what it shows now (return-window.ts judgePaidRow):
 *  - failed / cancelled at the provider → the ledger's reversal, paid → failed, error RETURNED with the provider's
 *    status word and failure message;
 *  - not found under the row's payout id → the row stays `paid` (the money left) flagged PROVIDER_DELETED;
 *  - another amount → stays `paid`, flagged AMOUNT_CHANGED;
 *  - otherwise the answer is applied as any sync answer (a newer status word is kept), and a flag the row carries
 *    from an earlier sync (PROVIDER_DELETED, AMOUNT_CHANGED) is cleared: the provider has the payout again, for the
 *    ledger's amount. The flag's history entry stays; the clearing gets its own.
 * `finding` is set only when the ledger now shows it (a reversal the ledger ignored as older is not one). Each
 * re-check leaves the row's flag saying what the provider shows now, not what it once showed.
 */
export async function recheckPaidRow(row: LedgerRow, ctx: SyncRowContext): Promise<SyncRowResult> {
  const base = { rowId: row.id, batchId: row.batchId, rowNumber: row.rowNumber, provider: row.provider, before: row.status, recheck: true, via: 'status' as const };
  const payoutId = row.providerPayoutId;
  if (!payoutId) {
    return { ...base, verdict: 'skipped', after: row.status, changed: false, errorCode: 'NO_PAYOUT_ID', errorMessage: 'a paid row without a provider payout id' };
  }
  let payout: ProviderPayout | null;
  let notFound: { providerCode?: string; providerMessage?: string; message: string } | undefined;
  try {
    payout = await withRetries(() => ctx.provider.getPayout(ctx.session, payoutId), { maxAttempts: ctx.maxAttempts, signal: ctx.signal });
  } catch (error) {
    if (!(isProviderError(error) && error.kind === 'not_found')) {
      return { ...base, verdict: 'unknown', after: row.status, changed: false, ...shown(errorFields(error)) };
    }
    payout = null;
    notFound = {
      message: error.providerMessage ?? error.message,
      ...(error.providerCode ? { providerCode: error.providerCode } : {}),
      ...(error.providerMessage ? { providerMessage: error.providerMessage } : {}),
    };
  }

  const finding = judgePaidRow(row, payout, notFound?.message);
  if (finding.kind === 'deleted' || finding.kind === 'amount_changed') {
    const flag = {
      errorCode: finding.errorCode,
      errorMessage: finding.errorMessage,
      cause: 'sync' as const,
      ...(payout ? { providerStatus: payout.providerStatus } : {}),
      ...(notFound?.providerCode ? { providerCode: notFound.providerCode } : {}),
      ...(notFound?.providerMessage ? { providerMessage: notFound.providerMessage } : {}),
      note: finding.kind === 'deleted' ? 'the provider answered not found for the payout of a paid row' : `amount at the provider ${finding.providerAmountMinor}`,
    };
    const recorded = await record(row, () => ctx.ledger.flagPaidRow(row.id, flag));
    const shows = recorded.after === 'paid';
    return {
      ...base,
      verdict: payout ? 'found' : 'absent',
      ...recorded,
      ...(payout ? { providerStatus: payout.providerStatus } : {}),
      ...(shows ? { finding: finding.kind, errorCode: finding.errorCode, errorMessage: finding.errorMessage } : {}),
    };
  }

  const answer = payout as ProviderPayout;
  const event = providerStateEvent(answer, 'sync');
  if (finding.kind === 'returned') {
    Object.assign(event, {
      errorCode: finding.errorCode,
      errorMessage: finding.errorMessage,
      ...(answer.failureCode ? { providerCode: answer.failureCode } : {}),
      ...(answer.failureMessage ? { providerMessage: answer.failureMessage } : {}),
    });
  }
  const recorded = await record(row, () => ctx.ledger.applyProviderState(row.id, answer.state, event));
  const returned = finding.kind === 'returned' && recorded.after === 'failed';
  const flag = finding.kind === 'unchanged' ? paidRowFlagOf(row) : undefined;
  let cleared: PaidRowFlagCode | undefined;
  if (flag && recorded.after === 'paid') {
    const clearing = await record(row, () =>
      ctx.ledger.clearPaidRowFlag(row.id, {
        errorCode: flag,
        cause: 'sync',
        providerStatus: answer.providerStatus,
        note: `${flag} cleared: the provider shows payout ${payoutId} again for the ledger's amount (${answer.amountMinor} ${answer.currency}), provider status ${answer.providerStatus}`,
      }),
    );
    if (clearing.changed) cleared = flag;
  }
  return {
    ...base,
    verdict: 'found',
    ...recorded,
    ...(cleared ? { changed: true, cleared } : {}),
    providerStatus: answer.providerStatus,
    ...(returned ? { finding: 'returned' as const, errorCode: finding.errorCode, errorMessage: finding.errorMessage } : {}),
  };
}

/**
 * Asks the provider again about a returned row (`failed` by a reversal, or flagged PAID_TWICE) and records a
 * reversal of the return when the provider shows the payout paid again (LedgerStore.reverseReturn):
 *  - no other row owns the order id → `paid` again (cause return_reversed), finding `return_reversed`; a payout now
 *    of another amount than the row's is flagged AMOUNT_CHANGED at once (finding `amount_changed`);
 *  - a later batch paid the same order id after the return released it → the row stays `failed`, flagged
 *    PAID_TWICE naming that row, finding `paid_twice` (at every sync while it stands): the beneficiary got two payouts.
 * Still failed (or pending, or gone) at the provider: nothing changes; the return stands. A PAID_TWICE row the provider
 * shows failed again goes back to RETURNED (finding `returned`): its payout is no longer paid twice.
 */
export async function recheckReturnedRow(row: LedgerRow, ctx: SyncRowContext): Promise<SyncRowResult> {
  const base = { rowId: row.id, batchId: row.batchId, rowNumber: row.rowNumber, provider: row.provider, before: row.status, recheck: true, via: 'status' as const };
  const payoutId = row.providerPayoutId;
  if (!payoutId) {
    return { ...base, verdict: 'skipped', after: row.status, changed: false, errorCode: 'NO_PAYOUT_ID', errorMessage: 'a returned row without a provider payout id' };
  }
  let payout: ProviderPayout;
  try {
    payout = await withRetries(() => ctx.provider.getPayout(ctx.session, payoutId), { maxAttempts: ctx.maxAttempts, signal: ctx.signal });
  } catch (error) {
    if (isProviderError(error) && error.kind === 'not_found') return { ...base, verdict: 'absent', after: row.status, changed: false };
    return { ...base, verdict: 'unknown', after: row.status, changed: false, ...shown(errorFields(error)) };
  }
  if (payout.state === 'failed' && row.errorCode === PAID_TWICE_CODE) {
    // Failed again at the provider: the reversal no longer stands, nor does the second payment of the order id.
    const finding = judgePaidRow(row, payout);
    const errorMessage = finding.kind === 'returned' ? finding.errorMessage : `returned after payment: provider status ${payout.providerStatus}`;
    const recorded = await record(row, () => ctx.ledger.returnStandsAgain(row.id, { providerStatus: payout.providerStatus, errorMessage, cause: 'sync' }));
    return { ...base, verdict: 'found', ...recorded, providerStatus: payout.providerStatus, ...(recorded.changed ? { finding: 'returned' as const, errorCode: RETURNED_CODE, errorMessage } : {}) };
  }
  if (payout.state !== 'paid') return { ...base, verdict: 'found', after: row.status, changed: false, providerStatus: payout.providerStatus };

  let reversal: Awaited<ReturnType<SyncLedger['reverseReturn']>>;
  try {
    reversal = await ctx.ledger.reverseReturn(row.id, { providerStatus: payout.providerStatus, ...(payout.updatedAt ? { providerUpdatedAt: payout.updatedAt } : {}), seenBy: 'sync' });
  } catch (error) {
    if (error instanceof IllegalTransitionError) return { ...base, verdict: 'found', after: error.from ?? row.status, changed: false, providerStatus: payout.providerStatus };
    throw error;
  }
  const result = { ...base, verdict: 'found' as const, after: reversal.status, changed: reversal.changed, providerStatus: payout.providerStatus };
  if (reversal.owner && reversal.status === 'failed') {
    return {
      ...result,
      finding: 'paid_twice',
      owner: { batchId: reversal.owner.batchId, rowNumber: reversal.owner.rowNumber },
      errorCode: PAID_TWICE_CODE,
      errorMessage: `the provider shows payout ${payoutId} paid again after its return, and batch ${reversal.owner.batchId} row ${reversal.owner.rowNumber} paid the same order id again`,
    };
  }
  if (!(reversal.changed && reversal.status === 'paid')) return result;
  if (row.amountMinor !== undefined && payout.amountMinor !== row.amountMinor) {
    const finding = judgePaidRow(row, payout);
    if (finding.kind === 'amount_changed') {
      const flagged = await record({ ...row, status: 'paid' }, () =>
        ctx.ledger.flagPaidRow(row.id, { errorCode: finding.errorCode, errorMessage: finding.errorMessage, cause: 'sync', providerStatus: payout.providerStatus, note: `amount at the provider ${finding.providerAmountMinor}` }),
      );
      if (flagged.after === 'paid') return { ...result, finding: 'amount_changed', errorCode: finding.errorCode, errorMessage: finding.errorMessage };
    }
  }
  return { ...result, finding: 'return_reversed' };
}

/**
 * Writes to the ledger. The row may have moved since it was read (a webhook, a run): the ledger then refuses the move
 * (IllegalTransitionError) or ignores it, and the row keeps what the other writer recorded.
 */
async function record(row: LedgerRow, write: () => Promise<{ changed: boolean; status: RowStatus }>): Promise<{ after: RowStatus; changed: boolean }> {
  try {
    const result = await write();
    return { after: result.status, changed: result.changed };
  } catch (error) {
    if (error instanceof IllegalTransitionError) return { after: error.from ?? row.status, changed: false };
    throw error;
  }
}

/** The flag a paid row carries from an earlier re-check, if any. */
function paidRowFlagOf(row: LedgerRow): PaidRowFlagCode | undefined {
  return (PAID_ROW_FLAGS as readonly string[]).includes(row.errorCode ?? '') ? (row.errorCode as PaidRowFlagCode) : undefined;
}

async function recipientOf(row: LedgerRow, ctx: SyncRowContext): Promise<string | undefined> {
  if (row.recipientId || !ctx.provider.recipient) return undefined;
  const draft = instructionFromRow(row);
  if (!draft) return undefined;
  try {
    const account = providerAccount(ctx.provider.id, ctx.session.credentials);
    if (account === undefined) return undefined;
    return await ctx.ledger.getRecipient({ environment: ctx.environment, account }, ctx.provider.id, ctx.provider.recipient.key(draft));
  } catch {
    // A row whose account does not fit the provider (no key): the lookup goes without a recipient.
    return undefined;
  }
}

function shown(fields: { errorCode: string; errorMessage: string }): { errorCode: string; errorMessage: string } {
  return { errorCode: fields.errorCode, errorMessage: fields.errorMessage };
}

