import { ProviderError, type ProviderErrorKind } from './provider-error.ts';

/** Response headers as undici hands them over (lower-cased names). */
export type HttpHeaders = Record<string, string | string[] | undefined>;

/** What each provider's error mapper needs besides the response itself. */
export interface ErrorContext {
  /**
   * The call moves money (create payout / transfer / payout_order / transfer request). Decides whether a 5xx may
   * have committed: on a read or a recipient registration a 5xx is just retryable.
   */
  moneyMoving: boolean;
  /** For Retry-After given as an HTTP date. */
  now: Date;
}

/** The provider's own words about a failure, extracted by each provider's mapper. */
export interface ProviderWords {
  providerCode?: string;
  providerMessage?: string;
}

export function headerValue(headers: HttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Retry-After (RFC 9110 §10.2.3) is either delay-seconds or an HTTP date. Returns milliseconds from `now`, 0 for a
 * date in the past, undefined when absent or unreadable.
 */
export function parseRetryAfterMs(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

/**
 * The part of error mapping that is the same at every provider: 429 and 5xx. Returns undefined for any other
 * status, which the provider's own mapper then reads.
 *
 * The policy for 5xx (one place, so the four providers cannot drift apart):
 *  - 429 and 503: the provider refused before doing anything (rate limit / service unavailable, Openpay 1004) →
 *    retryable, outcome known (not performed). Retry-After honoured when given.
 *  - any other 5xx (500, 502, 504 …) on a read or a recipient registration → retryable.
 *  - any other 5xx on a money-moving call → outcomeUnknown and NOT retryable: a 500 may come after the commit, and a
 *    502/504 from a gateway says nothing about what the upstream did. The row is settled by findPayout first.
 */
export function rateLimitOrServerError(
  status: number,
  headers: HttpHeaders,
  context: ErrorContext,
  words: ProviderWords,
  label: string,
): ProviderError | undefined {
  const retryAfterMs = parseRetryAfterMs(headerValue(headers, 'retry-after'), context.now);
  const common = { httpStatus: status, retryAfterMs, ...words };
  if (status === 429) {
    return new ProviderError({
      kind: 'rate_limited',
      message: `${label}: rate limited (HTTP 429)${describe(words)}`,
      retryable: true,
      outcomeUnknown: false,
      ...common,
    });
  }
  if (status === 503) {
    return new ProviderError({
      kind: 'server',
      message: `${label}: service unavailable (HTTP 503)${describe(words)}`,
      retryable: true,
      outcomeUnknown: false,
      ...common,
    });
  }
  if (status >= 500 && status <= 599) {
    return new ProviderError({
      kind: 'server',
      message: `${label}: server error (HTTP ${status})${describe(words)}${
        context.moneyMoving ? '; the payout may have been created' : ''
      }`,
      retryable: !context.moneyMoving,
      outcomeUnknown: context.moneyMoving,
      ...common,
    });
  }
  return undefined;
}

/** A definitive 4xx answer: not performed, not worth resending unchanged. */
export function clientError(
  kind: ProviderErrorKind,
  status: number,
  words: ProviderWords,
  label: string,
  extra: { outcomeUnknown?: boolean } = {},
): ProviderError {
  return new ProviderError({
    kind,
    message: `${label}: ${kind.replace(/_/g, ' ')} (HTTP ${status})${describe(words)}`,
    retryable: false,
    outcomeUnknown: extra.outcomeUnknown ?? false,
    httpStatus: status,
    ...words,
  });
}

/** The provider's code and message, for error messages. */
function describe(words: ProviderWords): string {
  const parts = [words.providerCode, words.providerMessage].filter((p): p is string => Boolean(p));
  return parts.length ? `: ${parts.join(' ')}` : '';
}

/** The generic kind of an unexpected 4xx, when the provider's body says nothing more precise. */
export function kindForStatus(status: number): ProviderErrorKind {
  if (status === 401 || status === 403) return 'authentication';
  if (status === 404) return 'not_found';
  if (status === 409) return 'duplicate_reference';
  return 'validation';
}

/** Reads `value` as a plain object, or undefined: provider bodies are read leniently, field by field. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

export function asString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * The provider answered with a success status but a body we cannot read. On a money-moving call the payout was
 * accepted but we do not know as what, so the row is settled by lookup like a lost answer.
 */
export function badResponseError(label: string, detail: string, moneyMoving: boolean, status?: number): ProviderError {
  return new ProviderError({
    kind: 'bad_response',
    message: `${label}: unreadable answer: ${detail}`,
    retryable: false,
    outcomeUnknown: moneyMoving,
    httpStatus: status,
  });
}

/**
 * Runs a response mapper on a success answer. The mappers throw bad_response without knowing the call; on a
 * money-moving call an unreadable acceptance leaves the outcome unknown (badResponseError).
 */
export function mapAnswer<T>(map: () => T, label: string, moneyMoving: boolean): T {
  try {
    return map();
  } catch (error) {
    if (error instanceof ProviderError && error.kind === 'bad_response') throw badResponseError(label, error.message, moneyMoving);
    throw error;
  }
}
