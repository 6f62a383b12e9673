import type { LedgerStore } from './ledger-store.ts';
import { openSqliteLedger } from './sqlite-ledger.ts';

/** Opens the ledger at a location: today a SQLite file path. */
// eslint-disable-next-line @typescript-eslint/require-await -- a PostgreSQL store will connect here
export async function openLedger(location: string): Promise<LedgerStore> {
  return openSqliteLedger(location);
}
