import type { CheckedRow } from '../domain/payout-row.ts';
import { payoutFingerprint } from '../domain/payout-fingerprint.ts';
import type { RowIssue } from '../domain/row-issue.ts';
import type { KeyOwner } from '../ledger/ledger-store.ts';

/** The fingerprint of a checked row's payout (domain/payout-fingerprint.ts), when every field parsed. */
export function checkedRowFingerprint(row: CheckedRow): string | undefined {
  return row.payout ? payoutFingerprint(row.payout) : undefined;
}

/**
 * Marks valid rows whose key an earlier batch already holds, under any provider (the order_id names one payout
 * intent whatever provider carries it): the same payout → `duplicate` (never sent again; the note names the earlier
 * batch and provider); a different amount, destination or currency → `conflict` (never sent).
 * A key whose earlier row failed or was never sent no longer owns it (the ledger's KeyOwner.ownsKey) and is free.
 */
export function dedupeAgainstLedger(
  row: CheckedRow,
  owner: KeyOwner | undefined,
  currentBatchId: string,
): CheckedRow {
  if (row.status !== 'valid' || !row.payout || !owner || owner.batchId === currentBatchId || !owner.ownsKey) return row;
  const same = owner.fingerprint === checkedRowFingerprint(row);
  const issue: RowIssue = {
    code: same ? 'DUPLICATE_ORDER_ID' : 'CONFLICTING_ORDER_ID',
    severity: 'error',
    row: row.row,
    field: 'order_id',
    message: same
      ? `order_id ${row.payout.orderId} is already ${owner.status} in batch ${owner.batchId} (row ${owner.rowNumber}, ${owner.provider}); it is not sent again`
      : `order_id ${row.payout.orderId} was used in batch ${owner.batchId} (row ${owner.rowNumber}, ${owner.provider}) with a different amount, account or currency; not sent`,
  };
  return { ...row, status: same ? 'duplicate' : 'conflict', issues: [...row.issues, issue] };
}
