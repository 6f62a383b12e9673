import type { ProviderError, ProviderErrorKind } from '../provider-error.ts';
import {
  asRecord,
  asString,
  clientError,
  kindForStatus,
  rateLimitOrServerError,
  type ErrorContext,
  type HttpHeaders,
  type ProviderWords,
} from '../http-status-error.ts';

/** Which Zenrise call failed: the same 400 means different things on each. */
export type ZenriseOperation = 'login' | 'register_account' | 'transfer' | 'read';

/**
 * Zenrise answers errors NestJS-style, `{statusCode, message, error}`, where message may be a list (class-validator).
 * Zenrise has no error codes: its message is both the code and the words kept for the results file.
 */
export function zenriseErrorWords(body: unknown): ProviderWords {
  const error = asRecord(body);
  const raw = error?.message;
  const message = Array.isArray(raw) ? raw.map((m) => asString(m)).filter(Boolean).join('; ') : asString(raw)?.trim();
  return message ? { providerCode: message, providerMessage: message } : {};
}

/**
 * Maps a Zenrise error answer:
 *  - login 400/401 → authentication (wrong clientId/secretId);
 *  - 401 elsewhere → authentication (the caller has already renewed the token once);
 *  - 400 on /wallet/cbu-alias → account_rejected: zenrise-payouts.txt "400 si el alias o cbu es inválido" — USD
 *    account, nonexistent, inactive — with Zenrise's message kept;
 *  - 400 on a transfer → insufficient_funds when it says so, else validation;
 *  - 404 → not_found; 429/5xx → the shared policy (http-status-error.ts).
 */
export function zenriseError(
  status: number,
  body: unknown,
  headers: HttpHeaders,
  context: ErrorContext & { operation: ZenriseOperation },
  label = 'zenrise',
): ProviderError {
  const words = zenriseErrorWords(body);
  const common = rateLimitOrServerError(status, headers, context, words, label);
  if (common) return common;
  let kind: ProviderErrorKind = kindForStatus(status);
  if (context.operation === 'login' && (status === 400 || status === 401 || status === 403)) kind = 'authentication';
  else if (status === 400 && context.operation === 'register_account') kind = 'account_rejected';
  else if (status === 400 && context.operation === 'transfer' && /insufficient|fondos|saldo/i.test(words.providerMessage ?? '')) kind = 'insufficient_funds';
  else if (/does not exist|not found/i.test(words.providerMessage ?? '') && status === 400 && context.operation === 'transfer') kind = 'not_found';
  return clientError(kind, status, words, label);
}
