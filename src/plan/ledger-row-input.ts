import type { CheckedRow } from '../domain/payout-row.ts';
import type { LedgerRowInput } from '../ledger/ledger-store.ts';
import { issuesStoredText } from '../messages/stored-message.ts';

/** A validated row as the ledger stores it: valid rows are queued to be paid; the rest keep their verdict. */
export function ledgerRowInput(checked: CheckedRow): LedgerRowInput {
  const errors = checked.issues.filter((i) => i.severity === 'error');
  const warnings = checked.issues.filter((i) => i.severity === 'warning');
  const p = checked.payout;
  // An invalid row is filed under the provider its cell names, not the batch's; one naming none of ours is filed
  // under the batch's (the column is never empty) and read back as belonging to no provider (domain/row-provider.ts).
  const provider = p?.provider ?? checked.provider;
  const input: Record<string, string> = {};
  for (const [key, value] of Object.entries(checked.input)) if (value !== undefined) input[key] = value;
  return {
    rowNumber: checked.row,
    status: checked.status === 'valid' ? 'queued' : checked.status,
    ...(provider !== undefined ? { provider } : {}),
    ...(p
      ? {
          orderKey: p.orderId,
          amountMinor: p.amountMinor,
          currency: p.currency,
          account: p.account,
          ...(p.name !== undefined ? { name: p.name } : {}),
          ...(p.email !== undefined ? { email: p.email } : {}),
          ...(p.phone !== undefined ? { phone: p.phone } : {}),
          ...(p.description !== undefined ? { description: p.description } : {}),
        }
      : checked.input.orderId
        ? { orderKey: checked.input.orderId }
        : {}),
    ...(errors.length ? { errorCode: errors.map((i) => i.code).join(';'), errorMessage: issuesStoredText(errors) } : {}),
    ...(warnings.length ? { warning: warnings.map((i) => i.code).join(';'), note: issuesStoredText(warnings) } : {}),
    input,
  };
}
