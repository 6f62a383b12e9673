import type { Target } from '../../config/config-types.ts';
import { providerLimiter } from '../../dispatch/provider-limiter.ts';
import { withRetries } from '../../dispatch/retry-policy.ts';
import { PROVIDER_IDS, type ProviderId } from '../../domain/provider-id.ts';
import type { ProviderSession } from '../../providers/payout-provider.ts';
import { ProviderError } from '../../providers/provider-error.ts';
import { getProvider, getProviderModule, providerModules } from '../../providers/registry.ts';
import { describeOtherEnvironments, otherEnvironmentBatches } from '../../report/report-scope.ts';
import { RunError } from '../../run-error.ts';
import { eventLedgerFor, type PayoutFetcher } from '../../webhooks/follow-payout-event.ts';
import { publicKeyFromPem, verifierFromVariables, type WebhookVerifier } from '../../webhooks/webhook-auth.ts';
import { DEFAULT_UNVERIFIED_PER_SECOND, startWebhookReceiver } from '../../webhooks/webhook-receiver.ts';
import { withCommandScope } from '../shared/command-scope.ts';
import { createSession } from '../shared/provider-sessions.ts';
import { holdSignals } from '../../process-signals.ts';

export interface WebhooksArgs {
  port: number;
  host: string;
  ledger?: string | undefined;
  config?: string | undefined;
  /** Where the payouts an event names are fetched from (default simulator). */
  target?: Target | undefined;
  simulatorUrl?: string | undefined;
  /** Unverified events followed per second and provider. */
  unverifiedRate?: number | undefined;
}

/** What the command talks to; tests pass their own. */
export interface WebhooksIo {
  out?: (text: string) => void;
  /** Stops the receiver when aborted, as SIGINT/SIGTERM do. */
  signal?: AbortSignal;
  /** Also write the JSON log lines to this file. */
  logFile?: string;
  /** Told the receiver's URL once it listens. */
  onListening?: (url: string) => void;
  env?: NodeJS.ProcessEnv;
}

/** Attempts per payout fetch: an event that cannot be followed now is answered 503 and comes again. */
const FETCH_ATTEMPTS = 3;

/**
 * `payout-batch webhooks`: receives provider events on /webhooks/{provider} and follows each one up at the provider
 * (the event only names the payout; the provider's answer is what the ledger records), logging one JSON line per
 * event on stderr. Prints its URL and how each provider's events are verified; SIGINT/SIGTERM stop it (resolves 0).
 */
export async function webhooksCommand(args: WebhooksArgs, io: WebhooksIo = {}): Promise<number> {
  const out = io.out ?? ((text: string) => void process.stdout.write(text));
  const env = io.env ?? process.env;
  const targetName: Target = args.target ?? 'simulator';
  const unverifiedPerSecond = args.unverifiedRate ?? DEFAULT_UNVERIFIED_PER_SECOND;
  if (!(unverifiedPerSecond >= 0) || !Number.isFinite(unverifiedPerSecond)) throw new RunError('USAGE', `--unverified-rate must be a number >= 0, got ${args.unverifiedRate}`);
  if (targetName === 'simulator' && !args.simulatorUrl) {
    // A simulator started here would be private and empty: no run pays into it, so every event would be checked
    // against a provider that has none of the ledger's payouts.
    throw new RunError('USAGE', 'webhooks against the simulator needs the simulator the batches are paid against', {
      hint: 'pass --simulator-url of that simulator (e.g. http://127.0.0.1:4010)',
    });
  }
  // Signals are handled below: they stop the receiver, which lets requests in flight reach the ledger first.
  return withCommandScope({ config: args.config, target: targetName, signals: false }, async (scope) => {
    const logger = scope.createLogger({ ...(io.logFile ? { file: io.logFile } : {}), base: { command: 'webhooks' } });
    const { ledger, ledgerPath } = await scope.openLedger({ path: args.ledger });

    // The simulator has every provider; a real target follows the providers whose API credentials are set.
    const providers = targetName === 'simulator' ? [...PROVIDER_IDS] : PROVIDER_IDS.filter((id) => getProviderModule(id).credentials.variables.every((v) => env[v]?.trim()));
    if (providers.length === 0) {
      throw new RunError('CREDENTIALS_MISSING', `no provider credentials set for --target ${targetName}: events could not be checked with any provider`, {
        hint: `set e.g. ${getProviderModule('openpay').credentials.variables.join(' and ')}`,
      });
    }
    const target = await scope.connectTarget({ target: targetName, ...(args.simulatorUrl ? { simulatorUrl: args.simulatorUrl } : {}), providers });
    const sessions = new Map<ProviderId, ProviderSession>();
    for (const id of providers) {
      const session = createSession(id, target, scope.config);
      // On a shared ledger the provider's budget is shared with the workers paying through it.
      const limiter = providerLimiter(ledger, id, scope.config.providers[id].rate);
      session.beforeRequest = () => limiter.take(scope.signal);
      session.onRateLimited = (ms) => limiter.onRateLimited(ms);
      sessions.set(id, session);
    }
    const fetchPayout: PayoutFetcher = (provider, payoutId) => {
      const session = sessions.get(provider);
      if (!session) {
        return Promise.reject(new ProviderError({ kind: 'authentication', message: `${provider}: no credentials set, the event cannot be checked`, retryable: false, outcomeUnknown: false }));
      }
      return withRetries(() => getProvider(provider).getPayout(session, payoutId), { maxAttempts: FETCH_ATTEMPTS, signal: scope.signal, maxRetryTimeMs: 10_000 });
    };
    const verifiers = await webhookVerifiers(targetName, sessions, env, (id, message) => logger.warn({ event: 'webhook_key_failed', provider: id, message }));

    let receiver;
    try {
      receiver = await startWebhookReceiver({
        ledger: eventLedgerFor(ledger, targetName),
        fetchPayout,
        verifiers,
        unverifiedPerSecond,
        simulatorRouting: targetName === 'simulator',
        port: args.port,
        host: args.host,
        logger,
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new RunError('USAGE', `port ${args.port} on ${args.host} is already in use`, { hint: 'pass --port with a free port (0 picks one)', cause: error });
      }
      throw error;
    }
    const verification = Object.fromEntries(providerModules().map(({ id }) => [id, describeVerifier(id, verifiers[id])]));
    // Events only move rows of --target's batches (eventLedgerFor); a shared ledger's other batches are left alone.
    const others = await otherEnvironmentBatches(ledger, targetName);
    logger.info({ event: 'listening', url: receiver.url, ledger: ledgerPath, target: targetName, providers, verification, unverifiedPerSecond, otherEnvironments: Object.fromEntries(others) });
    out(
      [
        `Webhook receiver listening on ${receiver.url} (events are checked with ${targetName === 'simulator' ? `the simulator at ${target.simulatorUrl}` : `the ${targetName} APIs`})`,
        ...providerModules().map(({ id }) => `  ${id.padEnd(13)}${receiver.url}/webhooks/${id}${verifiers[id]?.kind === 'path-token' ? '/{token}' : ''}  ${verification[id]}`),
        ...(targetName === 'simulator' ? [`  simulator    ${receiver.url}/ (x-simulator-provider header)`] : []),
        `Unverified events followed: at most ${unverifiedPerSecond}/s per provider`,
        `Ledger: ${ledgerPath}${others.size ? ` (only ${targetName} batches are followed; it also holds ${describeOtherEnvironments(others)})` : ''}`,
        'Stop with Ctrl-C.',
        '',
      ].join('\n'),
    );
    io.onListening?.(receiver.url);

    await new Promise<void>((done) => {
      const stop = () => {
        release();
        io.signal?.removeEventListener('abort', stop);
        done();
      };
      const release = holdSignals(stop);
      if (io.signal?.aborted) stop();
      else io.signal?.addEventListener('abort', stop, { once: true });
    });
    // Requests in flight finish (and reach the ledger) before the ledger closes.
    await receiver.close();
    logger.info({ event: 'stopped' });
    out('Webhook receiver stopped.\n');
    return 0;
  });
}

/**
 * Each provider's proof: from the environment (OPENPAY_WEBHOOK_USER/PASSWORD, CONEKTA_WEBHOOK_PUBLIC_KEY,
 * DIGITALFEMSA_WEBHOOK_PUBLIC_KEY, ZENRISE_WEBHOOK_TOKEN); for the simulator with no configuration, its Openpay
 * webhook credentials and a fresh signing key from its POST /webhook_keys.
 */
async function webhookVerifiers(
  target: Target,
  sessions: ReadonlyMap<ProviderId, ProviderSession>,
  env: NodeJS.ProcessEnv,
  onKeyFailed: (id: ProviderId, message: string) => void,
): Promise<Partial<Record<ProviderId, WebhookVerifier>>> {
  const verifiers: Partial<Record<ProviderId, WebhookVerifier>> = {};
  for (const { id, webhookAuth } of providerModules()) {
    let verifier: WebhookVerifier | undefined;
    try {
      verifier = verifierFromVariables(webhookAuth, (variable) => env[variable]?.trim() || undefined);
    } catch (error) {
      throw new RunError('CONFIG_INVALID', (error as Error).message, { cause: error });
    }
    if (!verifier && target === 'simulator') verifier = await simulatorVerifier(id, sessions.get(id), onKeyFailed);
    if (verifier) verifiers[id] = verifier;
  }
  return verifiers;
}

async function simulatorVerifier(id: ProviderId, session: ProviderSession | undefined, onKeyFailed: (id: ProviderId, message: string) => void): Promise<WebhookVerifier | undefined> {
  const scheme = getProviderModule(id).webhookAuth;
  if (scheme.kind === 'basic') {
    const { SIMULATOR_WEBHOOK_CREDENTIALS } = await import('../../simulator/credentials.ts');
    const credentials = SIMULATOR_WEBHOOK_CREDENTIALS[id];
    return credentials ? { kind: 'basic', ...credentials } : undefined;
  }
  if (scheme.kind !== 'rsa-digest') return undefined;
  const adapter = getProvider(id);
  if (!adapter.createWebhookKey || !session) return undefined;
  try {
    const key = await adapter.createWebhookKey(session);
    return { kind: 'rsa-digest', publicKey: publicKeyFromPem(key.publicKey, `${id} webhook key ${key.id}`) };
  } catch (error) {
    onKeyFailed(id, error instanceof Error ? error.message : String(error));
    return undefined;
  }
}

function describeVerifier(id: ProviderId, verifier: WebhookVerifier | undefined): string {
  const scheme = getProviderModule(id).webhookAuth;
  if (!verifier) {
    const variables = scheme.kind === 'basic' ? `${scheme.userVariable}/${scheme.passwordVariable}` : scheme.kind === 'rsa-digest' ? scheme.publicKeyVariable : scheme.tokenVariable;
    return `unverified (set ${variables})`;
  }
  return verifier.kind === 'basic' ? 'HTTP Basic' : verifier.kind === 'rsa-digest' ? 'DIGEST signature' : 'path token';
}
