import type { RowStatus } from './row-status.ts';

/**
 * One line of results.csv / results.xlsx. The first twelve columns are fixed, in this order; the rest follow.
 * All values are already safe for output: account masked, amount as a canonical decimal ("1234.56").
 */
export const RESULT_COLUMNS = [
  'row',
  'order_id',
  'provider',
  'status',
  'error_code',
  'error_message',
  'warning',
  'amount',
  'currency',
  'account',
  'name',
  'provider_id',
  'provider_status',
  'attempts',
  'note',
  'updated_at',
] as const;
export type ResultColumn = (typeof RESULT_COLUMNS)[number];

export interface ResultRow {
  row: number;
  order_id: string;
  provider: string;
  status: RowStatus;
  /** Several codes joined with ';'. */
  error_code: string;
  error_message: string;
  /** Warning codes joined with ';'. */
  warning: string;
  amount: string;
  currency: string;
  account: string;
  name: string;
  provider_id: string;
  provider_status: string;
  attempts: number | '';
  /** Context for the operator, e.g. "paid in batch 3f2a…" for a duplicate of an earlier run. */
  note: string;
  /** ISO time of the row's last state change, empty for validate. */
  updated_at: string;
}
