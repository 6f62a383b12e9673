import { requestKey } from '../domain/request-key.ts';
import type { LedgerRow } from '../ledger/ledger-store.ts';
import type { PayoutInstruction } from '../providers/payout-provider.ts';

/**
 * The instruction a ledger row was sent with, for a settlement lookup: the same request key and order id as every
 * attempt (request-key.ts), so a lookup that resends (Openpay order_id, Zenrise externalReference) can only ever
 * find or create the one payout of this key. Undefined when the row lacks the fields of a payout.
 */
export function instructionFromRow(row: LedgerRow, recipientId?: string): PayoutInstruction | undefined {
  if (!row.orderKey || row.amountMinor === undefined || !row.currency || !row.account) return undefined;
  const recipient = row.recipientId ?? recipientId;
  return {
    requestKey: row.requestKey ?? requestKey(row.provider, row.orderKey),
    orderId: row.orderKey,
    amountMinor: row.amountMinor,
    currency: row.currency,
    account: row.account,
    ...(row.name !== undefined ? { name: row.name } : {}),
    ...(row.email !== undefined ? { email: row.email } : {}),
    ...(row.phone !== undefined ? { phone: row.phone } : {}),
    ...(row.description !== undefined ? { description: row.description } : {}),
    ...(recipient !== undefined ? { recipientId: recipient } : {}),
  };
}
