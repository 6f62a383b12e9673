import type { Minor } from '../domain/money.ts';
import type { Account } from '../domain/payout-row.ts';
import type { Currency, ProviderId } from '../domain/provider-id.ts';

/**
 * The one interface every provider adapter implements. Adapters are stateless translators (hyperswitch
 * connectors, vercel/ai providers): request mapping, response + status mapping, error mapping. They know nothing
 * of the ledger or of files; whatever must be remembered (payee ids, tokens) is handed in or handed back.
 * Every failure is thrown as a ProviderError (provider-error.ts).
 */
export interface PayoutProvider {
  readonly id: ProviderId;

  /**
   * Two-step providers (Conekta payee per CLABE, Digital FEMSA customer per email, Zenrise bank account per
   * CBU/CVU/alias) create the recipient once; the caller remembers the id under `recipientKey` and passes it back
   * in `PayoutInstruction.recipientId`. Absent for Openpay, which pays straight to a CLABE.
   */
  recipient?: {
    /** What identifies a recipient for this provider (the CLABE, the email, the account), for the caller's cache. */
    key(instruction: PayoutInstruction): string;
    create(session: ProviderSession, instruction: PayoutInstruction): Promise<{ recipientId: string }>;
  };

  /** Sends the money-moving request. Resolves only on an explicit acceptance by the provider. */
  createPayout(session: ProviderSession, instruction: PayoutInstruction): Promise<ProviderPayout>;

  /** The provider's current view of one payout. */
  getPayout(session: ProviderSession, payoutId: string): Promise<ProviderPayout>;

  /**
   * Settles an outcome that is unknown (timeout or lost connection after the request left): finds the payout this
   * instruction created, or resolves null when the provider positively has none. Throws when it cannot tell.
   *   Openpay: resend the same order_id (1006 = exists) and look it up; Zenrise: the same externalReference returns
   *   the existing request; Digital FEMSA: find the order by metadata; Conekta: list the payee's transfers since
   *   `since` and match the amount.
   * Safe to repeat, whatever the last call did (a resend of the same reference cannot pay twice): the dispatcher asks
   * again after a failure in transit (5xx, timeout, lost answer) instead of leaving the row unknown.
   */
  findPayout(session: ProviderSession, instruction: PayoutInstruction, since: Date): Promise<ProviderPayout | null>;

  /**
   * Conekta and Digital FEMSA only: they take no idempotency key, so a lost or empty ledger would make a second payout.
   * Every payout the provider shows created since `since` that carries one of our request keys in metadata, keyed by
   * it — one listing for all the rows of a dispatch, consulted before each row's first send. Throws when the listing
   * cannot be completed (the caller then sends none of those rows).
   */
  payoutsByRequestKey?(session: ProviderSession, since: Date): Promise<Map<string, ProviderPayout>>;

  /** Every payout the provider has in a period, for reconciliation. */
  listPayouts(session: ProviderSession, range: { from: Date; to: Date }): AsyncIterable<ProviderPayout>;

  /**
   * Conekta and Digital FEMSA: `POST /webhook_keys` makes the key their webhooks are signed with; the answer's
   * public key (PEM) verifies the DIGEST header.
   */
  createWebhookKey?(session: ProviderSession): Promise<{ id: string; publicKey: string }>;

  /** The account's available balance, where the provider reports one (Openpay); undefined otherwise. */
  getBalance(session: ProviderSession): Promise<{ amountMinor: Minor; currency: Currency } | undefined>;
}

/** What to pay: a validated row plus its durable request key and any remembered recipient id. */
export interface PayoutInstruction {
  /** Derived from provider + order_id; written to the ledger before the request leaves. */
  requestKey: string;
  orderId: string;
  amountMinor: Minor;
  currency: Currency;
  account: Account;
  name?: string;
  email?: string;
  phone?: string;
  description?: string;
  recipientId?: string;
}

/**
 * The provider's view of a payout, mapped. Only an explicit provider success (`paid`) or failure (`failed`) is
 * final; `pending` is accepted but not settled.
 */
export interface ProviderPayout {
  payoutId: string;
  state: 'pending' | 'paid' | 'failed';
  /** The provider's own status word (in_progress, paid_out, Accredited …) for the results file. */
  providerStatus: string;
  amountMinor: Minor;
  currency: Currency;
  /** What the request carried to identify it: order_id, externalReference or metadata key. */
  reference?: string;
  /** Masked destination (bank code + last 4, alias, or email for cash-out). */
  destination?: string;
  createdAt?: Date;
  /**
   * When the provider last changed the payout, where it says (Openpay operation_date, Digital FEMSA updated_at,
   * Zenrise updatedAt): orders a sync's view against webhook events, so an older view never overwrites a newer one.
   */
  updatedAt?: Date;
  /** Cash-out reference / statement reference, where the provider gives one. */
  providerReference?: string;
  failureCode?: string;
  failureMessage?: string;
  /** Digital FEMSA: unclaimed cash-out orders expire. */
  expired?: boolean;
}

/** Credentials, per provider, as read from the environment or the simulator defaults. */
export interface ProviderCredentials {
  openpay?: { merchantId: string; privateKey: string };
  conekta?: { privateKey: string };
  digitalfemsa?: { privateKey: string };
  zenrise?: { clientId: string; secretId: string };
}

/**
 * Everything an adapter call needs that is not the instruction: where to call, with which credentials, how long to
 * wait, and a place for per-session auth state (the Zenrise bearer token). One session per provider per run.
 */
export interface ProviderSession {
  provider: ProviderId;
  baseUrl: string;
  credentials: ProviderCredentials;
  timeoutMs: number;
  /**
   * Where the session is meant to pay. Conekta and Digital FEMSA use one host for test and live (the key decides):
   * their answers' `livemode` is checked against it.
   */
  environment?: 'simulator' | 'sandbox' | 'live';
  /** Auth state an adapter may keep between calls (Zenrise token and its expiry). */
  auth: Map<string, unknown>;
  /**
   * Called before every HTTP request (all endpoints), so the dispatcher's rate limiter sees every call. It may resolve
   * to a function the client calls once the request's answer (or its failure) is in: the limiter then knows the
   * request has reached the provider.
   */
  beforeRequest?: (call: { moneyMoving: boolean }) => Promise<void | (() => void)>;
  /**
   * Called right before a request is handed to the connection, after beforeRequest's wait (the rate-limit grant):
   * nothing runs between it and the send. Throwing refuses the request, which then never left; the error is thrown
   * as is. The dispatcher's fence of a claimed row (dispatch-batch.ts): a worker paused while its request waited for
   * its turn must not send it once its row's lease has run out.
   */
  beforeSend?: (call: { moneyMoving: boolean }) => void;
  /** Told about every 429 with its Retry-After, so the limiter can slow the provider down. */
  onRateLimited?: (retryAfterMs: number | undefined) => void;
  /**
   * Cuts the HTTP requests open when it aborts (the grace period after an interrupt ended). A money-moving request
   * cut this way has an unknown outcome, like any lost answer.
   */
  signal?: AbortSignal;
  now: () => Date;
}
