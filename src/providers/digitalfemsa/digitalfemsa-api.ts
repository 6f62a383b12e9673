import type { PayoutInstruction, PayoutProvider, ProviderPayout, ProviderSession } from '../payout-provider.ts';
import { ProviderError } from '../provider-error.ts';
import { createdSeconds, familyApi, mapWebhookKey } from '../conekta-family.ts';
import { mapAnswer } from '../http-status-error.ts';
import { femsaCustomerBody, femsaPayoutOrderBody, femsaRecipientKey } from './map-digitalfemsa-request.ts';
import { femsaOrderKeys, mapFemsaCustomer, mapFemsaPayoutOrder } from './map-digitalfemsa-response.ts';
import { digitalfemsaError } from './digitalfemsa-error.ts';

// digitalfemsa-cashout.txt: -H "Accept: application/vnd.app-v2.1.0+json"
export const FEMSA_ACCEPT = 'application/vnd.app-v2.1.0+json';
/** The platform's list maximum (conekta SDK: "the maximum value is 250"). */
export const FEMSA_PAGE_SIZE = 250;
/** Clock skew allowed between our `since` and FEMSA's created_at when deciding where a lookup may stop. */
export const FEMSA_LOOKUP_SLACK_MS = 5 * 60 * 1000;

const { call, pages } = familyApi({
  name: 'digitalfemsa',
  accept: FEMSA_ACCEPT,
  pageSize: FEMSA_PAGE_SIZE,
  privateKey: (session) => session.credentials.digitalfemsa?.privateKey,
  error: digitalfemsaError,
});

/** POST /customers: one customer per email; registering again only makes a second customer, so it is retry-safe. */
async function createRecipient(session: ProviderSession, instruction: PayoutInstruction): Promise<{ recipientId: string }> {
  const label = 'digitalfemsa POST /customers';
  const response = await call(session, { method: 'POST', path: '/customers', body: JSON.stringify(femsaCustomerBody(instruction)), moneyMoving: false, label });
  return mapAnswer(() => mapFemsaCustomer(response.json), label, false);
}

async function createPayout(session: ProviderSession, instruction: PayoutInstruction): Promise<ProviderPayout> {
  const label = 'digitalfemsa POST /payout_orders';
  const body = JSON.stringify(femsaPayoutOrderBody(instruction));
  const response = await call(session, { method: 'POST', path: '/payout_orders', body, moneyMoving: true, label });
  return mapAnswer(() => {
    const payout = mapFemsaPayoutOrder(response.json);
    return payout.reference ? payout : { ...payout, reference: instruction.orderId };
  }, label, true);
}

async function getPayout(session: ProviderSession, payoutId: string): Promise<ProviderPayout> {
  const label = 'digitalfemsa GET /payout_orders/{id}';
  const response = await call(session, { method: 'GET', path: `/payout_orders/${encodeURIComponent(payoutId)}`, moneyMoving: false, label });
  return mapAnswer(() => mapFemsaPayoutOrder(response.json), label, false);
}

/** GET /payout_orders page by page (`next` cursor, newest first); yields the raw payout_order objects. */
function orderPages(session: ProviderSession, stopBeforeSeconds?: number): AsyncGenerator<unknown> {
  return pages(session, '/payout_orders', stopBeforeSeconds);
}

const createdAt = createdSeconds;

/**
 * Settles an unknown outcome: the order we send carries metadata {order_id, request_key}, so it is recognised in the
 * list exactly. Paging stops once the newest-first list is past `since` (minus slack); null when no order carries our
 * key. An order with our key but another amount is not ours to claim: thrown.
 */
async function findPayout(session: ProviderSession, instruction: PayoutInstruction, since: Date): Promise<ProviderPayout | null> {
  const cutoff = Math.floor((since.getTime() - FEMSA_LOOKUP_SLACK_MS) / 1000);
  for await (const order of orderPages(session, cutoff)) {
    const keys = femsaOrderKeys(order);
    const ours = keys.requestKey !== undefined ? keys.requestKey === instruction.requestKey : keys.orderId === instruction.orderId;
    if (!ours) continue;
    const payout = mapAnswer(() => mapFemsaPayoutOrder(order), 'digitalfemsa GET /payout_orders', false);
    if (payout.amountMinor !== instruction.amountMinor) {
      throw new ProviderError({
        kind: 'duplicate_reference',
        message: `digitalfemsa: payout_order ${payout.payoutId} carries order ${instruction.orderId} with a different amount`,
        retryable: false,
        outcomeUnknown: false,
      });
    }
    return payout;
  }
  return null;
}

/**
 * The provider-side guard: one pass over GET /payout_orders (newest first, `next` cursor; no documented created-at
 * filter, so paging stops once a descending page ends before `since` minus the slack). Orders carrying
 * metadata.request_key, the newest per key.
 */
async function payoutsByRequestKey(session: ProviderSession, since: Date): Promise<Map<string, ProviderPayout>> {
  const cutoff = Math.floor((since.getTime() - FEMSA_LOOKUP_SLACK_MS) / 1000);
  const found = new Map<string, ProviderPayout>();
  for await (const order of orderPages(session, cutoff)) {
    const at = createdAt(order);
    if (at !== undefined && at < cutoff) continue;
    const key = femsaOrderKeys(order).requestKey;
    if (key === undefined || found.has(key)) continue;
    found.set(key, mapAnswer(() => mapFemsaPayoutOrder(order), 'digitalfemsa GET /payout_orders', false));
  }
  return found;
}

async function* listPayouts(session: ProviderSession, range: { from: Date; to: Date }): AsyncGenerator<ProviderPayout> {
  const fromSeconds = Math.floor(range.from.getTime() / 1000);
  const toSeconds = range.to.getTime() / 1000;
  for await (const order of orderPages(session, fromSeconds)) {
    const at = createdAt(order);
    if (at !== undefined && (at < fromSeconds || at > toSeconds)) continue;
    yield mapAnswer(() => mapFemsaPayoutOrder(order), 'digitalfemsa GET /payout_orders', false);
  }
}

/** POST /webhook_keys: makes the key the provider signs its webhooks with; the answer carries its public half. */
async function createWebhookKey(session: ProviderSession): Promise<{ id: string; publicKey: string }> {
  const label = 'digitalfemsa POST /webhook_keys';
  const response = await call(session, { method: 'POST', path: '/webhook_keys', body: '{}', moneyMoving: false, label });
  return mapAnswer(() => mapWebhookKey(response.json), label, false);
}

export const digitalfemsaProvider: PayoutProvider = {
  id: 'digitalfemsa',
  recipient: {
    key: (instruction) => femsaRecipientKey(instruction),
    create: createRecipient,
  },
  createPayout,
  getPayout,
  findPayout,
  payoutsByRequestKey,
  listPayouts,
  createWebhookKey,
  // digitalfemsa-cashout.txt exposes no balance call.
  getBalance: async () => undefined,
};
