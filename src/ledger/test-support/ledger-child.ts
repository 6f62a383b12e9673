/**
 * A separate process working on a ledger, for the crash and multi-process tests. Prints one line per milestone on
 * stdout; the test reads them and may SIGKILL it at any point.
 *   mark-sending <ledger> <name> <rows> <group>  marks rows sending group by group, printing "committed <n>" after each
 *   try-lock <ledger> <name>                     prints "locked" and waits, or "refused <pid>" and exits
 *   insert <ledger> <name> <rows> <keyPrefix>    writes queued rows, prints the result as JSON, exits
 */
import { BatchLockedError } from '../ledger-error.ts';
import { collectRows } from '../collect-rows.ts';
import { openLedger } from '../open-ledger.ts';
import { openBatchInput, queuedRow } from './fixtures.ts';

const [mode, path, name, ...rest] = process.argv.slice(2);
if (mode === undefined || path === undefined || name === undefined) throw new Error('usage: ledger-child <mode> <ledger> <name> …');

// A SQLite file path or a postgres:// URL: the same child works on both stores.
const ledger = await openLedger(path);
const { batch } = await ledger.openBatch(openBatchInput(name));
const waitForever = () => setInterval(() => {}, 60_000);

if (mode === 'mark-sending') {
  const rows = Number(rest[0]);
  const group = Number(rest[1]);
  await ledger.insertRows(batch.id, Array.from({ length: rows }, (_, i) => queuedRow(i + 2, `${name}-${i}`)));
  await ledger.acquireBatchLock(batch.id);
  const ids = (await collectRows(ledger.rowsByStatus(batch.id, ['queued']))).map((r) => r.id);
  let committed = 0;
  for (let i = 0; i < ids.length; i += group) {
    await ledger.markSending(ids.slice(i, i + group).map((rowId) => ({ rowId })));
    committed += Math.min(group, ids.length - i);
    // Everything up to here is what this process could already have sent.
    process.stdout.write(`committed ${committed}\n`);
  }
  process.stdout.write('done\n');
  waitForever();
} else if (mode === 'try-lock') {
  try {
    await ledger.acquireBatchLock(batch.id);
    process.stdout.write('locked\n');
    waitForever();
  } catch (error) {
    if (!(error instanceof BatchLockedError)) throw error;
    process.stdout.write(`refused ${error.owner.pid}\n`);
    await ledger.close();
  }
} else if (mode === 'insert') {
  const rows = Number(rest[0]);
  const prefix = rest[1] ?? 'key';
  const result = await ledger.insertRows(batch.id, Array.from({ length: rows }, (_, i) => queuedRow(i + 2, `${prefix}-${i}`)));
  process.stdout.write(`${JSON.stringify({ inserted: result.inserted, demoted: result.demoted.length })}\n`);
  await ledger.close();
} else {
  throw new Error(`unknown mode ${mode}`);
}
