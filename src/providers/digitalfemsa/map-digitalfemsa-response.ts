import { maskEmail } from '../../domain/mask-account.ts';
import type { ProviderPayout } from '../payout-provider.ts';
import { ProviderError } from '../provider-error.ts';
import { asRecord, asString } from '../http-status-error.ts';

/**
 * A payout_order is created `pending` (digitalfemsa-cashout.txt); the doc names no other state. Paid words are the
 * ones the platform uses for a cash-out that was collected; an unclaimed order expires (expires_at) and a cancelled
 * one is void (payout_orders/{id}/cancel in the platform SDK). Anything else is not final.
 */
export function mapFemsaStatus(status: string | undefined): { state: ProviderPayout['state']; expired?: true } {
  switch (status?.toLowerCase()) {
    case 'paid':
    case 'paid_out':
    case 'claimed':
    case 'closed':
    case 'completed':
      return { state: 'paid' };
    case 'expired':
      return { state: 'failed', expired: true };
    case 'cancelled':
    case 'canceled':
    case 'failed':
      return { state: 'failed' };
    default:
      return { state: 'pending' };
  }
}

/** A payout_order object → ProviderPayout. The destination is the customer's email, masked. */
export function mapFemsaPayoutOrder(body: unknown): ProviderPayout {
  const order = asRecord(body);
  const id = asString(order?.id);
  if (!order || !id) throw shape('payout_order without an id');
  const providerStatus = asString(order.status) ?? '';
  const currency = asString(order.currency) ?? 'MXN';
  if (currency.toUpperCase() !== 'MXN') throw shape(`currency ${currency}, expected MXN`);
  if (typeof order.amount !== 'number' || !Number.isSafeInteger(order.amount)) throw shape(`amount ${JSON.stringify(order.amount)} is not whole centavos`);
  const { state, expired } = mapFemsaStatus(providerStatus);
  const payout: ProviderPayout = { payoutId: id, state, providerStatus, amountMinor: order.amount, currency: 'MXN' };
  if (expired) payout.expired = true;
  const reference = asString(asRecord(order.metadata)?.order_id);
  if (reference) payout.reference = reference;
  const email = asString(asRecord(order.customer_info)?.email);
  if (email) payout.destination = maskEmail(email);
  if (typeof order.created_at === 'number' && Number.isFinite(order.created_at)) payout.createdAt = new Date(order.created_at * 1000);
  if (typeof order.updated_at === 'number' && Number.isFinite(order.updated_at)) payout.updatedAt = new Date(order.updated_at * 1000);
  // "reference — ID con el que el cliente retira el dinero en Oxxo"
  const cashoutReference = asString(order.reference);
  if (cashoutReference) payout.providerReference = cashoutReference;
  return payout;
}

/** The request key and order id we put in metadata, to recognise the order in a list. */
export function femsaOrderKeys(body: unknown): { orderId?: string; requestKey?: string } {
  const metadata = asRecord(asRecord(body)?.metadata);
  const keys: { orderId?: string; requestKey?: string } = {};
  const orderId = asString(metadata?.order_id);
  const requestKey = asString(metadata?.request_key);
  if (orderId) keys.orderId = orderId;
  if (requestKey) keys.requestKey = requestKey;
  return keys;
}

/** POST /customers → the customer id (digitalfemsa-cashout.txt: "id": "cus_2pwMQPxiLJ8WzzqZJ"). */
export function mapFemsaCustomer(body: unknown): { recipientId: string } {
  const id = asString(asRecord(body)?.id);
  if (!id) throw shape('customer without an id');
  return { recipientId: id };
}

function shape(detail: string): ProviderError {
  return new ProviderError({ kind: 'bad_response', message: `digitalfemsa: ${detail}`, retryable: false, outcomeUnknown: false });
}
