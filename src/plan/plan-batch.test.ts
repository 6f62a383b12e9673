import { describe, expect, it } from 'vitest';
import { defaultProviderConfig } from '../config/default-config.ts';
import { PROVIDER_IDS, type ProviderId } from '../domain/provider-id.ts';
import { fundsShortfalls, planTotals, PlanTotals } from './plan-batch.ts';

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

describe('plan totals, one payout at a time', () => {
  it('gives the same totals as planTotals and a copy each time it is listed', () => {
    const payouts = [
      { provider: 'zenrise' as const, currency: 'ARS' as const, amountMinor: 1_000 },
      { provider: 'openpay' as const, currency: 'MXN' as const, amountMinor: 100_000 },
      { provider: 'openpay' as const, currency: 'MXN' as const, amountMinor: 50_050 },
    ];
    const totals = new PlanTotals(fees);
    for (const p of payouts) totals.add(p);
    const listed = totals.list();
    expect(listed).toEqual(planTotals(payouts, fees));
    listed[0]!.count = 99;
    expect(totals.list()[0]!.count).toBe(2);
  });
});
