import type { Minor } from '../domain/money.ts';
import { renderMessage, type MessageParams } from '../messages/message-catalogue.ts';
import type { CheckedRow } from '../domain/payout-row.ts';
import type { Currency } from '../domain/provider-id.ts';
import type { RowIssue } from '../domain/row-issue.ts';
import { fingerprintOf, payoutDestination } from '../domain/payout-fingerprint.ts';
import { FirstSeenTable } from './first-seen-table.ts';

export { hashOrderId } from './first-seen-table.ts';

/** An earlier row that a later row with the same key turned into a conflict, with what the caller needs to recount it. */
export interface LateConflict {
  /** CONFLICTING_ORDER_ID naming the other rows of the key; it replaces any DUPLICATE_ORDER_ID of the row. */
  issue: RowIssue;
  /** The status check() returned for the row. */
  previousStatus: 'valid' | 'duplicate';
  currency: Currency;
  amountMinor: Minor;
}

export interface InFileDeduper {
  /**
   * Feed rows in file order; returns the row with status/issues updated as far as is known now: an identical repeat
   * of the key (the order_id, whatever the provider) → 'duplicate' with DUPLICATE_ORDER_ID naming the first row; a repeat with a
   * different amount, account or currency → 'conflict' with CONFLICTING_ORDER_ID naming the rows before it. Once a
   * key is in conflict, every later row with it is a conflict too. Only valid rows take part: an invalid row
   * neither holds a key nor is marked, since its own errors already keep it from being paid.
   */
  check(row: CheckedRow): CheckedRow;
  /**
   * Rows returned earlier as 'valid' or 'duplicate' that have since become 'conflict' because a later row with the
   * same key differed. The caller fixes them up at the end.
   */
  lateConflicts(): Map<number, LateConflict>;
  /**
   * After every row of the file went through check(): the same row again, in a later pass over the same file, gets
   * the verdict check() gave it (duplicate / conflict with the same issue; late conflicts stay for the caller to
   * apply). Reads what the first pass kept, adds nothing: a second pass needs no second table.
   */
  replay(row: CheckedRow): CheckedRow;
}

export interface InFileDeduperOptions {
  /** The order_id header as it appears in the file, for RowIssue.column. */
  orderIdColumn?: string;
}

/** A key seen more than once. Rare, so it can afford a fuller entry than the compact first-seen string. */
interface Repeat {
  orderId: string;
  /** Every valid row with the key, in file order; rows[0] is the first. */
  rows: number[];
  /** The first row's fingerprint (amount | destination | currency), compared exactly. */
  fingerprint: string;
  /** The first row's amount and currency, which every valid or duplicate row of the key shares. */
  amountMinor: Minor;
  currency: Currency;
  /** Index in rows of the first row that differed; the rows before it were returned as valid or duplicate. */
  conflictFrom?: number;
}

/** How many rows a message names before it says "and N more". */
const ROWS_NAMED = 10;

/**
 * The rows of a key other than `except` (which, when given, is one of them) for a message ("rows 2, 5 and 9 more"):
 * the first ROWS_NAMED by file order, and how many there are. Bounded work per call, so a file that repeats one
 * order_id throughout stays linear.
 */
function nameRows(rows: readonly number[], except?: number, count = rows.length): { rows: string; count: number } {
  const named: number[] = [];
  for (let i = 0; i < count && named.length < ROWS_NAMED; i++) if (rows[i] !== except) named.push(rows[i]!);
  return { rows: named.join(','), count: except === undefined ? count : count - 1 };
}

/** The fuller entry of a key seen a second time, from what the first-seen table kept of its first row. */
function repeatOf(orderId: string, first: { row: number; fingerprint: string }): Repeat {
  const { fingerprint } = first;
  return {
    orderId,
    rows: [first.row],
    fingerprint,
    amountMinor: Number(fingerprint.slice(0, fingerprint.indexOf('|'))),
    currency: fingerprint.slice(fingerprint.lastIndexOf('|') + 1) as Currency,
  };
}

/**
 * Finds repeated order_ids within one file, streaming. Per distinct key the state is its first row and
 * fingerprint, kept outside the JavaScript heap (FirstSeenTable: about 75 MB for a million keys, none of it traced
 * by the garbage collector). Keys seen twice get a fuller entry.
 */
export function createInFileDeduper(options: InFileDeduperOptions = {}): InFileDeduper {
  const firstSeen = new FirstSeenTable();
  const repeats = new Map<string, Repeat>();

  const issue = (row: number, code: 'DUPLICATE_ORDER_ID' | 'CONFLICTING_ORDER_ID', params: MessageParams): RowIssue => ({
    code,
    severity: 'error',
    row,
    field: 'order_id',
    ...(options.orderIdColumn === undefined ? {} : { column: options.orderIdColumn }),
    params,
    message: renderMessage({ code, params }, 'en'),
  });
  const conflictIssue = (row: number, orderId: string, others: { rows: string; count: number }): RowIssue => issue(row, 'CONFLICTING_ORDER_ID', { orderId, ...others });

  const duplicateIssue = (row: number, orderId: string, first: number): RowIssue => issue(row, 'DUPLICATE_ORDER_ID', { orderId, firstRow: first });

  return {
    replay(row) {
      const payout = row.payout;
      if (row.status !== 'valid' || payout === undefined) return row;
      const repeat = repeats.get(payout.orderId);
      if (repeat === undefined || repeat.rows[0] === row.row) return row;
      const at = indexOfRow(repeat.rows, row.row);
      // Not a row the first pass saw with this key: the file changed (the caller's hash check refuses it).
      if (at < 0) return row;
      if (repeat.conflictFrom === undefined || at < repeat.conflictFrom) {
        return { ...row, status: 'duplicate', issues: [...row.issues, duplicateIssue(row.row, payout.orderId, repeat.rows[0]!)] };
      }
      return { ...row, status: 'conflict', issues: [...row.issues, conflictIssue(row.row, payout.orderId, nameRows(repeat.rows, undefined, at))] };
    },

    check(row) {
      const payout = row.payout;
      if (row.status !== 'valid' || payout === undefined) return row;

      // The fingerprint's parts go to the table as they are: the string is only built for a key seen before.
      const destination = payoutDestination(payout.account);
      const first = firstSeen.getOrAdd(payout.orderId, row.row, payout.amountMinor, destination, payout.currency);
      if (first === undefined) return row;
      const fingerprint = fingerprintOf(payout.amountMinor, destination, payout.currency);

      const key = payout.orderId;
      let repeat = repeats.get(key);
      if (repeat === undefined) {
        repeat = repeatOf(payout.orderId, first);
        repeats.set(key, repeat);
      }

      if (repeat.conflictFrom === undefined && fingerprint === repeat.fingerprint) {
        repeat.rows.push(row.row);
        return { ...row, status: 'duplicate', issues: [...row.issues, duplicateIssue(row.row, payout.orderId, repeat.rows[0]!)] };
      }
      const others = nameRows(repeat.rows);
      repeat.conflictFrom ??= repeat.rows.length;
      repeat.rows.push(row.row);
      return { ...row, status: 'conflict', issues: [...row.issues, conflictIssue(row.row, payout.orderId, others)] };
    },

    lateConflicts() {
      const late = new Map<number, LateConflict>();
      for (const repeat of repeats.values()) {
        if (repeat.conflictFrom === undefined) continue;
        for (let i = 0; i < repeat.conflictFrom; i++) {
          const row = repeat.rows[i]!;
          late.set(row, {
            issue: conflictIssue(row, repeat.orderId, nameRows(repeat.rows, row)),
            previousStatus: i === 0 ? 'valid' : 'duplicate',
            currency: repeat.currency,
            amountMinor: repeat.amountMinor,
          });
        }
      }
      return late;
    },
  };
}

/** Where `row` is in `rows` (increasing row numbers), by binary search; -1 when absent. */
function indexOfRow(rows: readonly number[], row: number): number {
  let lo = 0;
  let hi = rows.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const at = rows[mid]!;
    if (at === row) return mid;
    if (at < row) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
