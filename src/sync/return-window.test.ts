import { describe, expect, it } from 'vitest';
import type { ProviderPayout } from '../providers/payout-provider.ts';
import { judgePaidRow, returnWindowStart } from './return-window.ts';

const row = { amountMinor: 12_345, currency: 'MXN' as const, providerPayoutId: 'tr_1' };
const payout = (over: Partial<ProviderPayout> = {}): ProviderPayout => ({
  payoutId: 'tr_1',
  state: 'paid',
  providerStatus: 'completed',
  amountMinor: 12_345,
  currency: 'MXN',
  ...over,
});

describe('returnWindowStart', () => {
  it('goes back whole and fractional days from now', () => {
    const now = new Date('2025-03-31T00:00:00Z');
    expect(returnWindowStart(now, 30)).toEqual(new Date('2025-03-01T00:00:00Z'));
    expect(returnWindowStart(now, 0.5)).toEqual(new Date('2025-03-30T12:00:00Z'));
    expect(returnWindowStart(now, 0)).toEqual(now);
  });
  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('refuses %s days', (days) => {
    expect(() => returnWindowStart(new Date(), days)).toThrow(RangeError);
  });
});

describe('judgePaidRow', () => {
  it('finds nothing when the provider still shows it paid for the same amount', () => {
    expect(judgePaidRow(row, payout())).toEqual({ kind: 'unchanged' });
    // A status word that maps to pending is not a return: the ledger never leaves paid for it.
    expect(judgePaidRow(row, payout({ state: 'pending', providerStatus: 'in_progress' }))).toEqual({ kind: 'unchanged' });
  });
  it('calls a failed payout a return, with the provider status word and failure words', () => {
    const found = judgePaidRow(row, payout({ state: 'failed', providerStatus: 'cancelled', failureCode: 'R03', failureMessage: 'cuenta inexistente' }));
    expect(found).toMatchObject({ kind: 'returned', errorCode: 'RETURNED' });
    expect(found.kind === 'returned' && found.errorMessage).toContain('cancelled');
    expect(found.kind === 'returned' && found.errorMessage).toContain('cuenta inexistente');
  });
  it('calls not found a deletion, keeping the provider message', () => {
    const found = judgePaidRow(row, null, 'The requested resource doesn\'t exist');
    expect(found).toMatchObject({ kind: 'deleted', errorCode: 'PROVIDER_DELETED' });
    expect(found.kind === 'deleted' && found.errorMessage).toContain('doesn\'t exist');
  });
  it('calls another amount an amount change, with the provider amount as data', () => {
    expect(judgePaidRow(row, payout({ amountMinor: 12_000 }))).toMatchObject({ kind: 'amount_changed', errorCode: 'AMOUNT_CHANGED', providerAmountMinor: 12_000 });
  });
  it('ranks a return above an amount change', () => {
    expect(judgePaidRow(row, payout({ state: 'failed', amountMinor: 1 }))).toMatchObject({ kind: 'returned' });
  });
});
