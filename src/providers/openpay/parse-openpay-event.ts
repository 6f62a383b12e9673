import { mapOpenpayStatus } from './map-openpay-response.ts';
import { asRecord, asString } from '../http-status-error.ts';
import { isoDate, malformed, nonEmptyString, type ParsedEvent, type PayoutEvent } from '../../webhooks/payout-event.ts';

/**
 * An Openpay notification (openpay.mx/docs/webhooks.html, "Objeto Webhook"): `{type, event_date, transaction}`,
 * event_date ISO 8601 with offset ("2013-11-22T15:09:38-06:00"). Payout events are payout.created,
 * payout.succeeded and payout.failed; the `verification` notification carries `verification_code` and no
 * transaction — it only has to be acknowledged. Other types (charge.*, …) are not about payouts.
 * The state comes from transaction.status (the payout as of the event), the type only when status is missing.
 */
export function parseOpenpayEvent(body: unknown): ParsedEvent {
  const envelope = asRecord(body);
  if (!envelope) return malformed('the body is not a JSON object');
  const type = nonEmptyString(envelope.type);
  if (!type) return malformed('the event has no type');
  if (type === 'verification') {
    const code = asString(envelope.verification_code);
    return { kind: 'ignore', type, reason: 'webhook verification', ...(code ? { verificationCode: code } : {}) };
  }
  if (!type.startsWith('payout.')) return { kind: 'ignore', type, reason: 'not a payout event' };

  const tx = asRecord(envelope.transaction);
  if (!tx) return malformed(`${type} without a transaction`);
  const payoutId = nonEmptyString(tx.id);
  if (!payoutId) return malformed(`${type} transaction without an id`);
  const providerStatus = asString(tx.status) ?? statusOfType(type);
  if (!providerStatus) return malformed(`${type} transaction without a status`);

  const event: PayoutEvent = {
    provider: 'openpay',
    payoutId,
    state: mapOpenpayStatus(providerStatus),
    providerStatus,
    type,
  };
  const occurredAt = isoDate(envelope.event_date);
  if (occurredAt) event.occurredAt = occurredAt;
  const eventId = nonEmptyString(envelope.id);
  if (eventId) event.eventId = eventId;
  const reference = nonEmptyString(tx.order_id);
  if (reference) event.reference = reference;
  const errorMessage = nonEmptyString(tx.error_message);
  if (event.state === 'failed' && errorMessage) event.failureMessage = errorMessage;
  return { kind: 'payout', event };
}

/** The status a payout event implies when its transaction omits one; undefined for events that imply none. */
function statusOfType(type: string): string | undefined {
  switch (type) {
    case 'payout.succeeded':
      return 'completed';
    case 'payout.failed':
      return 'failed';
    case 'payout.created':
      return 'in_progress';
    default:
      return undefined;
  }
}
