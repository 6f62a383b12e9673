import { describe, expect, it } from 'vitest';
import { createLocalRateBudget } from '../dispatch/rate-budget.ts';
import type { DispatchLedger } from '../dispatch/dispatch-types.ts';
import { watchLedgerWrites } from './watch-ledger-writes.ts';

describe('watchLedgerWrites', () => {
  it("hands on the ledger's shared rate budget, and none where the ledger keeps none", () => {
    const budget = createLocalRateBudget();
    const ledger = (rateBudget: DispatchLedger['rateBudget']) => ({ rateBudget }) as unknown as DispatchLedger;
    expect(watchLedgerWrites(ledger((provider) => (provider === 'openpay' ? budget : undefined))).ledger.rateBudget('openpay')).toBe(budget);
    expect(watchLedgerWrites(ledger(() => undefined)).ledger.rateBudget('openpay')).toBeUndefined();
  });
});
