import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where the ledger lives unless told otherwise: $PAYOUT_BATCH_LEDGER, else ~/.payout-batch/ledger.sqlite. */
export function defaultLedgerPath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.PAYOUT_BATCH_LEDGER;
  if (fromEnv !== undefined && fromEnv.trim() !== '') return fromEnv;
  return join(homedir(), '.payout-batch', 'ledger.sqlite');
}
