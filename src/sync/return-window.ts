import type { LedgerRow } from '../ledger/ledger-store.ts';
import type { ProviderPayout } from '../providers/payout-provider.ts';
import { formatMinor } from '../domain/money.ts';
import { storedMessage } from '../messages/stored-message.ts';

const DAY_MS = 86_400_000;

/** The earliest paid time still inside a window of `days` ending at `now`. */
export function returnWindowStart(now: Date, days: number): Date {
  if (!(Number.isFinite(days) && days >= 0)) throw new RangeError(`return window must be a number of days ≥ 0, got ${days}`);
  return new Date(now.getTime() - Math.round(days * DAY_MS));
}

/** What a re-check of a paid row found, each a reason the money needs attention except `unchanged`. */
export type PaidFinding =
  /** Still paid (or no worse) for the ledger's amount: the answer is applied as any sync answer. */
  | { kind: 'unchanged' }
  /** The provider now shows the payout failed or cancelled: recorded as the ledger's reversal, paid → failed. */
  | { kind: 'returned'; errorCode: 'RETURNED'; errorMessage: string }
  /** The provider has no payout under the id the ledger holds as paid. */
  | { kind: 'deleted'; errorCode: 'PROVIDER_DELETED'; errorMessage: string }
  /** The provider shows another amount than the ledger paid. */
  | { kind: 'amount_changed'; errorCode: 'AMOUNT_CHANGED'; errorMessage: string; providerAmountMinor: number };

export type PaidFindingKind = Exclude<PaidFinding['kind'], 'unchanged'>;

/**
 * What a re-check found that the sync reports: a paid row's finding, or of a returned row (recheckReturnedRow) —
 * `return_reversed`: the provider shows it paid again and the ledger holds it paid again (it owns its order id);
 * `paid_twice`: it shows it paid again, but another row paid the same order id after the return (PAID_TWICE).
 */
export type RecheckFinding = PaidFindingKind | 'return_reversed' | 'paid_twice';

/**
 * Pure: compares the provider's current view of a payout with the paid row. `payout` null means the provider
 * answered not found for the row's payout id. A failed state outranks an amount change (the reversal is the move of
 * money that matters); the provider's own words (status, failure message) go into the message, quoted as they came
 * (errorMessage is a stored message: messages/stored-message.ts).
 */
export function judgePaidRow(row: Pick<LedgerRow, 'amountMinor' | 'currency' | 'providerPayoutId'>, payout: ProviderPayout | null, notFoundMessage?: string): PaidFinding {
  if (payout === null) {
    return {
      kind: 'deleted',
      errorCode: 'PROVIDER_DELETED',
      errorMessage: storedMessage({ code: 'PROVIDER_DELETED', params: { payoutId: row.providerPayoutId ?? '', ...(notFoundMessage ? { providerMessage: notFoundMessage } : {}) } }),
    };
  }
  if (payout.state === 'failed') {
    const words = [payout.failureCode, payout.failureMessage].filter((w) => w !== undefined).join(' ');
    return { kind: 'returned', errorCode: 'RETURNED', errorMessage: storedMessage({ code: 'RETURNED', params: { providerStatus: payout.providerStatus, ...(words ? { failure: words } : {}) } }) };
  }
  if (row.amountMinor !== undefined && payout.amountMinor !== row.amountMinor) {
    return {
      kind: 'amount_changed',
      errorCode: 'AMOUNT_CHANGED',
      errorMessage: storedMessage({
        code: 'AMOUNT_CHANGED',
        params: { providerAmount: formatMinor(payout.amountMinor), providerCurrency: payout.currency, ledgerAmount: formatMinor(row.amountMinor), ledgerCurrency: row.currency ?? '', providerStatus: payout.providerStatus },
      }),
      providerAmountMinor: payout.amountMinor,
    };
  }
  return { kind: 'unchanged' };
}
