import type { FeeSchedule } from '../config/config-types.ts';
import type { CanonicalField } from '../domain/payout-row.ts';
import type { Currency, ProviderId } from '../domain/provider-id.ts';
import type { ProviderRules } from '../validate/provider-rules.ts';
import type { ParsedEvent } from '../webhooks/payout-event.ts';
import type { WebhookAuthScheme } from '../webhooks/webhook-auth.ts';
import type { PayoutProvider, ProviderCredentials } from './payout-provider.ts';

/** The IANA zone of a provider's country: where its "today", cut-off times and statement days are reckoned. */
export type ProviderTimeZone = 'America/Mexico_City' | 'America/Argentina/Buenos_Aires';

/**
 * Everything the tool knows about one provider, in one object under `providers/<p>/<p>.module.ts`. Generic
 * machinery (validation, file checks, credentials, base URLs, fees, statements, the webhook receiver) reads a
 * provider only through its module, by way of the registry, so a new provider is one folder plus one registry line.
 */
export interface ProviderModule {
  readonly id: ProviderId;
  /** How people and the provider itself write the name ("Digital FEMSA"). */
  readonly displayName: string;
  readonly country: 'MX' | 'AR';
  /** The one currency it pays out in. */
  readonly currency: Currency;
  readonly timeZone: ProviderTimeZone;
  /** The field that carries the row's idempotency key at the provider, as the provider names it. */
  readonly keyName: string;
  /**
   * Other spellings a `provider` cell may use for it, compared after lower-casing and dropping spaces, `_` and `-`
   * (the id itself is always accepted).
   */
  readonly spellings: readonly string[];
  readonly adapter: PayoutProvider;
  readonly rules: ProviderRules;
  /** The columns a file must have; a missing one is a run-level error, not one error per row. */
  readonly requiredColumns: readonly CanonicalField[];
  readonly credentials: {
    /** The environment variables it needs, in the order they are reported when missing. */
    readonly variables: readonly string[];
    /** Its entry of ProviderCredentials, each variable read through `read` (which notes the missing ones). */
    read(read: (variable: string) => string): ProviderCredentials;
  };
  readonly baseUrls: {
    /** Where the simulator mounts it, under the simulator's root URL. */
    readonly simulatorPath: string;
    readonly sandbox: string;
    readonly live: string;
  };
  /** Illustrative list prices, used when the config file sets none. */
  readonly defaultFees: FeeSchedule;
  /** How the provider's own statement names a payout. */
  readonly statementText: string;
  /** Whether the adapter can list the provider's payouts for a period (reconciliation sees payouts made elsewhere). */
  readonly listsPayouts: boolean;
  /**
   * Whether the adapter's findPayout settles an unknown outcome by sending the money-moving request again (same key):
   * the provider then answers with the one payout of that key, creating it if the first request never arrived. Where
   * it does, a lookup can move money, and sync asks before it on sandbox and live.
   */
  readonly lookupResends: boolean;
  /** Reads one webhook body; never throws on provider input. */
  parseWebhook(body: unknown): ParsedEvent;
  /** How its webhooks prove where they come from, and the variables holding the secret or key. */
  readonly webhookAuth: WebhookAuthScheme;
}
