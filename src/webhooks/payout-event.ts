import type { ProviderId } from '../domain/provider-id.ts';

/** One provider event about one payout, mapped: what the ledger needs to apply it, nothing else. */
export interface PayoutEvent {
  provider: ProviderId;
  /** The provider's payout id (Openpay transaction id, Conekta transfer id, FEMSA payout_order id, Zenrise request id). */
  payoutId: string;
  state: 'pending' | 'paid' | 'failed';
  /** The provider's own status word, kept on the row (in_progress, paid_out, Accredited …). */
  providerStatus: string;
  /** When the provider says the event happened: orders events, so an older one never overwrites a newer state. */
  occurredAt?: Date;
  eventId?: string;
  /** The provider's event name (payout.paid_out, transfer.finish …). */
  type: string;
  /** The order id the request carried (order_id / metadata.order_id / externalReference), to recognise our rows. */
  reference?: string;
  failureMessage?: string;
}

/**
 * What a body turned out to be. Parsers never throw on provider input: a body that is not an event is `malformed`
 * (answered 400), an event about something else is `ignore` (answered 200, so the provider stops sending it).
 */
export type ParsedEvent =
  | { kind: 'payout'; event: PayoutEvent }
  | { kind: 'ignore'; type: string; reason: string; verificationCode?: string }
  | { kind: 'malformed'; reason: string };

export function malformed(reason: string): ParsedEvent {
  return { kind: 'malformed', reason };
}

/** A date from an ISO 8601 string, or undefined when it is absent or not a date. */
export function isoDate(value: unknown): Date | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** A date from Unix seconds, or undefined. */
export function unixDate(value: unknown): Date | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return undefined;
  return new Date(value * 1000);
}

export function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}
