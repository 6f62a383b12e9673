import { LedgerError } from '../ledger-error.ts';

/**
 * PostgreSQL bigint (int8) as a JS number, exactly or not at all. node-postgres hands int8 back as a string because a
 * double cannot hold every bigint; amounts (minor units), row ids and counts are bigint columns, and a JS number is
 * exact up to 2^53 - 1 — beyond it the value is refused, never rounded.
 */
export function parseInt8(text: string): number {
  if (!/^-?\d+$/.test(text)) throw new LedgerError('INTEGER_OUT_OF_RANGE', `not an integer from PostgreSQL: ${JSON.stringify(text)}`, { value: text });
  const big = BigInt(text);
  if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new LedgerError('INTEGER_OUT_OF_RANGE', `${text} from PostgreSQL does not fit a JS number exactly (limit ${Number.MAX_SAFE_INTEGER})`, { value: text });
  }
  return Number(big);
}
