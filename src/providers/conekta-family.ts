import { basicAuthHeader } from './basic-auth.ts';
import { pageEndsBefore, readCursorPage } from './cursor-page.ts';
import { sendHttp, type HttpCall, type HttpResponse } from './http-client.ts';
import type { ProviderSession } from './payout-provider.ts';
import { ProviderError } from './provider-error.ts';
import { asRecord, asString, badResponseError, mapAnswer, type HttpHeaders } from './http-status-error.ts';

/**
 * What Conekta and Digital FEMSA (one company family, one API style) share: how a call is made (the private key as
 * HTTP Basic user, a versioned Accept header, errors in one shape), cursor-paged lists, their webhook keys and the
 * `livemode` flag of their answers.
 */

export interface FamilyApiOptions {
  /** The provider's name in messages ("conekta", "digitalfemsa"). */
  name: string;
  /** The versioned media type its calls accept. */
  accept: string;
  pageSize: number;
  privateKey(session: ProviderSession): string | undefined;
  error(status: number, body: unknown, headers: HttpHeaders, context: { moneyMoving: boolean; now: Date }, label: string): ProviderError;
}

export interface FamilyApi {
  /** One call; a status ≥ 400 thrown as the provider's error, a body that is not JSON as a bad response. */
  call(session: ProviderSession, request: Omit<HttpCall, 'headers'>): Promise<HttpResponse>;
  /**
   * GET `path` page by page (`next` cursor, newest first), yielding the raw objects; stops at a cursor seen before,
   * and, given `stopBeforeSeconds`, once a page ends before it (by `created_at`, unix seconds).
   */
  pages(session: ProviderSession, path: string, stopBeforeSeconds?: number): AsyncGenerator<unknown>;
}

export function familyApi(options: FamilyApiOptions): FamilyApi {
  const privateKey = (session: ProviderSession): string => {
    const key = options.privateKey(session);
    if (!key) throw new ProviderError({ kind: 'authentication', message: `${options.name}: no credentials set for this target`, retryable: false, outcomeUnknown: false });
    return key;
  };
  const call = async (session: ProviderSession, request: Omit<HttpCall, 'headers'>): Promise<HttpResponse> => {
    const response = await sendHttp(session, {
      ...request,
      headers: { authorization: basicAuthHeader(privateKey(session)), accept: options.accept },
    });
    if (response.status >= 400) {
      throw options.error(response.status, response.json, response.headers, { moneyMoving: request.moneyMoving, now: session.now() }, request.label);
    }
    if (response.json === undefined) throw badResponseError(request.label, 'body is not JSON', request.moneyMoving, response.status);
    // A money-moving answer is recorded as the provider gave it; the check stops the key at its first other call.
    if (!request.moneyMoving) assertLivemode(session.environment, response.json, request.label);
    return response;
  };
  async function* pages(session: ProviderSession, path: string, stopBeforeSeconds?: number): AsyncGenerator<unknown> {
    let next: string | undefined;
    const seenCursors = new Set<string>();
    const label = `${options.name} GET ${path}`;
    for (;;) {
      const response = await call(session, { method: 'GET', path, query: { limit: options.pageSize, next }, moneyMoving: false, label });
      const page = mapAnswer(() => readCursorPage(response.json, label), label, false);
      yield* page.items;
      if (!page.next || seenCursors.has(page.next)) return;
      if (stopBeforeSeconds !== undefined && pageEndsBefore(page.items.map(createdSeconds), stopBeforeSeconds)) return;
      seenCursors.add(page.next);
      next = page.next;
    }
  }
  return { call, pages };
}

/** An object's `created_at` (unix seconds), when it is a number. */
export function createdSeconds(item: unknown): number | undefined {
  const value = asRecord(item)?.created_at;
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * A `POST /webhook_keys` answer (Conekta, Digital FEMSA: `{id, object: "webhook_key", public_key, …}`): the key id
 * and the PEM public key that verifies the DIGEST header of the webhooks signed with it.
 */
export function mapWebhookKey(json: unknown): { id: string; publicKey: string } {
  const body = asRecord(json);
  const id = asString(body?.id);
  const publicKey = asString(body?.public_key);
  if (!id || !publicKey || !publicKey.includes('PUBLIC KEY')) throw new Error('expected {id, public_key: PEM}');
  return { id, publicKey };
}

/**
 * Conekta and Digital FEMSA answer with `livemode` (true for a live key, false for a test key) on one host for both:
 * a sandbox session whose key turns out live is stopped at its first non-money call, before any payout is sent with
 * it — a rehearsal must never move real money. (A live run answered `livemode: false` moves no money; it is left to
 * the operator, and is what a local test double of a live endpoint answers.)
 */
export function assertLivemode(environment: 'simulator' | 'sandbox' | 'live' | undefined, json: unknown, label: string): void {
  if (environment === undefined || environment === 'simulator') return;
  const livemode = asRecord(json)?.livemode;
  if (environment !== 'sandbox' || livemode !== true) return;
  throw new ProviderError({
    kind: 'authentication',
    message: `${label} answered livemode: true: the key is a live key, but this is a sandbox run; nothing is paid with it`,
    retryable: false,
    outcomeUnknown: false,
  });
}
