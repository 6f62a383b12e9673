import type { Currency } from './provider-id.ts';

/**
 * An amount in integer minor units (centavos). Amounts are parsed straight into this form and never pass
 * through a float; conversion to a provider's wire format happens only in that provider's request mapper.
 */
export type Minor = number;

export function assertMinor(value: number, what = 'amount'): asserts value is Minor {
  if (!Number.isSafeInteger(value)) throw new TypeError(`${what} must be a safe integer of minor units, got ${value}`);
}

/** 123456 → "1234.56"; -5 → "-0.05". Exact: string arithmetic on the integer. */
export function formatMinor(minor: Minor, _currency?: Currency): string {
  assertMinor(minor);
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  // Integer arithmetic only: abs - cents is a multiple of 100, so its quotient is exact for every safe integer.
  const cents = abs % 100;
  return `${sign}${(abs - cents) / 100}.${cents < 10 ? '0' : ''}${cents}`;
}

/** "1234.56" (canonical, as written by formatMinor) → 123456. Throws on anything else: for our own data only. */
export function parseCanonicalMinor(text: string): Minor {
  const m = /^(-?)(\d+)\.(\d{2})$/.exec(text);
  if (!m) throw new TypeError(`not a canonical amount: ${JSON.stringify(text)}`);
  const value = Number(m[2]) * 100 + Number(m[3]);
  assertMinor(value);
  return m[1] === '-' ? -value : value;
}

/** Adds amounts, failing loudly instead of losing precision past 2^53. Every money total goes through here. */
export function sumMinor(values: Iterable<Minor>): Minor {
  let total = 0;
  for (const v of values) total = addMinor(total, v);
  return total;
}

/** a + b for running totals, failing loudly instead of losing precision past 2^53. */
export function addMinor(a: Minor, b: Minor): Minor {
  const total = a + b;
  assertMinor(total, 'total');
  return total;
}
