import type { FeeSchedule } from '../config/config-types.ts';
import type { Minor } from '../domain/money.ts';

/**
 * A payout's fee as a provider's statement shows it: fixed + percent of the amount, then IVA on the fee.
 * Integer arithmetic in BigInt so amount × basis points never loses a cent; half-up rounding to the centavo.
 */
export function payoutFee(amountMinor: Minor, schedule: FeeSchedule): { feeMinor: Minor; ivaMinor: Minor } {
  const percent = divRoundHalfUp(BigInt(amountMinor) * BigInt(schedule.percentBps), 10_000n);
  const feeMinor = schedule.fixedMinor + Number(percent);
  const ivaMinor = Number(divRoundHalfUp(BigInt(feeMinor) * BigInt(schedule.ivaBps), 10_000n));
  return { feeMinor, ivaMinor };
}

function divRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  return (numerator * 2n + denominator) / (denominator * 2n);
}
