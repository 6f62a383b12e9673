import type { ProviderId } from '../domain/provider-id.ts';

/**
 * Every status word each provider documents, lower case. The response mappers read any other word as not final
 * (`pending`), which keeps money safe but hides that the provider said something we do not understand: a row whose
 * provider status is not listed here needs a person (exit 3), and the summary says which words were seen.
 */
const KNOWN: Record<ProviderId, readonly string[]> = {
  // openpay-api.txt, Objeto Transacción: completed, in_progress, failed (+ cancelled, read as failed).
  openpay: ['completed', 'in_progress', 'pending', 'failed', 'cancelled', 'canceled'],
  // conekta-dispersion.txt: pending, in_transit, paid_out, failed.
  conekta: ['pending', 'in_transit', 'paid_out', 'failed'],
  // digitalfemsa-cashout.txt: pending; the paid, expired and cancelled words of map-digitalfemsa-response.ts.
  digitalfemsa: ['pending', 'paid', 'paid_out', 'claimed', 'closed', 'completed', 'expired', 'cancelled', 'canceled', 'failed'],
  // zenrise-payouts.txt, Ciclo de vida de una Transferencia: Pending, InProgress, Fail, Accredited.
  zenrise: ['pending', 'inprogress', 'accredited', 'fail', 'failed'],
};

/** True when the provider documents this status word (case-insensitive); no word at all is not a word to flag. */
export function isKnownProviderStatus(provider: ProviderId, status: string | undefined): boolean {
  if (status === undefined || status === '') return true;
  return KNOWN[provider].includes(status.toLowerCase());
}
