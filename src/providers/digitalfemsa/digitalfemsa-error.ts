import type { ProviderError } from '../provider-error.ts';
import { conektaStyleError } from '../conekta/conekta-error.ts';
import type { ErrorContext, HttpHeaders } from '../http-status-error.ts';

/**
 * Digital FEMSA runs on Conekta's platform (same Basic key_… auth, same vendor Accept header scheme, same
 * `{object:'error', type, details[]}` error object); digitalfemsa-cashout.txt documents no errors of its own, so the
 * Conekta types are read the same way: processing_error is the balance being short for the order ("Insufficient
 * funds"), "The customer could not be found" is not_found.
 */
export function digitalfemsaError(status: number, body: unknown, headers: HttpHeaders, context: ErrorContext, label = 'digitalfemsa'): ProviderError {
  return conektaStyleError(status, body, headers, context, label);
}
