import { describe, expect, it } from 'vitest';
import { defaultProviderConfig } from '../config/default-config.ts';
import { PROVIDER_IDS, type ProviderId } from '../domain/provider-id.ts';
import { fundsShortfalls, planTotals } from './plan-batch.ts';

const fees = Object.fromEntries(PROVIDER_IDS.map((id) => [id, { ...defaultProviderConfig(id, 'simulator').fees }])) as Record<ProviderId, ReturnType<typeof defaultProviderConfig>['fees']>;
fees.openpay = { fixedMinor: 800, percentBps: 0, ivaBps: 1600 };

describe('plan', () => {
  const totals = planTotals(
    [
      { provider: 'openpay', currency: 'MXN', amountMinor: 100_000 },
      { provider: 'openpay', currency: 'MXN', amountMinor: 50_050 },
      { provider: 'zenrise', currency: 'ARS', amountMinor: 1_000 },
    ],
    fees,
  );

  it('totals per provider and currency, with fee and IVA per payout', () => {
    expect(totals[0]).toEqual({ provider: 'openpay', currency: 'MXN', count: 2, amountMinor: 150_050, feeMinor: 1600, ivaMinor: 256, debitMinor: 151_906 });
    expect(totals[1]).toMatchObject({ provider: 'zenrise', currency: 'ARS', count: 1, amountMinor: 1_000 });
  });

  it('refuses a batch that does not fit the reported balance, fees included', () => {
    expect(fundsShortfalls(totals, new Map([['openpay|MXN', 151_905]]))).toEqual([
      { provider: 'openpay', currency: 'MXN', balanceMinor: 151_905, requiredMinor: 151_906 },
    ]);
    expect(fundsShortfalls(totals, new Map([['openpay|MXN', 151_906]]))).toEqual([]);
  });

  it('does not check providers that report no balance', () => {
    expect(fundsShortfalls(totals, new Map())).toEqual([]);
  });
});
