import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Target } from '../config/config-types.ts';

/**
 * Where the ledger lives unless told otherwise: $PAYOUT_BATCH_LEDGER, else a file under ~/.payout-batch/ per kind of
 * target — ledger.simulator.sqlite for the simulator, ledger.sqlite for sandbox and live. A rehearsal on the
 * simulator then never marks a row of a real batch as already sent (the batch id is the file's hash: the same file
 * run on both would otherwise share its rows).
 */
export function defaultLedgerPath(target: Target, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.PAYOUT_BATCH_LEDGER;
  if (fromEnv !== undefined && fromEnv.trim() !== '') return fromEnv;
  return join(homedir(), '.payout-batch', target === 'simulator' ? 'ledger.simulator.sqlite' : 'ledger.sqlite');
}
