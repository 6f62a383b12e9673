/**
 * A worker that stops inside a ledger write transaction, holding the writers' lock: it opens a batch, and its clock —
 * read by the store after the lock is taken, before anything is written — stops the process with SIGSTOP, as an
 * operator's Ctrl-Z, a VM freeze or a long GC pause would. The parent resumes it with SIGCONT. It then prints one JSON
 * line: what became of that write, and whether a write after it works on a fresh connection.
 *
 *   node --import tsx test/support/writer-paused-in-transaction.ts PG_URL IDLE_IN_TRANSACTION_TIMEOUT_MS
 */
import { openPostgresLedger } from '../../src/ledger/postgres/open-postgres-ledger.ts';
import { openBatchInput } from '../../src/ledger/test-support/fixtures.ts';

const [pgUrl, idleMs] = process.argv.slice(2) as [string, string];
let armed = false;
const reported: string[] = [];
const store = await openPostgresLedger(pgUrl, {
  idleInTransactionTimeoutMs: Number(idleMs),
  onError: (error, where) => reported.push(`${where}: ${error.message}`),
  now: () => {
    if (armed) {
      armed = false;
      process.stdout.write('paused\n');
      process.kill(process.pid, 'SIGSTOP');
    }
    return new Date();
  },
});
try {
  armed = true;
  const paused = await store.openBatch(openBatchInput('paused-in-transaction')).then(
    () => ({ ok: true as const }),
    (error: unknown) => ({ ok: false as const, code: (error as { code?: string }).code, message: (error as Error).message }),
  );
  const after = await store.openBatch(openBatchInput('after-the-pause')).then(
    (opened) => ({ ok: true as const, created: opened.created }),
    (error: unknown) => ({ ok: false as const, code: (error as { code?: string }).code }),
  );
  process.stdout.write(`${JSON.stringify({ paused, after, reported })}\n`);
} finally {
  await store.close();
}
