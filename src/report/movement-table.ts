import type { Minor } from '../domain/money.ts';
import type { Currency, ProviderId } from '../domain/provider-id.ts';
import type { Movement, ReturnReason } from './movements.ts';

const STATUSES = ['pending', 'paid', 'failed'] as const;
const REASONS: readonly ReturnReason[] = ['failed', 'expired', 'cancelled'];

/** Entries per chunk of a column: a column grows by a chunk, never by copying what it holds. */
const CHUNK = 1 << 16;

/** A column of numbers in fixed-size chunks: growing allocates one more chunk, nothing is copied. */
class Column<T extends Float64Array | Uint8Array | Uint16Array> {
  readonly #chunks: T[] = [];
  constructor(readonly make: (n: number) => T) {}
  set(i: number, value: number): void {
    const c = i >>> 16;
    while (this.#chunks.length <= c) this.#chunks.push(this.make(CHUNK));
    this.#chunks[c]![i & (CHUNK - 1)] = value;
  }
  get(i: number): number {
    return this.#chunks[i >>> 16]![i & (CHUNK - 1)]!;
  }
}

/** What a statement line shows of its row that the table does not keep: read back from the row when the line is made. */
export type MovementTexts = Pick<Movement, 'batchId' | 'rowNumber' | 'orderId' | 'beneficiary' | 'providerPayoutId'>;

/**
 * The movements of a report's scope as the statement needs them to put every one in time order and total them:
 * the row id, amount, times, status and account of each, in columns of numbers (35 bytes a movement: a million cost
 * about 40 MB, where Movement objects with their dates and strings cost several hundred). The texts of a line (order
 * id, beneficiary, payout id, batch, row number) are not kept: they are read back from the ledger a page of lines at
 * a time as the lines are written (MovementTexts). The numbers a line shows all come from here, so its lines always
 * add up to the totals worked out from the same columns.
 */
export class MovementTable {
  #length = 0;
  readonly #rowId = new Column((n) => new Float64Array(n));
  readonly #amount = new Column((n) => new Float64Array(n));
  readonly #debitedAt = new Column((n) => new Float64Array(n));
  /** NaN when the movement has no return. */
  readonly #returnedAt = new Column((n) => new Float64Array(n));
  /** status index | reason index << 2. */
  readonly #codes = new Column((n) => new Uint8Array(n));
  readonly #account = new Column((n) => new Uint16Array(n));
  readonly #accounts: Array<{ provider: ProviderId; currency: Currency }> = [];
  readonly #accountIndex = new Map<string, number>();

  static of(movements: Iterable<Movement>): MovementTable {
    const table = new MovementTable();
    for (const m of movements) table.push(m);
    return table;
  }

  get length(): number {
    return this.#length;
  }

  /** The accounts (provider and currency) of the movements, each once, in the order first seen. */
  accounts(): ReadonlyArray<{ provider: ProviderId; currency: Currency }> {
    return this.#accounts;
  }

  push(m: Movement): void {
    const i = this.#length++;
    this.#rowId.set(i, m.rowId);
    this.#amount.set(i, m.amountMinor);
    this.#debitedAt.set(i, m.debitedAt.getTime());
    this.#returnedAt.set(i, m.returned ? m.returned.at.getTime() : Number.NaN);
    this.#codes.set(i, STATUSES.indexOf(m.status) | ((m.returned ? REASONS.indexOf(m.returned.reason) : 0) << 2));
    const key = `${m.provider}|${m.currency}`;
    let account = this.#accountIndex.get(key);
    if (account === undefined) this.#accountIndex.set(key, (account = this.#accounts.push({ provider: m.provider, currency: m.currency }) - 1));
    this.#account.set(i, account);
  }

  /** The movement's account index (into accounts()). */
  accountOf(i: number): number {
    return this.#account.get(i);
  }
  rowIdOf(i: number): number {
    return this.#rowId.get(i);
  }
  amountOf(i: number): Minor {
    return this.#amount.get(i);
  }
  debitedAtOf(i: number): number {
    return this.#debitedAt.get(i);
  }
  /** NaN when the movement was not returned. */
  returnedAtOf(i: number): number {
    return this.#returnedAt.get(i);
  }

  /** The whole movement, as an object again, from its numbers here and its row's texts (one at a time, as a line is written). */
  get(i: number, texts: MovementTexts): Movement {
    if (!(i >= 0 && i < this.#length)) throw new RangeError(`no movement ${i}`);
    const account = this.#accounts[this.accountOf(i)]!;
    const code = this.#codes.get(i);
    const movement: Movement = {
      rowId: this.rowIdOf(i),
      batchId: texts.batchId,
      rowNumber: texts.rowNumber,
      provider: account.provider,
      currency: account.currency,
      orderId: texts.orderId,
      beneficiary: texts.beneficiary,
      amountMinor: this.amountOf(i),
      providerPayoutId: texts.providerPayoutId,
      status: STATUSES[code & 3]!,
      debitedAt: new Date(this.debitedAtOf(i)),
    };
    const returnedAt = this.returnedAtOf(i);
    if (!Number.isNaN(returnedAt)) movement.returned = { at: new Date(returnedAt), reason: REASONS[code >> 2]! };
    return movement;
  }
}
