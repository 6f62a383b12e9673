import { parseLedgerLocation } from './ledger-location.ts';
import type { LedgerStore } from './ledger-store.ts';
import { openPostgresLedger } from './postgres/open-postgres-ledger.ts';
import { openSqliteLedger } from './sqlite/open-sqlite-ledger.ts';

export interface OpenLedgerOptions {
  /**
   * Create the ledger when missing (default true); false: a missing one is LedgerError LEDGER_MISSING (SQLite: no
   * file; PostgreSQL: a database without the ledger's schema).
   */
  create?: boolean;
}

/**
 * Opens the ledger at a location: a SQLite file path, or a postgres:// / postgresql:// URL. Any other URL scheme is
 * LedgerError LEDGER_LOCATION_UNSUPPORTED (never taken as a file path).
 */
export async function openLedger(location: string, options: OpenLedgerOptions = {}): Promise<LedgerStore> {
  const parsed = parseLedgerLocation(location);
  const create = options.create === undefined ? {} : { create: options.create };
  if (parsed.kind === 'postgres') return openPostgresLedger(parsed.url, create);
  return openSqliteLedger(parsed.path, create);
}
