import type { MessageParams } from '../messages/message-catalogue.ts';

/**
 * A problem found in one row. Bad rows are returned as issues, never thrown: a file with 40 bad rows reports
 * 40 issues in one pass. Codes are stable (tests and the results file depend on them); messages are for people.
 */
export const ERROR_CODES = [
  'ORDER_ID_MISSING',
  'ORDER_ID_TOO_LONG',
  'ORDER_ID_PRECISION_LOST',
  'ACCOUNT_MISSING',
  'CLABE_LENGTH',
  'CLABE_NOT_DIGITS',
  'CLABE_CHECKSUM',
  'CBU_LENGTH',
  'CBU_NOT_DIGITS',
  'CBU_CHECKSUM',
  'ALIAS_FORMAT',
  'ACCOUNT_PRECISION_LOST',
  'AMOUNT_MISSING',
  'AMOUNT_FORMAT',
  'AMOUNT_NOT_POSITIVE',
  'AMOUNT_DECIMALS',
  'AMOUNT_NOT_WHOLE_PESOS',
  'AMOUNT_TOO_LARGE',
  'AMOUNT_IS_DATE',
  'CURRENCY_UNSUPPORTED',
  'PROVIDER_UNKNOWN',
  'NAME_MISSING',
  'NAME_TOO_LONG',
  'DESCRIPTION_TOO_LONG',
  'REASON_TOO_LONG',
  'EMAIL_MISSING',
  'EMAIL_INVALID',
  'DUPLICATE_ORDER_ID',
  'CONFLICTING_ORDER_ID',
] as const;

/**
 * CONTROL_CHARACTERS_REMOVED: a name or description held control characters (C0 but tab/LF/CR, DEL, C1, whole ANSI
 * escape sequences); they were removed from what is written and sent, and the row stays valid.
 */
export const WARNING_CODES = ['BANK_UNKNOWN', 'TEST_ACCOUNT', 'READ_BY_CONTENT', 'CONTROL_CHARACTERS_REMOVED'] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
export type WarningCode = (typeof WARNING_CODES)[number];
export type IssueCode = ErrorCode | WarningCode;

export interface RowIssue {
  code: IssueCode;
  severity: 'error' | 'warning';
  /** The row number a person sees in a spreadsheet: header = 1, first data row = 2. */
  row: number;
  /** The canonical field (order_id, amount, account, …) the issue is about, when there is one. */
  field?: string;
  /** The header as it appears in the file, when there is one. */
  column?: string;
  /**
   * The data the message is made from (the value as the file had it, masked when it is an account; a length and
   * its limit; …): messages/message-catalogue.ts writes the sentence from the code and these, in each language.
   */
  params?: MessageParams;
  /** The English sentence, for the terminal and the log; files and workbooks make theirs from code and params. */
  message: string;
}

export function isWarning(code: IssueCode): code is WarningCode {
  return (WARNING_CODES as readonly string[]).includes(code);
}
