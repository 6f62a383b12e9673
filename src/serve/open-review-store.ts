import { parseLedgerLocation } from '../ledger/ledger-location.ts';
import { openPgReviewStore } from '../ledger/postgres/pg-review-store.ts';
import { openSqliteReviewStore } from '../ledger/sqlite/sqlite-review-store.ts';
import type { ReviewStore } from './review-store.ts';

/**
 * The ReviewStore of a ledger location as openLedger takes it: a SQLite file path or a postgres:// URL (with its
 * password: never a masked display form). The ledger must exist; it is migrated to the review tables if below them.
 */
export async function openReviewStore(location: string, options: { now?: () => Date } = {}): Promise<ReviewStore> {
  const parsed = parseLedgerLocation(location);
  return parsed.kind === 'postgres' ? openPgReviewStore(parsed.url, options) : openSqliteReviewStore(parsed.path, options);
}
