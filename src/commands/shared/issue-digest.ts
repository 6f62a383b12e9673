import { renderMessage } from '../../messages/message-catalogue.ts';
import { messageParts } from '../../messages/stored-message.ts';

/**
 * The problems of a batch as a person reads them at the end of a run: how many rows carry each error code, and the
 * first problem rows in file order (row · field · code · message), capped so a file with 40,000 bad rows still
 * ends in a screenful. Everything past the cap is in the results file.
 */

/** How many problem lines a summary lists before "and N more in results.xlsx". */
export const FIRST_ISSUES_SHOWN = 10;

export interface IssueLine {
  row: number;
  /** The canonical field the issue is about (order_id, amount, account, …), when one is known. */
  field?: string;
  code: string;
  message: string;
  /** The row's status (invalid, conflict, failed, …). */
  status: string;
}

export interface IssueDigestSummary {
  /** Rows carrying each error code (a row with two codes counts under both). */
  byCode: Record<string, number>;
  first: IssueLine[];
  /** Problem lines past the first ones. */
  more: number;
}

/** Where a code's problem sits, for rows whose issue came without its field (a ledger row keeps the code only). */
const FIELD_OF_CODE: ReadonlyArray<[RegExp, string]> = [
  [/^(ORDER_ID_|DUPLICATE_ORDER_ID|CONFLICTING_ORDER_ID)/, 'order_id'],
  [/^(ACCOUNT_|CLABE_|CBU_|ALIAS_)/, 'account'],
  [/^AMOUNT_/, 'amount'],
  [/^CURRENCY_/, 'currency'],
  [/^PROVIDER_UNKNOWN$/, 'provider'],
  [/^NAME_/, 'name'],
  [/^EMAIL_/, 'email'],
  [/^(DESCRIPTION_|REASON_)/, 'description'],
];

export function fieldOfCode(code: string): string | undefined {
  return FIELD_OF_CODE.find(([pattern]) => pattern.test(code))?.[1];
}

export class IssueDigest {
  private readonly byCode = new Map<string, number>();
  private readonly first: IssueLine[] = [];
  private more = 0;

  constructor(private readonly cap = FIRST_ISSUES_SHOWN) {}

  /** One problem of one row. Rows may come in any order; the lines kept are the first by row number. */
  add(line: IssueLine): void {
    this.byCode.set(line.code, (this.byCode.get(line.code) ?? 0) + 1);
    const entry: IssueLine = { row: line.row, ...(line.field ? { field: line.field } : { ...(fieldOfCode(line.code) ? { field: fieldOfCode(line.code) } : {}) }), code: line.code, message: line.message, status: line.status };
    // Rows mostly arrive in file order: the common case appends or drops at once.
    if (this.first.length >= this.cap && entry.row >= this.first[this.first.length - 1]!.row) {
      this.more += 1;
      return;
    }
    let at = this.first.length;
    while (at > 0 && this.first[at - 1]!.row > entry.row) at -= 1;
    this.first.splice(at, 0, entry);
    if (this.first.length > this.cap) {
      this.first.pop();
      this.more += 1;
    }
  }

  /**
   * Takes back one row's issue of this code (a duplicate that a later row turned into a conflict). Only a line still
   * listed can be taken back from the list; past the cap, it is taken from the count of further lines.
   */
  drop(row: number, code: string): void {
    const n = this.byCode.get(code);
    if (n === undefined) return;
    if (n <= 1) this.byCode.delete(code);
    else this.byCode.set(code, n - 1);
    const at = this.first.findIndex((l) => l.row === row && l.code === code);
    if (at >= 0) this.first.splice(at, 1);
    else if (this.more > 0) this.more -= 1;
  }

  /**
   * A row as the ledger keeps it: error codes joined by ';' and their messages by '; ' (ledger-row-input.ts). When
   * the messages cannot be told apart, the first code carries them all.
   */
  addLedgerRow(row: { rowNumber: number; status: string; errorCode?: string; errorMessage?: string }): void {
    if (!row.errorCode) return;
    const codes = row.errorCode.split(';').filter((c) => c !== '');
    // A stored message (messages/stored-message.ts) has one part per code; plain text from an older ledger is split.
    const parts = messageParts(row.errorMessage);
    const messages = parts ? parts.map((part) => renderMessage(part, 'en')) : (row.errorMessage ?? '').split('; ');
    const paired = messages.length === codes.length;
    codes.forEach((code, i) => {
      const message = paired ? messages[i]! : i === 0 ? messages.join('; ') : '';
      this.add({ row: row.rowNumber, code, message, status: row.status });
    });
  }

  summary(): IssueDigestSummary {
    const byCode = Object.fromEntries([...this.byCode].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
    return { byCode, first: [...this.first], more: this.more };
  }
}

/** The errors of a row that is not payable (warnings ride on valid rows and are not problems). */
export function addCheckedRowIssues(digest: IssueDigest, row: { row: number; status: string; issues: ReadonlyArray<{ code: string; severity: string; field?: string; message: string }> }): void {
  if (row.status === 'valid') return;
  for (const issue of row.issues) {
    if (issue.severity !== 'error') continue;
    digest.add({ row: row.row, ...(issue.field ? { field: issue.field } : {}), code: issue.code, message: issue.message, status: row.status });
  }
}
