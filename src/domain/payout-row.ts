import type { Minor } from './money.ts';
import type { Currency, ProviderId } from './provider-id.ts';
import type { RowIssue } from './row-issue.ts';
import type { ValidationStatus } from './row-status.ts';

/** The fields the tool understands, whatever the file's headers call them. */
export const CANONICAL_FIELDS = [
  'order_id',
  'amount',
  'currency',
  'account',
  'name',
  'email',
  'phone',
  'description',
  'provider',
] as const;
export type CanonicalField = (typeof CANONICAL_FIELDS)[number];

/**
 * One cell as read from the file. CSV cells are always `text`; XLSX keeps the cell's type so that a number in an
 * account column (precision lost by Excel) or a date in an amount column can be caught.
 */
export type RawCell =
  | { type: 'text'; text: string }
  | { type: 'number'; text: string; number: number }
  | { type: 'date'; text: string }
  | { type: 'boolean'; text: string }
  | { type: 'formula'; text: string; formula: string };

/** A data row of the file, before validation. */
export interface RawRow {
  /** Spreadsheet row number: header = 1, first data row = 2. */
  row: number;
  cells: Partial<Record<CanonicalField, RawCell>>;
}

export type Account =
  | { kind: 'clabe'; number: string; bankCode: string; bankName?: string }
  | { kind: 'cbu' | 'cvu'; number: string }
  | { kind: 'alias'; alias: string }
  /** Digital FEMSA OXXO cash-out: no bank account; the customer (by email) collects the cash. */
  | { kind: 'cash_out'; email: string };

/** A row that passed validation: everything needed to pay it, in canonical form. */
export interface PayoutRow {
  row: number;
  provider: ProviderId;
  orderId: string;
  amountMinor: Minor;
  currency: Currency;
  account: Account;
  name?: string;
  email?: string;
  phone?: string;
  description?: string;
}

/** validate's verdict on one row: the payout when it is payable, the issues in every case. */
export interface CheckedRow {
  row: number;
  status: ValidationStatus;
  /**
   * The provider the row routes to (its provider cell, else --provider), valid or not; absent when the cell names
   * none of ours (PROVIDER_UNKNOWN): such a row belongs to no provider.
   */
  provider?: ProviderId;
  /** Present when every field parsed, even if the row is later marked duplicate or conflict. */
  payout?: PayoutRow;
  issues: RowIssue[];
  /** What the file said, for the results file when a field could not be parsed. */
  input: {
    provider?: string;
    orderId?: string;
    amount?: string;
    currency?: string;
    account?: string;
    name?: string;
  };
}
