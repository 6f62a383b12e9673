import { describe, expect, it } from 'vitest';
import type { ProviderPayout } from '../providers/payout-provider.ts';
import { compareRowWithPayout, ledgerIsBehind, payoutNotInLedger, rowUnknownToProvider, sameDestination } from './exceptions.ts';
import { ledgerRow } from './test-support/rows.ts';

const payout = (overrides: Partial<ProviderPayout> = {}): ProviderPayout => ({
  payoutId: 'tr1',
  state: 'paid',
  providerStatus: 'completed',
  amountMinor: 100_000,
  currency: 'MXN',
  reference: 'OP-1',
  destination: '012XXXXXXXXXX27897',
  ...overrides,
});

const types = (row = ledgerRow(1), p = payout()) => compareRowWithPayout(row, p).map((e) => e.type);

describe('compareRowWithPayout', () => {
  it('finds nothing when amount, destination and final state agree', () => {
    expect(types()).toEqual([]);
  });

  it('flags a different amount and a different destination, with both sides shown', () => {
    const [amount] = compareRowWithPayout(ledgerRow(1), payout({ amountMinor: 100_100 }));
    expect(amount).toMatchObject({ type: 'AMOUNT_MISMATCH', ledgerAmountMinor: 100_000, providerAmountMinor: 100_100, orderId: 'OP-1', rowNumber: 2 });
    expect(types(ledgerRow(1), payout({ destination: '014XXXXXXXXXX27897' }))).toEqual(['DESTINATION_MISMATCH']);
    expect(types(ledgerRow(1), payout({ destination: '012XXXXXXXXXX27890' }))).toEqual(['DESTINATION_MISMATCH']);
  });

  it('tells a ledger that is only behind (sync fixes it) from one that disagrees', () => {
    expect(types(ledgerRow(1, { status: 'pending' }), payout({ state: 'failed' }))).toEqual([]);
    expect(ledgerIsBehind(ledgerRow(1, { status: 'pending' }), payout({ state: 'failed' }))).toBe(true);
    expect(ledgerIsBehind(ledgerRow(1, { status: 'pending' }), payout({ state: 'pending' }))).toBe(false);
    expect(ledgerIsBehind(ledgerRow(1, { status: 'paid' }), payout({ state: 'failed' }))).toBe(false);
    expect(types(ledgerRow(1, { status: 'pending' }), payout({ state: 'pending' }))).toEqual([]);
    expect(types(ledgerRow(1, { status: 'paid' }), payout({ state: 'failed' }))).toEqual(['STATE_MISMATCH']);
    expect(types(ledgerRow(1, { status: 'failed' }), payout({ state: 'paid' }))).toEqual(['STATE_MISMATCH']);
    expect(types(ledgerRow(1, { status: 'paid' }), payout({ state: 'pending' }))).toEqual(['STATE_MISMATCH']);
    expect(types(ledgerRow(1, { status: 'unknown' }), payout({ state: 'paid' }))).toEqual(['UNSETTLED_IN_LEDGER']);
  });

  it('reports an expired cash-out even when the ledger already holds it as failed', () => {
    const femsa = ledgerRow(1, { provider: 'digitalfemsa', status: 'failed', accountMasked: 'c***@example.com' });
    expect(types(femsa, payout({ state: 'failed', expired: true, destination: 'c***@example.com' }))).toEqual(['CASHOUT_EXPIRED']);
  });

  it('gives every exception a short action sentence', () => {
    const all = [
      ...compareRowWithPayout(ledgerRow(1, { status: 'failed' }), payout({ amountMinor: 1, destination: '999XXXXXXXXXX00000', expired: true })),
      rowUnknownToProvider(ledgerRow(2)),
      payoutNotInLedger('openpay', payout({ payoutId: 'x' })),
      payoutNotInLedger('openpay', payout({ payoutId: 'x' }), ledgerRow(3)),
    ];
    expect(all.map((e) => e.type)).toEqual(['AMOUNT_MISMATCH', 'DESTINATION_MISMATCH', 'STATE_MISMATCH', 'CASHOUT_EXPIRED', 'UNKNOWN_TO_PROVIDER', 'NOT_IN_LEDGER', 'NOT_IN_LEDGER']);
    for (const e of all) expect(e.action).toMatch(/^[A-Z][^.]{10,150}\.$/);
    expect(all.at(-1)!.detail).toMatch(/paid twice/);
  });
});

describe('sameDestination', () => {
  it.each([
    ['012***********7897', '012XXXXXXXXXX27897', true],
    ['012***********7897', '**************7897', true],
    ['012***********7897', '014***********7897', false],
    ['012***********7897', '012***********7890', false],
    ['casa.perro.sol', 'Casa.Perro.Sol', true],
    ['casa.perro.sol', 'casa.gato.sol', false],
    ['j***@example.com', 'J***@Example.com', true],
    ['j***@example.com', '012***********7897', false],
  ])('%s vs %s → %s', (a, b, same) => {
    expect(sameDestination(a, b)).toBe(same);
  });
});
