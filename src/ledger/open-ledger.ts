import type { LedgerStore } from './ledger-store.ts';
import { openSqliteLedger } from './sqlite/open-sqlite-ledger.ts';

export interface OpenLedgerOptions {
  /** Create the file when missing (default true); false: a missing file is LedgerError LEDGER_MISSING. */
  create?: boolean;
}

/** Opens the ledger at a location: today a SQLite file path. */
export async function openLedger(location: string, options: OpenLedgerOptions = {}): Promise<LedgerStore> {
  return openSqliteLedger(location, options.create === undefined ? {} : { create: options.create });
}
