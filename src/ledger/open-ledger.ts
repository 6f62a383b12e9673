import type { LedgerStore } from './ledger-store.ts';
import { openSqliteLedger } from './sqlite/open-sqlite-ledger.ts';

/** Opens the ledger at a location: today a SQLite file path. */
export async function openLedger(location: string): Promise<LedgerStore> {
  return openSqliteLedger(location);
}
