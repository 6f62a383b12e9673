import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultLedgerPath } from './ledger-path.ts';

describe('defaultLedgerPath', () => {
  const home = process.env.HOME;
  afterEach(() => {
    process.env.HOME = home;
  });

  it('is $PAYOUT_BATCH_LEDGER for every target when set', () => {
    for (const target of ['simulator', 'sandbox', 'live'] as const) {
      expect(defaultLedgerPath(target, { PAYOUT_BATCH_LEDGER: '/data/l.sqlite' })).toBe('/data/l.sqlite');
    }
  });

  it('keeps the simulator apart from sandbox and live under ~/.payout-batch', () => {
    process.env.HOME = '/home/someone';
    expect(defaultLedgerPath('simulator', {})).toBe(join('/home/someone', '.payout-batch', 'ledger.simulator.sqlite'));
    expect(defaultLedgerPath('sandbox', {})).toBe(join('/home/someone', '.payout-batch', 'ledger.sqlite'));
    expect(defaultLedgerPath('live', { PAYOUT_BATCH_LEDGER: '  ' })).toBe(join('/home/someone', '.payout-batch', 'ledger.sqlite'));
  });
});
