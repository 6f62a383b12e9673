import { withRetries } from '../dispatch/retry-policy.ts';
import type { Minor } from '../domain/money.ts';
import { checkFile, type CheckFileOptions } from '../commands/shared/check-file.ts';
import type { InFileDeduper, LateConflict } from '../dedupe/dedupe-in-file.ts';
import type { CheckedRow } from '../domain/payout-row.ts';
import type { ProviderId } from '../domain/provider-id.ts';
import type { Environment, KeyOwner, LedgerStore } from '../ledger/ledger-store.ts';
import type { PlannedPayout } from '../plan/plan-batch.ts';
import { keysToLookUp, planChunk, withLateConflict, type PlanSnapshot } from '../plan/plan-run.ts';
import type { ProviderSession } from '../providers/payout-provider.ts';
import { getProvider } from '../providers/registry.ts';
import { RunError } from '../run-error.ts';

/** Rows that have been sent (or may have been): anything in these states is already the provider's. */
export const IN_FLIGHT = ['sending', 'unknown'] as const;

/** Reads what the plan needs from the ledger and the providers before the file is planned: the batch, balances. */
export async function readPlanSnapshot(options: {
  ledger: LedgerStore;
  batchId: string;
  providers: readonly ProviderId[];
  sessions: ReadonlyMap<ProviderId, ProviderSession>;
}): Promise<PlanSnapshot> {
  const { ledger, batchId } = options;
  const batch = await ledger.getBatch(batchId);
  const balances = await readBalances(options.providers, options.sessions);
  return { batchId, resumed: batch !== undefined, planned: batch?.plannedAt !== undefined, balances };
}

/** For a planned batch: its rows still to be sent or settled (queued, not_sent, sending, unknown), page by page. */
export async function* ledgerPayable(ledger: LedgerStore, batchId: string): AsyncIterableIterator<PlannedPayout> {
  for await (const r of ledger.rowsByStatus(batchId, ['queued', 'not_sent', ...IN_FLIGHT])) {
    if (r.amountMinor !== undefined && r.currency) yield { provider: r.provider, currency: r.currency, amountMinor: r.amountMinor };
  }
}

/**
 * Streams the file's rows, in chunks of `chunkRows`, with their verdicts in the file (late conflicts from the first
 * pass applied) and against the ledger (one key lookup per chunk): what the plan counts and the ledger writes.
 */
export async function forEachPlannedChunk(options: {
  check: Omit<CheckFileOptions, 'onRow'>;
  /** The first pass's late conflicts: rows it returned as valid / duplicate that a later row made conflicts. */
  lateConflicts: ReadonlyMap<number, LateConflict>;
  /** The first pass's deduper: this pass replays its verdicts instead of building a second table. */
  deduper: InFileDeduper;
  /** The hash of the file as the first pass read it: a file changed since is refused. */
  fileHash: string;
  ledger: LedgerStore;
  environment: Environment;
  batchId: string;
  chunkRows: number;
  onChunk: (rows: CheckedRow[]) => Promise<void> | void;
}): Promise<void> {
  if (!Number.isSafeInteger(options.chunkRows) || options.chunkRows < 1) throw new RangeError(`chunkRows must be an integer >= 1, got ${options.chunkRows}`);
  let chunk: CheckedRow[] = [];
  const flush = async () => {
    const rows = chunk;
    chunk = [];
    // One key per payout intent: an order_id owned under any provider in this environment counts; a rehearsal on the
    // simulator does not make the live run's rows duplicates.
    const owners: ReadonlyMap<string, KeyOwner> = await options.ledger.findKeyOwners(options.environment, keysToLookUp(rows));
    await options.onChunk(planChunk(rows, owners, options.batchId));
  };
  const checked = await checkFile({
    ...options.check,
    replayOf: options.deduper,
    onRow: (row) => {
      chunk.push(withLateConflict(row, options.lateConflicts.get(row.row)));
      if (chunk.length >= options.chunkRows) return flush();
    },
  });
  if (chunk.length > 0) await flush();
  if (checked.fileHash !== options.fileHash) {
    throw new RunError('FILE_UNREADABLE', 'the file changed while it was being run', { hint: 'keep the file unchanged during a run, then run it again' });
  }
}

/** Balances where the provider reports one; a provider that cannot be reached at the start stops the run (exit 1). */
export async function readBalances(providers: readonly ProviderId[], sessions: ReadonlyMap<ProviderId, ProviderSession>): Promise<Map<string, Minor>> {
  // Asked of every provider at once (each under its own retries), kept and judged in the providers' order.
  const answers = await Promise.allSettled(providers.map((id) => withRetries(() => getProvider(id).getBalance(sessions.get(id)!), { maxAttempts: 5 })));
  const balances = new Map<string, Minor>();
  providers.forEach((id, i) => {
    const answer = answers[i]!;
    if (answer.status === 'fulfilled') {
      if (answer.value) balances.set(`${id}|${answer.value.currency}`, answer.value.amountMinor);
      return;
    }
    const error: unknown = answer.reason;
    const e = error as { kind?: string; message?: string };
    if (e.kind === 'authentication') throw new RunError('CREDENTIALS_MISSING', `${id} rejected the credentials: ${e.message}`, { hint: 'check the provider keys in the environment', cause: error });
    throw new RunError('PROVIDER_UNREACHABLE', `${id} could not be reached to read the balance: ${e.message ?? String(error)}`, { hint: 'check the network and the base URL, then run again; nothing was sent', cause: error });
  });
  return balances;
}
