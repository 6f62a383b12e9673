/**
 * A worker that is paused at the worst moment: it claims the batch's rows, marks one `sending`, and then — while its
 * money-moving request waits for its rate-limit grant (the shared budget in PostgreSQL), after every check made before
 * the request — stops itself with SIGSTOP, as an operator's Ctrl-Z, a VM freeze or a long GC pause would. The parent
 * resumes it with SIGCONT; it then goes on, and prints one JSON line: what its dispatch did and which rows it lost.
 *
 *   node --import tsx test/support/paused-worker.ts PG_URL SIM_URL BATCH_ID PROVIDER LEASE_MS TIMEOUT_MS
 */
import type { DispatchLedger } from '../../src/dispatch/dispatch-types.ts';
import type { ProviderId } from '../../src/domain/provider-id.ts';
import { openPostgresLedger } from '../../src/ledger/postgres/open-postgres-ledger.ts';
import { payClaimedRows } from './lease-worker.ts';

const [pgUrl, simUrl, batchId, provider, leaseMs, timeoutMs] = process.argv.slice(2) as [string, string, string, ProviderId, string, string];
const store = await openPostgresLedger(pgUrl, { rowLeaseMs: Number(leaseMs), onError: () => undefined });
let marked = false;
let stopped = false;
const ledger: DispatchLedger = {
  markSending: async (items) => {
    const marks = await store.markSending(items);
    marked = true;
    return marks;
  },
  recordOutcomes: (items) => store.recordOutcomes(items),
  getRecipient: (...args) => store.getRecipient(...args),
  saveRecipient: (...args) => store.saveRecipient(...args),
  saveRecipients: (...args) => store.saveRecipients(...args),
  rateBudget: (id) => {
    const budget = store.rateBudget(id);
    return {
      tryTake: async (request) => {
        // The first grant asked for after a mark is the money-moving request's: stop here, mid-wait.
        if (marked && !stopped) {
          stopped = true;
          process.stdout.write('paused\n');
          process.kill(process.pid, 'SIGSTOP');
        }
        return budget.tryTake(request);
      },
      pauseFor: (ms) => budget.pauseFor(ms),
    };
  },
};
try {
  const { result, leaseLost } = await payClaimedRows({ store, ledger, batchId, provider, simUrl, timeoutMs: Number(timeoutMs) });
  process.stdout.write(`${JSON.stringify({ stopped, progress: result.progress, leaseLost })}\n`);
} finally {
  await store.close();
}
