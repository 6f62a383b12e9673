import type { ProviderId } from './provider-id.ts';

/** The code of a row whose provider cell names none of the providers we pay through. */
export const PROVIDER_UNKNOWN = 'PROVIDER_UNKNOWN';

/** True when a stored row's error codes (`A;B`) say its provider cell named none of ours. */
export function namesUnknownProvider(errorCode: string | undefined): boolean {
  return errorCode !== undefined && errorCode.split(';').includes(PROVIDER_UNKNOWN);
}

/**
 * The provider a stored row belongs to, or undefined for a row whose provider cell named none of ours. The ledger's
 * provider column is never empty, so such a row is filed under its batch's provider; every count, total and list
 * per provider (results, reconciliation, batches, status, report --provider) reads it through here instead.
 */
export function providerOfRow(row: { provider: ProviderId; errorCode?: string | undefined }): ProviderId | undefined {
  return namesUnknownProvider(row.errorCode) ? undefined : row.provider;
}

/** SQL condition (SQLite and PostgreSQL) keeping the rows that belong to a provider: the SQL side of providerOfRow. */
export const ROUTED_ROW_SQL = `(error_code IS NULL OR ';' || error_code || ';' NOT LIKE '%;${PROVIDER_UNKNOWN};%')`;
