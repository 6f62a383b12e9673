import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { isProviderId, type ProviderId } from '../domain/provider-id.ts';
import { createLogger } from '../log/logger.ts';
import { followPayoutEvent, type EventLedger, type FollowOutcome, type PayoutFetcher } from './follow-payout-event.ts';
import { getProviderModule } from '../providers/registry.ts';
import type { ParsedEvent } from './payout-event.ts';
import { createUnverifiedBudget } from './unverified-budget.ts';
import { checkAuthenticity, type Authenticity, type WebhookVerifier } from './webhook-auth.ts';

export const DEFAULT_MAX_BODY_BYTES = 1 << 20;
/** Unverified events followed per second and provider (each costs one provider API call). */
export const DEFAULT_UNVERIFIED_PER_SECOND = 5;
/** Seconds a provider is asked to wait before redelivering an event that overtook the dispatcher's own record. */
const REDELIVER_AFTER_SECONDS = 5;

export interface WebhookReceiverOptions {
  ledger: EventLedger;
  /** Asks the provider for the payout an event names; what it answers is what is recorded. */
  fetchPayout: PayoutFetcher;
  /** Per provider, how its events prove where they come from (absent: every event is unverified). */
  verifiers?: Partial<Record<ProviderId, WebhookVerifier>>;
  /** Unverified events followed per second and provider; beyond it they are answered 429. */
  unverifiedPerSecond?: number;
  /** 0 = a free port. */
  port: number;
  host?: string;
  logger?: Logger;
  maxBodyBytes?: number;
  /**
   * Routes POSTs on any other path by the simulator's `x-simulator-provider` header (default true). A receiver for
   * sandbox or live turns it off: real providers post to /webhooks/{provider}, and a header anyone can set must not
   * pick which provider's rules an event is judged by.
   */
  simulatorRouting?: boolean;
  /** Told about every request once its answer is decided (tests wait on it instead of on time). */
  onHandled?: (handled: HandledRequest) => void;
}

export interface HandledRequest {
  provider?: ProviderId;
  /** 0 when the sender hung up before its body was read. */
  httpStatus: number;
  /** What the body was, when it was read. */
  parsed?: ParsedEvent;
  /** Whether the request proved it came from the provider. */
  authenticity?: Authenticity;
  /** What following the event did, for payout events. */
  outcome?: FollowOutcome;
}

export interface WebhookReceiver {
  /** http://HOST:PORT */
  url: string;
  /** Stops accepting connections and waits for the requests in flight. Idempotent. */
  close(): Promise<void>;
}

/**
 * Receives provider events and follows each one up at the provider: an event only says which payout to look at;
 * the payout is fetched from the provider's API and what the provider shows is recorded (follow-payout-event.ts).
 *
 * Routes: POST /webhooks/{openpay|conekta|digitalfemsa|zenrise}[/{token}], and POST / (or any other path) with the
 * simulator's `x-simulator-provider` header (its --webhook-url posts there; only while simulatorRouting is on).
 * GET /healthz answers 200.
 *
 * Authenticity (webhook-auth.ts) decides trust, not content: a request whose proof fails (wrong Basic credentials,
 * a DIGEST that does not verify, a wrong path token) is answered 401 and nothing is fetched; an unverified one (no
 * proof, or none configured) is followed only within a per-provider budget and answered 429 beyond it, so a forged
 * flood cannot spend the provider's rate limit.
 *
 * Answers, chosen for providers that redeliver until they get a 2xx (Openpay: "intentará entregar la notificación
 * hasta recibir una respuesta de éxito", openpay.mx/docs/webhooks.html; Conekta keeps webhook_logs with
 * failed_attempts, conekta-dispersion.txt):
 *  - 200 for an event applied, repeated or older (the ledger ignores those), an event about something else, a
 *    verification ping, and an event for a payout the ledger does not know (no row has its id or reference):
 *    redelivering those can never change the answer, so the provider must not keep trying;
 *  - 503 + Retry-After when the event names one of our rows by reference but the row has no payout id yet — the
 *    dispatcher records outcomes in groups, so an event can overtake it; a redelivery finds the id. Also 503 when the
 *    ledger itself fails (busy, closing): nothing was recorded, so the event must come again;
 *  - 400 for a body that is not an event (bad JSON, missing id or status), 413 above the size limit, 404 for other
 *    paths. A failure of one request never reaches the others: every handler is wrapped.
 */
export async function startWebhookReceiver(options: WebhookReceiverOptions): Promise<WebhookReceiver> {
  const host = options.host ?? '127.0.0.1';
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const logger = options.logger ?? createLogger({ stderr: false });
  const budget = createUnverifiedBudget(options.unverifiedPerSecond ?? DEFAULT_UNVERIFIED_PER_SECOND);

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.error({ event: 'webhook_error', message: errorMessage(error) }, 'unexpected failure while handling a webhook');
      if (!res.headersSent) answer(res, 500, { error: 'internal error' });
      else res.end();
    });
  });
  // A webhook body is small: a sender that trickles it is cut off rather than holding a socket.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;

  const done = (handled: HandledRequest) => {
    try {
      options.onHandled?.(handled);
    } catch {
      // A listener's failure is not the provider's problem.
    }
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'GET' && path === '/healthz') return answer(res, 200, { ok: true });

    const { provider, pathToken } = routeOf(path, options.simulatorRouting === false ? undefined : req.headers['x-simulator-provider']);
    if (provider === undefined) {
      req.resume();
      answer(res, 404, { error: 'unknown webhook path; use /webhooks/{openpay|conekta|digitalfemsa|zenrise}' });
      return done({ httpStatus: 404 });
    }
    if (req.method !== 'POST') {
      req.resume();
      res.setHeader('allow', 'POST');
      answer(res, 405, { error: 'webhooks are POSTed' });
      return done({ provider, httpStatus: 405 });
    }

    let body: Buffer | 'too_large';
    try {
      body = await readBody(req, maxBodyBytes);
    } catch (error) {
      // Nothing was applied; the provider sees a failed delivery and sends it again.
      logger.warn({ event: 'webhook_aborted', provider, message: errorMessage(error) });
      res.destroy();
      return done({ provider, httpStatus: 0 });
    }
    if (body === 'too_large') {
      logger.warn({ event: 'webhook_rejected', provider, reason: 'body too large', limit: maxBodyBytes });
      answer(res, 413, { error: `body larger than ${maxBodyBytes} bytes` });
      return done({ provider, httpStatus: 413 });
    }
    const authenticity = checkAuthenticity(options.verifiers?.[provider], { headers: req.headers, body, ...(pathToken !== undefined ? { pathToken } : {}) });
    if (authenticity.verdict === 'forged') {
      logger.warn({ event: 'webhook_forged', provider, reason: authenticity.reason, from: req.socket.remoteAddress }, 'the request carries a proof that fails; refused, nothing fetched');
      answer(res, 401, { error: 'not authenticated' });
      return done({ provider, httpStatus: 401, authenticity });
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      logger.warn({ event: 'webhook_rejected', provider, reason: 'body is not JSON', bytes: body.length });
      answer(res, 400, { error: 'body is not JSON' });
      return done({ provider, httpStatus: 400 });
    }

    const parsed = getProviderModule(provider).parseWebhook(json);
    if (parsed.kind === 'malformed') {
      logger.warn({ event: 'webhook_rejected', provider, reason: parsed.reason });
      answer(res, 400, { error: parsed.reason });
      return done({ provider, httpStatus: 400, parsed });
    }
    if (parsed.kind === 'ignore') {
      // Openpay's verification code must be typed into its dashboard to activate the webhook: it is logged for that.
      logger.info({ event: 'webhook_ignored', provider, type: parsed.type, reason: parsed.reason, ...(parsed.verificationCode ? { verificationCode: parsed.verificationCode } : {}) });
      answer(res, 200, { received: true, ignored: parsed.reason });
      return done({ provider, httpStatus: 200, parsed });
    }

    const event = parsed.event;
    const fields = { provider, verified: authenticity.verdict === 'verified', type: event.type, payoutId: event.payoutId, eventId: event.eventId, claimed: event.providerStatus, occurredAt: event.occurredAt?.toISOString() };
    if (authenticity.verdict === 'unverified' && !budget.take(provider)) {
      logger.warn({ event: 'webhook_over_budget', ...fields, reason: authenticity.reason }, 'unverified events above the budget are not followed; the provider is asked to send it again later');
      res.setHeader('retry-after', '1');
      answer(res, 429, { error: 'too many unverified events; send again later' });
      return done({ provider, httpStatus: 429, parsed, authenticity });
    }
    let outcome: FollowOutcome;
    try {
      outcome = await followPayoutEvent(options.ledger, options.fetchPayout, event);
    } catch (error) {
      logger.error({ event: 'webhook_ledger_error', ...fields, message: errorMessage(error) }, 'the ledger could not record the event; the provider is asked to send it again');
      res.setHeader('retry-after', String(REDELIVER_AFTER_SECONDS));
      answer(res, 503, { error: 'ledger unavailable; send again' });
      return done({ provider, httpStatus: 503, parsed, authenticity });
    }

    const status = statusFor(outcome);
    switch (outcome.kind) {
      case 'applied':
        logger.info({ event: 'webhook_applied', ...fields, row: outcome.rowId, batch: outcome.batchId, changed: outcome.changed, status: outcome.status, providerStatus: outcome.providerStatus, ignored: outcome.ignored });
        break;
      case 'provider_unavailable':
        logger.warn({ event: 'webhook_provider_unavailable', ...fields, row: outcome.rowId, batch: outcome.batchId, message: outcome.message }, 'the provider could not be asked about the payout; nothing recorded, the provider is asked to send the event again');
        res.setHeader('retry-after', String(REDELIVER_AFTER_SECONDS));
        break;
      case 'provider_has_no_payout':
        logger.error({ event: 'webhook_provider_has_no_payout', ...fields, row: outcome.rowId, batch: outcome.batchId, status: outcome.status }, 'the provider has no payout with the id the ledger holds; check it at the provider');
        break;
      case 'not_recorded_yet':
        logger.warn({ event: 'webhook_early', ...fields, row: outcome.rowId, batch: outcome.batchId, status: outcome.status }, 'the row has no payout id yet; asking the provider to send the event again');
        res.setHeader('retry-after', String(REDELIVER_AFTER_SECONDS));
        break;
      case 'unknown_payout':
        logger.warn({ event: 'webhook_unknown_payout', ...fields, reference: event.reference }, 'no row has this payout id or reference; acknowledged and dropped');
        break;
      case 'unaccounted_payout':
        logger.error(
          {
            event: 'webhook_unaccounted_payout',
            ...fields,
            reference: event.reference,
            row: outcome.rowId,
            batch: outcome.batchId,
            status: outcome.status,
            rowPayoutId: outcome.rowPayoutId,
            providerPayoutId: outcome.providerPayoutId,
            providerStatus: outcome.providerStatus,
            recorded: outcome.recorded,
          },
          'the provider has a payout under this reference that the ledger does not account for; kept for report\'s exceptions, check it at the provider',
        );
        break;
      case 'illegal':
        logger.warn({ event: 'webhook_illegal_transition', ...fields, row: outcome.rowId, batch: outcome.batchId, from: outcome.from, to: outcome.to }, 'the ledger refuses this event for the row; acknowledged and dropped');
        break;
    }
    answer(res, status, { received: true, outcome: outcome.kind, ...(outcome.kind === 'applied' ? { changed: outcome.changed } : {}) });
    done({ provider, httpStatus: status, parsed, authenticity, outcome });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

function statusFor(outcome: FollowOutcome): number {
  return outcome.kind === 'not_recorded_yet' || outcome.kind === 'provider_unavailable' ? 503 : 200;
}

function routeOf(path: string, header: string | string[] | undefined): { provider?: ProviderId; pathToken?: string } {
  const match = /^\/webhooks\/([a-z]+)(?:\/([^/]+))?\/?$/.exec(path);
  if (match) {
    const provider = match[1] !== undefined && isProviderId(match[1]) ? match[1] : undefined;
    return { ...(provider ? { provider } : {}), ...(match[2] !== undefined ? { pathToken: safeDecode(match[2]) } : {}) };
  }
  // The simulator posts every provider's events to its one --webhook-url, naming the provider in a header; the URL
  // is the operator's choice (http://host:4020/ or …/hooks), so the header routes on any other path.
  if (typeof header === 'string' && isProviderId(header)) return { provider: header };
  return {};
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The whole body, or 'too_large' once it passes the limit (the rest is read and dropped, never buffered). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too_large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.on('end', () => resolve(tooLarge ? 'too_large' : Buffer.concat(chunks)));
    req.on('error', reject);
    // A sender that hangs up mid-body: settle the promise so nothing waits on it forever.
    req.on('close', () => {
      if (!req.complete) reject(new Error('the sender closed the connection before the body was complete'));
    });
  });
}

function answer(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(body));
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
