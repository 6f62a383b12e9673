import type { ProviderId } from '../domain/provider-id.ts';
import type { LedgerStore, OutcomeInput } from '../ledger/ledger-store.ts';
import type { PayoutInstruction } from '../providers/payout-provider.ts';

/** A row the dispatcher works on, as the ledger holds it. */
export interface DispatchRow {
  rowId: number;
  /** Spreadsheet row number, for logs. */
  row: number;
  provider: ProviderId;
  /** Where the row stands: queued rows are sent; sending/unknown rows are settled by lookup first. */
  status: 'queued' | 'sending' | 'unknown';
  /** Attempts already recorded in the ledger. */
  attempts: number;
  /** When the last attempt left (settlement lookups search from there). */
  sentAt?: Date;
  /**
   * The row was `sending` under another worker's lease that ran out, and this worker took it over: that worker's
   * request may have left until its lease ended (ms before the claim, on the database's clock; negative: the worker
   * was found gone earlier) and still be on its way to the provider.
   */
  takenOver?: { leaseEndedMsAgo: number };
  instruction: PayoutInstruction;
}

/**
 * What the dispatcher needs from the ledger (a LedgerStore provides it), the shared rate budget included: a wrapper
 * (watch-ledger-writes.ts) has to hand it on, or every worker on a shared ledger would keep its own `--rate`.
 */
export type DispatchLedger = Pick<LedgerStore, 'markSending' | 'recordOutcomes' | 'getRecipient' | 'saveRecipient' | 'saveRecipients' | 'rateBudget'>;

/** How a row ended this time round, for progress and logs; the ledger has the durable truth. */
/** `conflict`: the provider-side guard found the row's request key on a payout with another amount or destination. */
export type RowResultState = 'pending' | 'paid' | 'failed' | 'unknown' | 'queued' | 'conflict';

export interface RowResult {
  rowId: number;
  state: RowResultState;
  /** The outcome still to be recorded, or undefined when the ledger already holds it. */
  outcome?: OutcomeInput;
  cause: string;
  errorCode?: string;
  errorMessage?: string;
}

export interface DispatchProgress {
  total: number;
  done: number;
  paidOrPending: number;
  failed: number;
  unknown: number;
  notSent: number;
  /** Rows being paid right now (started, not yet ended). */
  inFlight: number;
}
