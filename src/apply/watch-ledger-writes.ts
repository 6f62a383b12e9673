import type { DispatchLedger } from '../dispatch/dispatch-types.ts';
import { storageFailureOf, type StorageFailure } from '../write/storage-failure.ts';

export interface WatchedLedger {
  /** The same ledger for the dispatcher (its rate budget too); every write refused by the storage is noted, and aborts `stop`. */
  ledger: DispatchLedger;
  /** Aborted on the first write the storage refused: no new row is taken (requests in flight go on). */
  stop: AbortSignal;
  /** The first such refusal, with its error. */
  failure(): { failure: StorageFailure; error: unknown } | undefined;
}

/**
 * Watches the dispatcher's ledger writes for a storage that fills up or fails mid-run. Once one write is refused for
 * want of space, every next row would be refused too (its `sending` mark cannot be written, so it is never sent):
 * the run stops taking rows instead, lets the requests in flight finish and records what it still can. A row whose
 * outcome could not be written stays `sending`, which the next run settles by a lookup before sending anything.
 */
export function watchLedgerWrites(ledger: DispatchLedger): WatchedLedger {
  const stop = new AbortController();
  let first: { failure: StorageFailure; error: unknown } | undefined;
  const watched = <A extends unknown[], R>(write: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await write(...args);
      } catch (error) {
        const failure = storageFailureOf(error);
        if (failure) {
          first ??= { failure, error };
          stop.abort(error);
        }
        throw error;
      }
    };
  return {
    ledger: {
      markSending: watched((items) => ledger.markSending(items)),
      recordOutcomes: watched((items) => ledger.recordOutcomes(items)),
      getRecipient: (scope, provider, key) => ledger.getRecipient(scope, provider, key),
      saveRecipient: watched((scope, provider, key, id) => ledger.saveRecipient(scope, provider, key, id)),
      // The shared budget (PostgreSQL) is the ledger's own, so that `--rate` holds for every worker on it together.
      rateBudget: (provider) => ledger.rateBudget(provider),
      saveRecipients: watched((items) => ledger.saveRecipients(items)),
    },
    stop: stop.signal,
    failure: () => first,
  };
}
