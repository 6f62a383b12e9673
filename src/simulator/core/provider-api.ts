import type { IncomingHttpHeaders } from 'node:http';
import type { ProviderId } from '../../domain/provider-id.ts';
import type { IdSource } from './ids.ts';
import type { PayoutBook, SimPayout } from './payout-book.ts';
import type { SimClock } from './sim-clock.ts';

/** What the simulator core hands a provider module: shared clock, ids, ledger, and the side channels. */
export interface SimContext {
  readonly clock: SimClock;
  readonly ids: IdSource;
  readonly book: PayoutBook;
  /** Simulated ms from acceptance to the final status. */
  readonly settleMs: number;
  /** Draws the settle_fail fault for a new payout (and counts it when it fires). */
  drawSettleFail(provider: ProviderId): boolean;
  /** Fire-and-forget POST to the webhook URL, if one is configured; the payload is built only then. */
  webhook(provider: ProviderId, payload: () => unknown): void;
  /**
   * Conekta / Digital FEMSA `POST /webhook_keys`: a new RSA key pair; the provider's later events carry a DIGEST
   * header signed with it. Returns the public half (PEM).
   */
  createWebhookKey(provider: ProviderId): { publicKeyPem: string };
}

export interface ApiRequest {
  readonly method: string;
  /** Decoded path segments after the provider prefix, without empty trailing segments. */
  readonly segments: readonly string[];
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** Parsed JSON body (see parseJsonExact); undefined when the request had none. */
  readonly body: unknown;
  /** "http://host:port" as the client addressed us, for absolute URLs in responses. */
  readonly origin: string;
}

export interface ApiCall extends ApiRequest {
  /** Who authenticated: the private key, or the Zenrise clientId. */
  readonly principal: string;
  /** The API version the client asked for (Conekta/FEMSA Accept header), if any. */
  readonly version?: string;
}

export interface ApiResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** A money movement was performed by this request (drop_after_commit may then drop the answer). */
  committed?: boolean;
}

export interface Route {
  /** Payout/transfer/payout-order creation: subject to timeout and drop_after_commit. */
  readonly moneyMoving: boolean;
  /** No authentication (Zenrise login). */
  readonly open?: boolean;
  handle(call: ApiCall): ApiResponse;
}

export type CoreError = 'http500' | 'http503' | 'http429' | 'not_found' | 'bad_json' | 'too_large';

/** The input of POST /__admin/mutate {create}: a payout made behind the client's back. */
export interface AdminCreate {
  amountMinor: number;
  /** CLABE (Openpay, Conekta), CBU/CVU/alias (Zenrise), email (FEMSA). */
  destination: string;
  reference?: string;
  /** Merchant id / private key / clientId; the simulator's default credentials when absent. */
  account?: string;
}

export interface ProviderApi {
  readonly id: ProviderId;
  match(method: string, segments: readonly string[]): Route | null;
  /** Checks credentials (and the API version where the provider requires one). */
  authenticate(request: ApiRequest): { principal: string; version?: string } | { response: ApiResponse };
  errorResponse(kind: CoreError, retryAfterSeconds?: number): ApiResponse;
  /** The status words a payout of this provider can have, and which of them are final. */
  readonly statuses: { readonly all: readonly string[]; readonly final: readonly string[] };
  adminCreate(input: AdminCreate): SimPayout | { error: string };
  /** Removes a payout from the provider's lookups (admin delete); the journal keeps it. */
  forget(payout: SimPayout): void;
}

export function json(status: number, body: unknown, committed = false): ApiResponse {
  return committed ? { status, body, committed } : { status, body };
}

/** Simulated ms → Unix seconds, as Conekta/FEMSA write times. */
export function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
