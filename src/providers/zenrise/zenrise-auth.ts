import type { ProviderSession } from '../payout-provider.ts';
import { ProviderError } from '../provider-error.ts';
import { sendHttp, type HttpCall, type HttpResponse } from '../http-client.ts';
import { asRecord, asString, badResponseError, headerValue, type HttpHeaders } from '../http-status-error.ts';
import { zenriseError, type ZenriseOperation } from './zenrise-error.ts';

/** A bearer token and when it stops working (epoch ms), when the login said. */
export interface ZenriseToken {
  /** The Authorization header value to send: "Bearer …". */
  authorization: string;
  expiresAt: number | undefined;
}

// Keys in session.auth (one session per provider per run, so the token is shared by every row of the run).
const TOKEN = 'zenrise.token';
const LOGIN = 'zenrise.login';

/** Renew this long before the stated expiry, so a request never leaves with a token about to lapse. */
export const ZENRISE_RENEW_MARGIN_MS = 60_000;

/**
 * Reads the login answer. Public Zenrise clients take the token from the response's `Authorization` header; a body
 * token field is read too. The expiry is kept on OUR clock: the token's lifetime (JWT exp − iat, or the body's
 * expiresIn) from `now`, so a skew between our clock and Zenrise's neither keeps a dead token nor renews a fresh one
 * before every call. An absolute exp/expiresAt is the fallback; without any the token is kept until a 401.
 */
export function readZenriseToken(headers: HttpHeaders, body: unknown, now: Date): ZenriseToken | undefined {
  const record = asRecord(body);
  const raw =
    headerValue(headers, 'authorization') ??
    asString(record?.token) ??
    asString(record?.accessToken) ??
    asString(record?.access_token);
  const token = raw?.replace(/^bearer\s+/i, '').trim();
  if (!token) return undefined;
  return { authorization: `Bearer ${token}`, expiresAt: tokenExpiry(token, record, now.getTime()) };
}

function tokenExpiry(token: string, record: Record<string, unknown> | undefined, now: number): number | undefined {
  const claims = jwtClaims(token);
  const exp = finite(claims?.exp);
  const iat = finite(claims?.iat);
  if (exp !== undefined && iat !== undefined && exp > iat) return now + (exp - iat) * 1000;
  const expiresIn = finite(record?.expiresIn) ?? finite(record?.expires_in);
  if (expiresIn !== undefined) return now + expiresIn * 1000;
  if (exp !== undefined) return exp * 1000;
  const at = asString(record?.expiresAt);
  return at && !Number.isNaN(Date.parse(at)) ? Date.parse(at) : undefined;
}

function jwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    return asRecord(JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')));
  } catch {
    return undefined;
  }
}

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** POST /users/api-login with {clientId, secretId}. */
async function login(session: ProviderSession): Promise<ZenriseToken> {
  const credentials = session.credentials.zenrise;
  if (!credentials) throw new ProviderError({ kind: 'authentication', message: 'zenrise: no credentials set for this target', retryable: false, outcomeUnknown: false });
  const label = 'zenrise POST /users/api-login';
  const response = await sendHttp(session, {
    method: 'POST',
    path: '/users/api-login',
    headers: { accept: 'application/json' },
    body: JSON.stringify({ clientId: credentials.clientId, secretId: credentials.secretId }),
    moneyMoving: false,
    label,
  });
  if (response.status >= 400) throw zenriseError(response.status, response.json, response.headers, { moneyMoving: false, now: session.now(), operation: 'login' }, label);
  const token = readZenriseToken(response.headers, response.json, session.now());
  if (!token) throw badResponseError(label, 'no token in the Authorization header or the body', false, response.status);
  return token;
}

/**
 * The current token: the cached one while it is valid, else one fresh login shared by every caller waiting for it
 * (a batch of concurrent rows triggers a single login, not one each).
 */
export async function zenriseToken(session: ProviderSession): Promise<ZenriseToken> {
  const cached = session.auth.get(TOKEN) as ZenriseToken | undefined;
  if (cached && (cached.expiresAt === undefined || session.now().getTime() < cached.expiresAt - ZENRISE_RENEW_MARGIN_MS)) return cached;
  let pending = session.auth.get(LOGIN) as Promise<ZenriseToken> | undefined;
  if (!pending) {
    pending = login(session).then(
      (token) => {
        session.auth.set(TOKEN, token);
        session.auth.delete(LOGIN);
        return token;
      },
      (error: unknown) => {
        session.auth.delete(LOGIN);
        throw error;
      },
    );
    session.auth.set(LOGIN, pending);
  }
  return pending;
}

/** Drops a token the API refused, unless another caller has already replaced it. */
export function forgetZenriseToken(session: ProviderSession, token: ZenriseToken): void {
  if (session.auth.get(TOKEN) === token) session.auth.delete(TOKEN);
}

/**
 * Sends an authenticated call. A 401 means the token lapsed early (or the provider's clock runs ahead of ours): the
 * token is renewed once and the call sent again — safe even for a transfer, since a 401 was answered before anything
 * was done. A second 401, or any other error status, is mapped by zenriseError and thrown.
 */
export async function sendZenriseAuthorized(
  session: ProviderSession,
  call: Omit<HttpCall, 'headers'>,
  operation: ZenriseOperation,
): Promise<HttpResponse> {
  let response: HttpResponse | undefined;
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const token = await zenriseToken(session);
    response = await sendHttp(session, { ...call, headers: { authorization: token.authorization, accept: 'application/json' } });
    if (response.status !== 401) break;
    forgetZenriseToken(session, token);
  }
  const last = response as HttpResponse;
  if (last.status >= 400) {
    throw zenriseError(last.status, last.json, last.headers, { moneyMoving: call.moneyMoving, now: session.now(), operation }, call.label);
  }
  if (last.json === undefined) throw badResponseError(call.label, 'body is not JSON', call.moneyMoving, last.status);
  return last;
}
