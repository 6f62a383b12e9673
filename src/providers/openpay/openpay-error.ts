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

/**
 * openpay-api.txt, Códigos de error. Only the codes a payout, a payout lookup or the merchant read can produce are
 * named; the rest fall back to the HTTP status.
 */
const KIND_BY_CODE: Record<string, ProviderErrorKind> = {
  '1001': 'validation', // 400: not JSON, wrong formats or required fields missing
  '1002': 'authentication', // 401: not authenticated or wrong credentials
  '1003': 'validation', // 422: a parameter value is not correct
  '1005': 'not_found', // 404: a required resource does not exist
  '1006': 'duplicate_reference', // 409: "Ya existe una transacción con el mismo ID de orden"
  '1007': 'account_rejected', // 402: the transfer between the bank account and Openpay was not accepted
  '1008': 'account_rejected', // 423: one of the accounts in the request is deactivated
  '1009': 'validation', // 413: request body too large
  '1010': 'authentication', // 403: public key used where the private one is required
  '4001': 'insufficient_funds', // 412: "La cuenta de Openpay no tiene fondos suficientes"
};

/** The code and description from an Openpay error object ({category, description, http_code, error_code, request_id}). */
export function openpayErrorWords(body: unknown): ProviderWords {
  const error = asRecord(body);
  const words: ProviderWords = {};
  const code = asString(error?.error_code);
  const description = asString(error?.description);
  if (code) words.providerCode = code;
  if (description) words.providerMessage = description;
  return words;
}

/**
 * Maps an Openpay error answer. 429/5xx follow the shared policy (http-status-error.ts: 1004/503 retryable, 1000/500
 * on a payout outcome-unknown). 1006 is special: the order_id already names a transaction — very likely our own
 * earlier attempt whose answer was lost — so it is reported as outcomeUnknown: the row is settled by findPayout (which
 * looks the payout up), never marked failed while the money may have left.
 */
export function openpayError(status: number, body: unknown, headers: HttpHeaders, context: ErrorContext, label = 'openpay'): ProviderError {
  const words = openpayErrorWords(body);
  const common = rateLimitOrServerError(status, headers, context, words, label);
  if (common) return common;
  const kind = (words.providerCode && KIND_BY_CODE[words.providerCode]) || kindForStatus(status);
  return clientError(kind, status, words, label, { outcomeUnknown: kind === 'duplicate_reference' && context.moneyMoving });
}
