import { formatMinor } from '../domain/money.ts';

/**
 * JSON text of `{"amount":<decimal pesos>, …fields}` for the providers that take pesos as a JSON number (Openpay,
 * Zenrise). The amount is written from the digits of the integer (123456 → 1234.56) and never held in a float;
 * the other fields go through JSON.stringify, so no string value can reach the amount.
 */
export function jsonWithDecimalAmount(amountMinor: number, fields: Record<string, unknown>): string {
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) throw new RangeError(`amount must be a positive whole number of centavos, got ${amountMinor}`);
  if ('amount' in fields) throw new TypeError('the amount is written by jsonWithDecimalAmount, not passed in fields');
  const rest = JSON.stringify(fields);
  const amount = `"amount":${formatMinor(amountMinor)}`;
  return rest === '{}' ? `{${amount}}` : `{${amount},${rest.slice(1)}`;
}

/**
 * A decimal amount as a provider returns it (a JSON number like 10.5 or a string "10.50") → centavos, exactly. The
 * number's shortest round-trip text is the literal the provider wrote, so reading its digits is exact; more than two
 * decimals, an exponent or anything else is refused (undefined) rather than rounded.
 */
export function decimalToMinorExact(value: unknown): number | undefined {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : typeof value === 'string' ? value.trim() : '';
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) return undefined;
  const minor = Number(match[2]) * 100 + Number((match[3] ?? '').padEnd(2, '0'));
  if (!Number.isSafeInteger(minor)) return undefined;
  return match[1] === '-' ? -minor : minor;
}
