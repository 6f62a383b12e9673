import type * as Undici from 'undici';
import type { Agent, Dispatcher } from 'undici';
import type { ProviderSession } from './payout-provider.ts';
import { ProviderError } from './provider-error.ts';
import { headerValue, parseRetryAfterMs, type HttpHeaders } from './http-status-error.ts';

/** One HTTP call to a provider, described by the adapter. */
export interface HttpCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Appended to session.baseUrl as is (the adapter encodes path segments). */
  path: string;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  /**
   * The JSON text to send. Adapters serialize themselves: Openpay's decimal amount is written from the digit string,
   * never through a float, which JSON.stringify of an object could not guarantee.
   */
  body?: string;
  /**
   * Creates a payout / transfer / payout_order / transfer request. A connection lost after such a request was written
   * (or a timeout waiting for the answer) leaves the outcome unknown; on any other call it is simply retryable.
   */
  moneyMoving: boolean;
  /** Names the call in error messages ("openpay POST /payouts"). */
  label: string;
}

/** Every answer, whatever its status: the adapter's error mapper reads the failures. */
export interface HttpResponse {
  status: number;
  headers: HttpHeaders;
  /** The body parsed as JSON, or undefined when it is empty or not JSON (an HTML error page from a gateway). */
  json: unknown;
  text: string;
}

/**
 * One keep-alive connection pool per origin, shared by every session (undici `request` on a shared Agent is several
 * times faster here than fetch). Created lazily so that importing the module opens nothing; undici itself is loaded
 * at the first request, so the commands that send none (validate, report) start without it.
 */
let agent: Agent | undefined;
let undici: Promise<typeof Undici> | undefined;
const loadUndici = () => (undici ??= import('undici'));

/** Enough connections for the dispatcher's highest per-provider concurrency; the rate limiter caps the real use. */
const CONNECTIONS_PER_ORIGIN = 128;

function sharedAgent(Agent: typeof Undici.Agent): Agent {
  agent ??= new Agent({
    connections: CONNECTIONS_PER_ORIGIN,
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
    connect: { timeout: 10_000 },
  });
  return agent;
}

/** Closes the shared pool (end of a run, end of a test file); the next call opens a new one. */
export async function closeHttpAgent(): Promise<void> {
  const current = agent;
  agent = undefined;
  if (current) await current.close();
}

/**
 * Sends one request: calls session.beforeRequest() first (the dispatcher's rate limiter sees every endpoint, auth
 * included), applies session.timeoutMs to the wait for headers and for the body, tells session.onRateLimited about
 * every 429, aborts on session.signal, and turns transport failures into ProviderErrors (see transportError). HTTP error statuses are returned,
 * not thrown: only the provider's mapper knows what its error bodies mean.
 */
export async function sendHttp(session: ProviderSession, call: HttpCall, dispatcher?: Dispatcher): Promise<HttpResponse> {
  let answered: void | (() => void);
  try {
    answered = await session.beforeRequest?.({ moneyMoving: call.moneyMoving });
  } catch (error) {
    // Stopped while waiting for its turn (the rate limiter's wait was cut): the request never left, nothing was done.
    throw new ProviderError({
      kind: 'network',
      message: `${call.label}: not sent, stopped while waiting for its turn: ${error instanceof Error ? error.message : String(error)}`,
      retryable: true,
      outcomeUnknown: false,
      providerCode: 'NOT_SENT',
      cause: error,
    });
  }
  const url = buildUrl(session.baseUrl, call.path, call.query);
  const headers: Record<string, string> = { 'user-agent': 'payout-batch', ...call.headers };
  if (call.body !== undefined) headers['content-type'] ??= 'application/json';

  let status: number;
  let responseHeaders: HttpHeaders;
  let text: string;
  try {
    const { Agent, request } = await loadUndici();
    try {
      // The last word before the request leaves (the lease fence of a claimed row): refused, nothing was sent.
      session.beforeSend?.({ moneyMoving: call.moneyMoving });
    } catch (error) {
      answered?.();
      throw new RefusedBeforeSend(error);
    }
    const response = await request(url, {
      dispatcher: dispatcher ?? sharedAgent(Agent),
      method: call.method,
      headers,
      body: call.body,
      headersTimeout: session.timeoutMs,
      bodyTimeout: session.timeoutMs,
      ...(session.signal ? { signal: session.signal } : {}),
    }).finally(() => answered?.());
    status = response.statusCode;
    responseHeaders = response.headers as HttpHeaders;
    try {
      text = await response.body.text();
    } catch (error) {
      // Headers arrived (the provider answered) but the body was cut: the status alone cannot be trusted to describe
      // what was done, so a money-moving call is settled by lookup like any other lost answer.
      throw transportError(error, call, { afterHeaders: true, status });
    }
  } catch (error) {
    if (error instanceof RefusedBeforeSend) throw error.refusal;
    if (error instanceof ProviderError) throw error;
    throw transportError(error, call, { afterHeaders: false });
  }

  if (status === 429) session.onRateLimited?.(parseRetryAfterMs(headerValue(responseHeaders, 'retry-after'), session.now()));
  return { status, headers: responseHeaders, json: parseJson(text), text };
}

/** What session.beforeSend threw, carried past the transport error mapping unchanged. */
class RefusedBeforeSend {
  constructor(readonly refusal: unknown) {}
}

function buildUrl(baseUrl: string, path: string, query: HttpCall['query']): string {
  const base = baseUrl.replace(/\/+$/, '');
  if (!query) return `${base}${path}`;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.append(key, String(value));
  const search = params.toString();
  return search ? `${base}${path}?${search}` : `${base}${path}`;
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Failures that happen before a single byte of the request can have reached the provider: name resolution, the TCP
 * connect, the TLS handshake. Nothing was performed, so sending again is safe.
 */
const BEFORE_SEND_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_TLS_HANDSHAKE_TIMEOUT',
]);

/** Collects `code`s along the error, its cause chain and an AggregateError's members (happy-eyeballs connects). */
function errorCodes(error: unknown, seen = new Set<unknown>()): string[] {
  if (typeof error !== 'object' || error === null || seen.has(error)) return [];
  seen.add(error);
  const codes: string[] = [];
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') codes.push(code);
  codes.push(...errorCodes((error as { cause?: unknown }).cause, seen));
  const members = (error as { errors?: unknown }).errors;
  if (Array.isArray(members)) for (const member of members) codes.push(...errorCodes(member, seen));
  return codes;
}

function isBeforeSend(codes: string[]): boolean {
  if (codes.length === 0) return false;
  return codes.every((code) => BEFORE_SEND_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_'));
}

/**
 * Maps a transport failure:
 *  - before the request was sent (DNS, refused, TLS) → 'network', retryable, outcome known (not performed);
 *  - after it was written (timeout waiting for the answer, socket closed or reset, body cut) on a money-moving call →
 *    outcomeUnknown, NOT retryable: the dispatcher settles it with findPayout before anything is resent;
 *  - the same on a read or a recipient registration → retryable (reading again is harmless).
 * A failure we cannot place counts as "after": unknown is the safe side.
 */
export function transportError(
  error: unknown,
  call: Pick<HttpCall, 'moneyMoving' | 'label'>,
  where: { afterHeaders: boolean; status?: number },
): ProviderError {
  const codes = errorCodes(error);
  const detail = error instanceof Error ? error.message : String(error);
  const codeText = codes[0] ?? 'unknown';
  if (!where.afterHeaders && isBeforeSend(codes)) {
    return new ProviderError({
      kind: 'network',
      message: `${call.label}: could not reach the provider (${codeText}): ${detail}`,
      retryable: true,
      outcomeUnknown: false,
      providerCode: codeText,
      cause: error,
    });
  }
  const timedOut = codes.some((c) => c === 'UND_ERR_HEADERS_TIMEOUT' || c === 'UND_ERR_BODY_TIMEOUT');
  const what = timedOut ? 'no answer in time' : where.afterHeaders ? 'answer cut short' : 'connection lost';
  return new ProviderError({
    kind: timedOut ? 'timeout' : 'network',
    message: `${call.label}: ${what} after the request was sent (${codeText})${
      call.moneyMoving ? '; the payout may have been created' : ''
    }: ${detail}`,
    retryable: !call.moneyMoving,
    outcomeUnknown: call.moneyMoving,
    httpStatus: where.status,
    providerCode: codeText,
    cause: error,
  });
}
