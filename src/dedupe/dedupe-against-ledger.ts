import type { CheckedRow } from '../domain/payout-row.ts';
import { payoutFingerprint } from '../domain/payout-fingerprint.ts';
import type { RowIssue } from '../domain/row-issue.ts';
import type { KeyOwner } from '../ledger/ledger-store.ts';
import { renderMessage } from '../messages/message-catalogue.ts';

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
  const code = same ? 'DUPLICATE_ORDER_ID' : 'CONFLICTING_ORDER_ID';
  const params = { orderId: row.payout.orderId, status: owner.status, batch: owner.batchId, ownerRow: owner.rowNumber, ownerProvider: owner.provider };
  const issue: RowIssue = { code, severity: 'error', row: row.row, field: 'order_id', params, message: renderMessage({ code, params }, 'en') };
  return { ...row, status: same ? 'duplicate' : 'conflict', issues: [...row.issues, issue] };
}
