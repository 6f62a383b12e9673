import { mapZenriseStatus } from './map-zenrise-response.ts';
import { asRecord, asString } from '../http-status-error.ts';
import { isoDate, malformed, nonEmptyString, type ParsedEvent, type PayoutEvent } from '../../webhooks/payout-event.ts';

const TRANSFER_EVENTS = ['transfer.create', 'transfer.update', 'transfer.finish'];

/**
 * A Zenrise webhook. zenrise-payouts.txt names the webhooks and the transfer lifecycle (Pending → InProgress →
 * Accredited | Fail) but shows no JSON; the shape is the simulator's (README-section.md, "Webhooks"):
 * `{event: 'transfer.create'|'transfer.update'|'transfer.finish', data: <transfer request>, sentAt}`.
 * The event time is the transfer's own updatedAt (when its status changed), else sentAt: a redelivered old event
 * keeps its old updatedAt, so it cannot overwrite a newer state.
 */
export function parseZenriseEvent(body: unknown): ParsedEvent {
  const envelope = asRecord(body);
  if (!envelope) return malformed('the body is not a JSON object');
  const type = nonEmptyString(envelope.event);
  if (!type) return malformed('the event has no name (event)');
  if (!TRANSFER_EVENTS.includes(type)) return { kind: 'ignore', type, reason: 'not a transfer event' };

  const data = asRecord(envelope.data);
  if (!data) return malformed(`${type} without data`);
  const payoutId = nonEmptyString(data.id);
  if (!payoutId) return malformed(`${type} data without an id`);
  // transfer.finish does not say which end it reached: without a status the event cannot be applied.
  const providerStatus = nonEmptyString(asString(data.status));
  if (!providerStatus) return malformed(`${type} data without a status`);

  const event: PayoutEvent = { provider: 'zenrise', payoutId, state: mapZenriseStatus(providerStatus), providerStatus, type };
  const occurredAt = isoDate(data.updatedAt) ?? isoDate(envelope.sentAt);
  if (occurredAt) event.occurredAt = occurredAt;
  const eventId = nonEmptyString(envelope.id);
  if (eventId) event.eventId = eventId;
  const reference = nonEmptyString(data.externalReference);
  if (reference) event.reference = reference;
  const reason = nonEmptyString(data.failureReason);
  if (event.state === 'failed' && reason) event.failureMessage = reason;
  return { kind: 'payout', event };
}
