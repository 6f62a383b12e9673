import { mapConektaStatus } from './map-conekta-response.ts';
import { mapFemsaStatus } from '../digitalfemsa/map-digitalfemsa-response.ts';
import { asRecord, asString } from '../http-status-error.ts';
import { malformed, nonEmptyString, unixDate, type ParsedEvent, type PayoutEvent } from '../../webhooks/payout-event.ts';

/**
 * A Conekta event (conekta-dispersion.txt, "Recibir notificaciones" and "Consulta de Dispersión"):
 * `{data: {object: <transfer>, previous_attributes}, id, object: 'event', type, created_at}` with
 * type payout.created / payout.paid_out / payout.failed and created_at in Unix seconds. The same doc shows the
 * payout.created and payout.paid_out notifications as the bare transfer object (no envelope, no type, no event
 * time), so a bare transfer is read too.
 *
 * Digital FEMSA (same company family, digitalfemsa-cashout.txt documents no events) is read the same way, its
 * object being a payout_order (or one of its payouts, which names the order in payout_order_id).
 *
 * The state comes from the object's status (the payout as of the event); the type decides only when the status is
 * missing. The doc's own "payout.paid_out" example shows status in_transit: read as pending, never as paid on the
 * strength of the type alone (only an explicit final status is final).
 */
export function parseConektaEvent(body: unknown, provider: 'conekta' | 'digitalfemsa' = 'conekta'): ParsedEvent {
  const envelope = asRecord(body);
  if (!envelope) return malformed('the body is not a JSON object');

  const bare = envelope.object === 'transfer' || envelope.object === 'payout_order' || envelope.object === 'payout';
  const type = bare ? String(envelope.object) : nonEmptyString(envelope.type);
  if (!type) return malformed('the event has no type');
  if (!bare && !isPayoutType(type, provider)) return { kind: 'ignore', type, reason: 'not a payout event' };

  const object = bare ? envelope : asRecord(asRecord(envelope.data)?.object);
  if (!object) return malformed(`${type} without data.object`);
  // A FEMSA payout (cash-out of an order) names its order; the ledger knows the order id.
  const payoutId = provider === 'digitalfemsa' && object.object === 'payout' ? nonEmptyString(object.payout_order_id) : nonEmptyString(object.id);
  if (!payoutId) return malformed(`${type} object without an id`);
  const providerStatus = asString(object.status) ?? statusOfType(type, provider);
  if (!providerStatus) return malformed(`${type} object without a status`);

  const event: PayoutEvent = {
    provider,
    payoutId,
    state: provider === 'digitalfemsa' ? mapFemsaStatus(providerStatus).state : mapConektaStatus(providerStatus),
    providerStatus,
    type,
  };
  if (!bare) {
    const occurredAt = eventTime(envelope.created_at, object.created_at);
    if (occurredAt) event.occurredAt = occurredAt;
    const eventId = nonEmptyString(envelope.id);
    if (eventId) event.eventId = eventId;
  }
  const reference = nonEmptyString(asRecord(object.metadata)?.order_id);
  if (reference) event.reference = reference;
  const reason = nonEmptyString(object.failure_reason) ?? nonEmptyString(object.failure_message);
  if (event.state === 'failed' && reason) event.failureMessage = reason;
  return { kind: 'payout', event };
}

function isPayoutType(type: string, provider: 'conekta' | 'digitalfemsa'): boolean {
  return type.startsWith('payout.') || (provider === 'digitalfemsa' && type.startsWith('payout_order.'));
}

/**
 * The event's created_at. An event cannot precede the payout it reports: a time before the object's own created_at
 * is not trusted (the doc's payout.failed example carries created_at 16019106 for a transfer of 1601910621), and
 * an event without a usable time is applied by state alone.
 */
function eventTime(eventCreatedAt: unknown, objectCreatedAt: unknown): Date | undefined {
  const at = unixDate(eventCreatedAt);
  const created = unixDate(objectCreatedAt);
  if (at && created && at.getTime() < created.getTime()) return undefined;
  return at;
}

function statusOfType(type: string, provider: 'conekta' | 'digitalfemsa'): string | undefined {
  const suffix = type.slice(type.indexOf('.') + 1);
  if (provider === 'conekta') return ['created', 'paid_out', 'failed'].includes(suffix) ? (suffix === 'created' ? 'pending' : suffix) : undefined;
  return ['paid', 'expired', 'cancelled', 'failed'].includes(suffix) ? suffix : suffix === 'created' ? 'pending' : undefined;
}
