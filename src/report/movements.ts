import type { Minor } from '../domain/money.ts';
import type { Currency, ProviderId } from '../domain/provider-id.ts';
import type { HistoryEntry, LedgerRow } from '../ledger/ledger-store.ts';

/**
 * A row that moved money at the provider: it was accepted (it has the provider's payout id) and is pending, paid
 * or failed. Rows never accepted (invalid, duplicate, conflict, not_sent, rejected on the spot) moved nothing.
 * `unknown` / `sending` rows may have moved money, but nobody knows yet: they stay out of the statement and are
 * counted in its warnings until sync settles them.
 */
export function isMovement(row: LedgerRow): boolean {
  return (
    row.providerPayoutId !== undefined &&
    row.amountMinor !== undefined &&
    row.currency !== undefined &&
    (row.status === 'pending' || row.status === 'paid' || row.status === 'failed')
  );
}

export type ReturnReason = 'failed' | 'expired' | 'cancelled';

/** What the statement needs of one row that moved money. */
export interface Movement {
  rowId: number;
  batchId: string;
  rowNumber: number;
  provider: ProviderId;
  currency: Currency;
  orderId: string;
  /** The name, else the masked destination: the statement never shows a full account. */
  beneficiary: string;
  amountMinor: Minor;
  providerPayoutId: string;
  /** The ledger status now. */
  status: 'pending' | 'paid' | 'failed';
  /** When the provider took the money from the balance: when it accepted the payout. */
  debitedAt: Date;
  /** A failed (or returned, or expired) payout: when the money came back, and why. */
  returned?: { at: Date; reason: ReturnReason };
}

/**
 * A movement from a ledger row and its history. The debit is dated at the first entry that saw the payout accepted
 * (pending or paid); the return at the provider's own time of the failure when the event carried one, else when we
 * learned of it. A row that went straight to failed (a lookup found it already failed) is debited and returned at
 * that same moment.
 */
export function movementOf(row: LedgerRow, history: readonly HistoryEntry[]): Movement | undefined {
  if (!isMovement(row)) return undefined;
  const accepted = history.find((h) => h.to === 'pending' || h.to === 'paid');
  const failure = row.status === 'failed' ? history.findLast((h) => h.to === 'failed') : undefined;
  const failedAt = failure ? (failure.providerEventAt ?? failure.at) : row.status === 'failed' ? row.updatedAt : undefined;
  const debitedAt = accepted?.at ?? row.sentAt ?? failedAt ?? row.updatedAt;
  const movement: Movement = {
    rowId: row.id,
    ...movementTextsOf(row),
    provider: row.provider,
    currency: row.currency!,
    amountMinor: row.amountMinor!,
    status: row.status as Movement['status'],
    debitedAt,
  };
  if (failedAt) {
    // A return cannot precede its debit, whatever the two clocks say.
    const at = failedAt.getTime() < debitedAt.getTime() ? debitedAt : failedAt;
    movement.returned = { at, reason: returnReason(failure?.providerStatus ?? row.providerStatus) };
  }
  return movement;
}

/** What a statement line shows of a row besides its amount, times and status: read back as the line is written. */
export function movementTextsOf(row: LedgerRow): Pick<Movement, 'batchId' | 'rowNumber' | 'orderId' | 'beneficiary' | 'providerPayoutId'> {
  return {
    batchId: row.batchId,
    rowNumber: row.rowNumber,
    orderId: row.orderKey ?? '',
    // The name, else the masked destination: the statement never shows a full account.
    beneficiary: row.name ?? row.accountMasked ?? '',
    providerPayoutId: row.providerPayoutId ?? '',
  };
}

/** digitalfemsa-cashout.txt: an unclaimed order expires at expires_at; a cancelled one is void. Both give the money back. */
function returnReason(providerStatus: string | undefined): ReturnReason {
  switch (providerStatus?.toLowerCase()) {
    case 'expired':
      return 'expired';
    case 'cancelled':
    case 'canceled':
      return 'cancelled';
    default:
      return 'failed';
  }
}
