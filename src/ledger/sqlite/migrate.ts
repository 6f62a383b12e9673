import type Database from 'better-sqlite3';
import { LedgerError } from '../ledger-error.ts';
import { SQLITE_MIGRATIONS } from './migrations.ts';

/**
 * Brings the file to this version's schema, one migration per IMMEDIATE transaction; refuses a ledger written by a
 * newer version.
 */
export function migrate(db: Database.Database): void {
  const target = SQLITE_MIGRATIONS.length;
  for (;;) {
    // Re-read inside the write transaction: another process may be migrating the same file.
    const step = db.transaction((): boolean => {
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > target) {
        throw new LedgerError('LEDGER_TOO_NEW', `the ledger has schema version ${version}; this version of payout-batch knows up to ${target}`, {
          version,
          known: target,
        });
      }
      if (version === target) return false;
      db.exec(SQLITE_MIGRATIONS[version] as string);
      db.pragma(`user_version = ${version + 1}`);
      return true;
    });
    if (!step.immediate()) return;
  }
}
