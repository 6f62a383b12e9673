/**
 * A failed call to a provider. The error decides what happens next (vercel/ai APICallError.isRetryable,
 * stripe-node shouldRetry):
 *  - retryable: sending the same request again is safe and may succeed (5xx before commit, 429, network error
 *    before the request left);
 *  - outcomeUnknown: the request may have been performed (timeout or connection lost after it left, a 5xx on a
 *    money-moving call); the row must be settled by lookup, never blindly resent;
 *  - retryAfterMs: the provider asked us to wait (Retry-After).
 * The provider's own code and message are kept for the results file.
 */
export type ProviderErrorKind =
  | 'authentication'
  | 'validation'
  | 'insufficient_funds'
  | 'not_found'
  | 'duplicate_reference'
  | 'account_rejected'
  | 'rate_limited'
  | 'server'
  | 'network'
  | 'timeout'
  | 'bad_response';

export interface ProviderErrorInit {
  kind: ProviderErrorKind;
  message: string;
  retryable: boolean;
  outcomeUnknown: boolean;
  retryAfterMs?: number;
  httpStatus?: number;
  /** The provider's own error code (Openpay error_code, Conekta type/code, Zenrise message …). */
  providerCode?: string;
  providerMessage?: string;
  cause?: unknown;
}

export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  readonly kind: ProviderErrorKind;
  readonly retryable: boolean;
  readonly outcomeUnknown: boolean;
  readonly retryAfterMs: number | undefined;
  readonly httpStatus: number | undefined;
  readonly providerCode: string | undefined;
  readonly providerMessage: string | undefined;

  constructor(init: ProviderErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.retryable = init.retryable;
    this.outcomeUnknown = init.outcomeUnknown;
    this.retryAfterMs = init.retryAfterMs;
    this.httpStatus = init.httpStatus;
    this.providerCode = init.providerCode;
    this.providerMessage = init.providerMessage;
  }
}

export function isProviderError(error: unknown): error is ProviderError {
  return error instanceof ProviderError;
}
