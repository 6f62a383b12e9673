import { ProviderError } from './provider-error.ts';
import { asRecord, asString } from './http-status-error.ts';

/**
 * What Conekta and Digital FEMSA (one company family, one API style) share beyond HTTP: their webhook keys and the
 * `livemode` flag of their answers.
 */
/**
 * A `POST /webhook_keys` answer (Conekta, Digital FEMSA: `{id, object: "webhook_key", public_key, …}`): the key id
 * and the PEM public key that verifies the DIGEST header of the webhooks signed with it.
 */
export function mapWebhookKey(json: unknown): { id: string; publicKey: string } {
  const body = asRecord(json);
  const id = asString(body?.id);
  const publicKey = asString(body?.public_key);
  if (!id || !publicKey || !publicKey.includes('PUBLIC KEY')) throw new Error('expected {id, public_key: PEM}');
  return { id, publicKey };
}

/**
 * Conekta and Digital FEMSA answer with `livemode` (true for a live key, false for a test key) on one host for both:
 * a sandbox session whose key turns out live is stopped at its first non-money call, before any payout is sent with
 * it — a rehearsal must never move real money. (A live run answered `livemode: false` moves no money; it is left to
 * the operator, and is what a local test double of a live endpoint answers.)
 */
export function assertLivemode(environment: 'simulator' | 'sandbox' | 'live' | undefined, json: unknown, label: string): void {
  if (environment === undefined || environment === 'simulator') return;
  const livemode = asRecord(json)?.livemode;
  if (environment !== 'sandbox' || livemode !== true) return;
  throw new ProviderError({
    kind: 'authentication',
    message: `${label} answered livemode: true: the key is a live key, but this is a sandbox run; nothing is paid with it`,
    retryable: false,
    outcomeUnknown: false,
  });
}
