import type { FeeSchedule } from '../config/config-types.ts';
import { addMinor, sumMinor, type Minor } from '../domain/money.ts';
import type { Currency, ProviderId } from '../domain/provider-id.ts';
import { payoutFee } from './fees.ts';

/** A row the plan would pay (queued, or left in flight by an earlier run and to be settled first). */
export interface PlannedPayout {
  provider: ProviderId;
  currency: Currency;
  amountMinor: Minor;
}

export interface PlanTotal {
  provider: ProviderId;
  currency: Currency;
  count: number;
  amountMinor: Minor;
  feeMinor: Minor;
  ivaMinor: Minor;
  /** amount + fee + IVA: what the provider account must hold. */
  debitMinor: Minor;
}

export interface FundsShortfall {
  provider: ProviderId;
  currency: Currency;
  balanceMinor: Minor;
  requiredMinor: Minor;
}

/** Totals per provider and currency of what would be sent, fees and IVA included, one payout at a time. */
export class PlanTotals {
  private readonly byKey = new Map<string, PlanTotal>();

  constructor(private readonly fees: Record<ProviderId, FeeSchedule>) {}

  add(p: PlannedPayout): void {
    const key = `${p.provider}|${p.currency}`;
    const t = this.byKey.get(key) ?? { provider: p.provider, currency: p.currency, count: 0, amountMinor: 0, feeMinor: 0, ivaMinor: 0, debitMinor: 0 };
    const { feeMinor, ivaMinor } = payoutFee(p.amountMinor, this.fees[p.provider]);
    t.count += 1;
    t.amountMinor = addMinor(t.amountMinor, p.amountMinor);
    t.feeMinor = addMinor(t.feeMinor, feeMinor);
    t.ivaMinor = addMinor(t.ivaMinor, ivaMinor);
    t.debitMinor = sumMinor([t.debitMinor, p.amountMinor, feeMinor, ivaMinor]);
    this.byKey.set(key, t);
  }

  list(): PlanTotal[] {
    return [...this.byKey.values()].map((t) => ({ ...t })).sort((a, b) => a.provider.localeCompare(b.provider) || a.currency.localeCompare(b.currency));
  }
}

/** Totals per provider and currency of what would be sent, fees and IVA included. Pure. */
export function planTotals(payouts: Iterable<PlannedPayout>, fees: Record<ProviderId, FeeSchedule>): PlanTotal[] {
  const totals = new PlanTotals(fees);
  for (const p of payouts) totals.add(p);
  return totals.list();
}

/**
 * Where a provider reports its balance, the batch must fit in it, fees included; otherwise nothing is sent (a
 * batch that runs dry halfway leaves the operator with half a payroll paid). Providers without a balance are not
 * checked here: their insufficient-funds answer stops the dispatch instead.
 */
export function fundsShortfalls(totals: readonly PlanTotal[], balances: ReadonlyMap<string, Minor>): FundsShortfall[] {
  const shortfalls: FundsShortfall[] = [];
  for (const t of totals) {
    const balance = balances.get(`${t.provider}|${t.currency}`);
    if (balance !== undefined && balance < t.debitMinor) {
      shortfalls.push({ provider: t.provider, currency: t.currency, balanceMinor: balance, requiredMinor: t.debitMinor });
    }
  }
  return shortfalls;
}
