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
 * The Conekta error object (conekta-dispersion.txt, Errores): `{object:'error', type, log_id, details:[{code,
 * message, debug_message, param}]}`. providerCode is the documented `type`; the first detail's message (falling back
 * to its debug_message) is the provider's words. Digital FEMSA, on the same platform, answers the same way.
 */
export function conektaErrorWords(body: unknown): ProviderWords & { detailCode?: string } {
  const error = asRecord(body);
  const detail = Array.isArray(error?.details) ? asRecord(error.details[0]) : undefined;
  const words: ProviderWords & { detailCode?: string } = {};
  const type = asString(error?.type);
  const message = asString(detail?.message)?.trim() || asString(detail?.debug_message)?.trim() || asString(error?.message)?.trim();
  const code = asString(detail?.code)?.trim();
  if (type) words.providerCode = type;
  if (message) words.providerMessage = message;
  if (code) words.detailCode = code;
  return words;
}

/** A not-found reported as a parameter error ("The payee could not be found"). */
function saysNotFound(words: { providerMessage?: string; detailCode?: string }): boolean {
  return /not[ _]?found|could not be found/i.test(`${words.providerMessage ?? ''} ${words.detailCode ?? ''}`);
}

/**
 * conekta-dispersion.txt, Descripción de errores:
 *   authentication_error → authentication ("Unrecognized access key")
 *   processing_error → insufficient_funds (the one documented processing_error: "Insufficient funds")
 *   parameter_validation_error → validation, except "The payee could not be found" → not_found
 *   resource_not_found_error → not_found; api_error → server
 * 429/5xx follow the shared policy (http-status-error.ts).
 */
export function conektaStyleError(
  status: number,
  body: unknown,
  headers: HttpHeaders,
  context: ErrorContext,
  label: string,
  kindByType: Record<string, ProviderErrorKind> = CONEKTA_KIND_BY_TYPE,
): ProviderError {
  const { detailCode, ...words } = conektaErrorWords(body);
  const common = rateLimitOrServerError(status, headers, context, words, label);
  if (common) return common;
  let kind = (words.providerCode && kindByType[words.providerCode]) || kindForStatus(status);
  if (kind === 'validation' && (status === 404 || saysNotFound({ ...words, detailCode }))) kind = 'not_found';
  return clientError(kind, status, words, label);
}

export const CONEKTA_KIND_BY_TYPE: Record<string, ProviderErrorKind> = {
  authentication_error: 'authentication',
  processing_error: 'insufficient_funds',
  parameter_validation_error: 'validation',
  resource_not_found_error: 'not_found',
  api_error: 'server',
};

export function conektaError(status: number, body: unknown, headers: HttpHeaders, context: ErrorContext, label = 'conekta'): ProviderError {
  return conektaStyleError(status, body, headers, context, label);
}
