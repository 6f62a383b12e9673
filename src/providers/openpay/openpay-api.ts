import type { PayoutInstruction, PayoutProvider, ProviderPayout, ProviderSession } from '../payout-provider.ts';
import { ProviderError, isProviderError } from '../provider-error.ts';
import { basicAuthHeader } from '../basic-auth.ts';
import { sendHttp, type HttpCall, type HttpResponse } from '../http-client.ts';
import { badResponseError, mapAnswer } from '../http-status-error.ts';
import { openpayDate, openpayPayoutBody } from './map-openpay-request.ts';
import { mapOpenpayBalance, mapOpenpayPayout, openpayListItems } from './map-openpay-response.ts';
import { openpayError } from './openpay-error.ts';

/** Page size for GET /payouts (the doc's default is 10; larger pages mean fewer calls against the rate limit). */
export const OPENPAY_PAGE_SIZE = 100;
/**
 * How far before `since` a lookup starts. Openpay filters by calendar date in its own zone (Mexico), so one day on
 * each side covers any zone offset and clock skew.
 */
const DAY_MS = 24 * 60 * 60 * 1000;

function credentials(session: ProviderSession): { merchantId: string; privateKey: string } {
  const openpay = session.credentials.openpay;
  if (!openpay) throw new ProviderError({ kind: 'authentication', message: 'openpay: no credentials set for this target', retryable: false, outcomeUnknown: false });
  return openpay;
}

/** Every Openpay path starts with the merchant: /v1/{MERCHANT_ID}/… (openpay-api.txt, API Endpoints). */
function merchantPath(session: ProviderSession, rest = ''): string {
  return `/v1/${encodeURIComponent(credentials(session).merchantId)}${rest}`;
}

async function call(session: ProviderSession, request: Omit<HttpCall, 'headers'>): Promise<HttpResponse> {
  const response = await sendHttp(session, {
    ...request,
    headers: { authorization: basicAuthHeader(credentials(session).privateKey), accept: 'application/json' },
  });
  if (response.status >= 400) {
    throw openpayError(response.status, response.json, response.headers, { moneyMoving: request.moneyMoving, now: session.now() }, request.label);
  }
  if (response.json === undefined) throw badResponseError(request.label, 'body is not JSON', request.moneyMoving, response.status);
  return response;
}


async function createPayout(session: ProviderSession, instruction: PayoutInstruction): Promise<ProviderPayout> {
  const label = 'openpay POST /payouts';
  const response = await call(session, {
    method: 'POST',
    path: merchantPath(session, '/payouts'),
    body: openpayPayoutBody(instruction),
    moneyMoving: true,
    label,
  });
  return mapAnswer(() => mapOpenpayPayout(response.json), label, true);
}

async function getPayout(session: ProviderSession, payoutId: string): Promise<ProviderPayout> {
  const label = 'openpay GET /payouts/{id}';
  const response = await call(session, {
    method: 'GET',
    path: merchantPath(session, `/payouts/${encodeURIComponent(payoutId)}`),
    moneyMoving: false,
    label,
  });
  return mapAnswer(() => mapOpenpayPayout(response.json), label, false);
}

/**
 * Pages of payout ids kept to drop repeats: offset paging shows an item again when payouts made meanwhile push it
 * onto the next page, and a provider that ignores the offset sends the same page again (no fresh item: the end).
 * A window, not every id listed: a listing of a million payouts would otherwise hold a million ids; a repeat further
 * back than this takes more payouts made during the listing than the window holds.
 */
const SEEN_PAGES = 50;

/**
 * GET /v1/{merchant}/payouts with creation[gte]/creation[lte] and offset/limit; Openpay returns the newest first
 * ("en orden descendente por fecha de creación"). A payout created while we page pushes older ones down a slot, so a
 * payout can be seen twice: de-duplicated by id over the last SEEN_PAGES pages. Stops at a short page, or at a page with nothing new (a server that
 * ignores offset must not loop us forever).
 */
async function* payoutPages(session: ProviderSession, filter: { gte: Date; lte?: Date }): AsyncGenerator<ProviderPayout> {
  const window: Array<Set<string>> = [];
  const seenBefore = (id: string) => window.some((page) => page.has(id));
  for (let offset = 0; ; offset += OPENPAY_PAGE_SIZE) {
    const label = 'openpay GET /payouts';
    const response = await call(session, {
      method: 'GET',
      path: merchantPath(session, '/payouts'),
      query: {
        'creation[gte]': openpayDate(filter.gte),
        'creation[lte]': filter.lte ? openpayDate(filter.lte) : undefined,
        offset,
        limit: OPENPAY_PAGE_SIZE,
      },
      moneyMoving: false,
      label,
    });
    const items = mapAnswer(() => openpayListItems(response.json), label, false);
    let fresh = 0;
    const page = new Set<string>();
    window.push(page);
    if (window.length > SEEN_PAGES) window.shift();
    for (const item of items) {
      const payout = mapAnswer(() => mapOpenpayPayout(item), label, false);
      if (seenBefore(payout.payoutId)) continue;
      page.add(payout.payoutId);
      fresh += 1;
      yield payout;
    }
    if (items.length < OPENPAY_PAGE_SIZE || fresh === 0) return;
  }
}

/**
 * Settles an unknown outcome by sending the very same request again (openpay-api.txt: order_id "Debe ser único entre
 * todas las transacciones" → 1006):
 *  - accepted: the first attempt provably never happened, so this one is the payout — return it;
 *  - 1006: it exists; find it in the list by order_id (from a day before `since`) and return it;
 *  - any other definitive refusal (insufficient funds, validation): look in the list too, since Openpay's order of
 *    checks is not documented; found → it; not found → null (nothing was created, nothing is);
 *  - 429/5xx/transport: thrown — we cannot tell yet.
 * A payout found under our order_id with another amount or CLABE is not ours to claim: thrown, not returned.
 */
async function findPayout(session: ProviderSession, instruction: PayoutInstruction, since: Date): Promise<ProviderPayout | null> {
  let refusal: ProviderError;
  try {
    return await createPayout(session, instruction);
  } catch (error) {
    if (!isProviderError(error) || error.retryable || (error.outcomeUnknown && error.kind !== 'duplicate_reference')) throw error;
    refusal = error;
  }
  const gte = new Date(since.getTime() - DAY_MS);
  for await (const payout of payoutPages(session, { gte })) {
    if (payout.reference !== instruction.orderId) continue;
    assertSamePayout(payout, instruction);
    return payout;
  }
  if (refusal.kind === 'duplicate_reference') {
    throw new ProviderError({
      kind: 'not_found',
      message: `openpay: order_id ${instruction.orderId} exists (1006) but is not among the payouts created since ${gte.toISOString().slice(0, 10)}`,
      retryable: false,
      outcomeUnknown: true,
      httpStatus: refusal.httpStatus,
      providerCode: refusal.providerCode,
      providerMessage: refusal.providerMessage,
    });
  }
  return null;
}

function assertSamePayout(payout: ProviderPayout, instruction: PayoutInstruction): void {
  const clabe = instruction.account.kind === 'clabe' ? instruction.account.number : '';
  const sameAmount = payout.amountMinor === instruction.amountMinor;
  const sameAccount = !payout.destination || (payout.destination.slice(0, 3) === clabe.slice(0, 3) && payout.destination.slice(-4) === clabe.slice(-4));
  if (sameAmount && sameAccount) return;
  throw new ProviderError({
    kind: 'duplicate_reference',
    message: `openpay: order_id ${instruction.orderId} already names payout ${payout.payoutId} with a different ${sameAmount ? 'account' : 'amount'}`,
    retryable: false,
    outcomeUnknown: false,
    providerCode: '1006',
  });
}

async function* listPayouts(session: ProviderSession, range: { from: Date; to: Date }): AsyncGenerator<ProviderPayout> {
  const gte = new Date(range.from.getTime() - DAY_MS);
  const lte = new Date(range.to.getTime() + DAY_MS);
  for await (const payout of payoutPages(session, { gte, lte })) {
    // The date filter is coarse (whole days); the exact range is applied here. Undated entries are kept: better shown
    // to reconciliation than silently dropped.
    const at = payout.createdAt?.getTime();
    if (at === undefined || (at >= range.from.getTime() && at <= range.to.getTime())) yield payout;
  }
}

async function getBalance(session: ProviderSession): Promise<{ amountMinor: number; currency: 'MXN' }> {
  const label = 'openpay GET /{merchant}';
  const response = await call(session, { method: 'GET', path: merchantPath(session), moneyMoving: false, label });
  return mapAnswer(() => mapOpenpayBalance(response.json), label, false);
}

/** Openpay pays straight to a CLABE: no recipient step. */
export const openpayProvider: PayoutProvider = {
  id: 'openpay',
  createPayout,
  getPayout,
  findPayout,
  listPayouts,
  getBalance,
};
