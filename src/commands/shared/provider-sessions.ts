import type { AppConfig, Target } from '../../config/config-types.ts';
import type { ProviderId } from '../../domain/provider-id.ts';
import { providerBaseUrl } from '../../providers/base-urls.ts';
import { credentialsFromEnv } from '../../providers/credentials.ts';
import type { ProviderCredentials, ProviderSession } from '../../providers/payout-provider.ts';
import { RunError } from '../../run-error.ts';

/**
 * Where the providers are for this command: a running simulator (--simulator-url), one started in-process (the
 * default target), or the real sandbox/live endpoints with credentials from the environment.
 */
export interface ProviderTarget {
  target: Target;
  /** The simulator root URL when the target is the simulator. */
  simulatorUrl?: string;
  credentials: ProviderCredentials;
  /** Stops an in-process simulator; a no-op otherwise. */
  close(): Promise<void>;
  /**
   * Only for a simulator started in-process (gone when the command ends): moves its simulated clock by one
   * settlement period, so what it accepted settles before it stops (commands/run/settle-in-process.ts).
   */
  advanceClock?(): Promise<void>;
}

export async function connectTarget(options: {
  target: Target;
  simulatorUrl?: string;
  providers: readonly ProviderId[];
  env?: NodeJS.ProcessEnv;
}): Promise<ProviderTarget> {
  if (options.target !== 'simulator') {
    if (options.simulatorUrl) throw new RunError('USAGE', '--simulator-url only goes with --target simulator');
    return { target: options.target, credentials: credentialsFromEnv(options.providers, options.env), close: async () => {} };
  }
  // Loaded only for the simulator target, so a live run never imports it.
  const { DEFAULT_SETTLE_MS, SIMULATOR_CREDENTIALS, startSimulator } = await import('../../simulator/index.ts');
  if (options.simulatorUrl) {
    if (!/^https?:\/\/[^/]+/.test(options.simulatorUrl)) throw new RunError('USAGE', `--simulator-url ${options.simulatorUrl} is not an http(s) URL`);
    return { target: 'simulator', simulatorUrl: options.simulatorUrl.replace(/\/+$/, ''), credentials: SIMULATOR_CREDENTIALS, close: async () => {} };
  }
  const simulator = await startSimulator({ port: 0 });
  return {
    target: 'simulator',
    simulatorUrl: simulator.url,
    credentials: SIMULATOR_CREDENTIALS,
    close: () => simulator.close(),
    advanceClock: async () => {
      const response = await fetch(`${simulator.url}/__admin/advance?ms=${DEFAULT_SETTLE_MS}`, { method: 'POST' });
      if (!response.ok) throw new Error(`the in-process simulator refused to move its clock (HTTP ${response.status})`);
    },
  };
}

/** One session per provider: base URL (config overrides for real targets), credentials, timeout, auth state. */
export function createSession(provider: ProviderId, target: ProviderTarget, config: AppConfig): ProviderSession {
  const override = target.target === 'simulator' ? undefined : config.providers[provider].baseUrl[target.target];
  return {
    provider,
    baseUrl: override ?? providerBaseUrl(provider, target.target, target.simulatorUrl),
    credentials: target.credentials,
    timeoutMs: config.providers[provider].timeoutMs,
    environment: target.target,
    auth: new Map(),
    now: () => new Date(),
  };
}
