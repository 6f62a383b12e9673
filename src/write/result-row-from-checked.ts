import { maskAccount } from '../domain/mask-account.ts';
import { formatMinor } from '../domain/money.ts';
import type { CheckedRow, PayoutRow } from '../domain/payout-row.ts';
import type { ResultRow } from '../domain/result-row.ts';
import { maskEmail } from '../domain/mask-account.ts';
import { issuesStoredText } from '../messages/stored-message.ts';

/**
 * validate's verdict on one row as a results row: what the file said where the row could not be parsed. Its
 * error_message and note are stored messages (messages/stored-message.ts), written in the file's language.
 */
export function resultRowFromChecked(checked: CheckedRow): ResultRow {
  const { payout, input, issues } = checked;
  // Most rows have no issue at all: no need to filter and join four empty lists for each of them.
  const errors = issues.length === 0 ? issues : issues.filter((issue) => issue.severity === 'error');
  const warnings = issues.length === 0 ? issues : issues.filter((issue) => issue.severity === 'warning');
  return {
    row: checked.row,
    order_id: payout?.orderId ?? input.orderId ?? '',
    provider: payout?.provider ?? input.provider ?? '',
    status: checked.status,
    error_code: errors.length === 0 ? '' : errors.map((issue) => issue.code).join(';'),
    error_message: issuesStoredText(errors),
    warning: warnings.length === 0 ? '' : warnings.map((issue) => issue.code).join(';'),
    amount: payout ? formatMinor(payout.amountMinor) : (input.amount ?? ''),
    currency: payout?.currency ?? input.currency ?? '',
    account: payout ? destinationOf(payout) : inputAccount(input.account),
    name: payout?.name ?? input.name ?? '',
    provider_id: '',
    provider_status: '',
    attempts: '',
    // A warning code alone ("BANK_UNKNOWN") does not say which bank; the message does.
    note: issuesStoredText(warnings),
    updated_at: '',
  };
}

/** The masked destination: bank code + last 4, an alias as is, a cash-out customer's email masked. */
function destinationOf(payout: PayoutRow): string {
  return maskAccount(payout.account);
}

/** Validation masks input.account already; an email it let through is masked here, idempotently. */
function inputAccount(account: string | undefined): string {
  if (account === undefined) return '';
  return account.includes('@') ? maskEmail(account) : account;
}
