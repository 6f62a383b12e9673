/**
 * Where a row stands. validate produces the first four; run moves valid rows through the payment states.
 *   queued → sending → pending → paid | failed, plus unknown (outcome not known yet) and not_sent.
 */
export const VALIDATION_STATUSES = ['valid', 'invalid', 'duplicate', 'conflict'] as const;
export const PAYMENT_STATUSES = ['queued', 'sending', 'pending', 'paid', 'failed', 'unknown', 'not_sent'] as const;
export const ROW_STATUSES = [...VALIDATION_STATUSES, ...PAYMENT_STATUSES] as const;

export type ValidationStatus = (typeof VALIDATION_STATUSES)[number];
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];
export type RowStatus = (typeof ROW_STATUSES)[number];

/** States no later event may change. */
export const FINAL_STATUSES: readonly RowStatus[] = ['paid', 'failed', 'invalid', 'duplicate', 'conflict', 'not_sent'];

export function isFinalStatus(status: RowStatus): boolean {
  return FINAL_STATUSES.includes(status);
}
