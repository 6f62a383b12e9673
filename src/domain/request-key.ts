import { createHash } from 'node:crypto';
import type { ProviderId } from './provider-id.ts';

/**
 * The idempotency key of a payout. It is derived from the row's identity — provider + order_id, which is unique
 * across all batches — so every attempt of the same row, in any run, carries the same key, and it is written to the
 * ledger before the request leaves. 32 hex chars: fits every provider's metadata/reference limits.
 */
export function requestKey(provider: ProviderId, orderId: string): string {
  return createHash('sha256').update(`${provider}\u0000${orderId}`).digest('hex').slice(0, 32);
}
