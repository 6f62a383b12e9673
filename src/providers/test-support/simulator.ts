import { startSimulator, SIMULATOR_CREDENTIALS, type JournalEntry, type RunningSimulator, type SimulatorOptions } from '../../simulator/index.ts';
import type { ProviderId } from '../../domain/provider-id.ts';
import type { ProviderCredentials, ProviderSession } from '../payout-provider.ts';
import { providerBaseUrl } from '../base-urls.ts';
import { testSession } from './session.ts';

/** An in-process simulator on a free port, seeded so fault sequences replay. */
export function startTestSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  return startSimulator({ port: 0, seed: 1, ...options });
}

/** A session against the simulator, with its default credentials unless others are given. */
export function simSession(
  sim: RunningSimulator,
  provider: ProviderId,
  overrides: Partial<ProviderSession> & { credentials?: ProviderCredentials } = {},
): ProviderSession {
  return testSession(provider, providerBaseUrl(provider, 'simulator', sim.url), SIMULATOR_CREDENTIALS, overrides);
}

/** The simulator's ground truth: every money movement it performed. */
export async function journal(sim: RunningSimulator, provider: ProviderId): Promise<JournalEntry[]> {
  const response = await fetch(`${sim.url}/__admin/journal?provider=${provider}`);
  if (!response.ok) throw new Error(`journal: HTTP ${response.status}`);
  return (await response.json()) as JournalEntry[];
}

/** Moves the simulated clock (settlement, expiry, token lifetimes). */
export async function advance(sim: RunningSimulator, ms: number): Promise<void> {
  const response = await fetch(`${sim.url}/__admin/advance?ms=${ms}`, { method: 'POST' });
  if (!response.ok) throw new Error(`advance: HTTP ${response.status}`);
}

/** POST /__admin/mutate {provider, create}: a payout made behind the client's back. */
export async function adminCreate(sim: RunningSimulator, provider: ProviderId, create: { amount_cents: number; destination: string; reference?: string }): Promise<JournalEntry> {
  const response = await fetch(`${sim.url}/__admin/mutate`, { method: 'POST', body: JSON.stringify({ provider, create }), headers: { 'content-type': 'application/json' } });
  if (!response.ok) throw new Error(`mutate: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as JournalEntry;
}

/** Runs `fn` and returns what it threw (failing the test if it did not throw). */
export async function thrown(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

export { SIMULATOR_CREDENTIALS };
