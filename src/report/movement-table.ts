import type { Minor } from '../domain/money.ts';
import type { Currency, ProviderId } from '../domain/provider-id.ts';
import type { Movement, ReturnReason } from './movements.ts';

const STATUSES = ['pending', 'paid', 'failed'] as const;
const REASONS: readonly ReturnReason[] = ['failed', 'expired', 'cancelled'];

/**
 * The movements of a report's scope, held in columns instead of one object per movement: the statement has to put
 * every movement of the scope in time order before writing its first line, and a million Movement objects with
 * their dates and strings cost several hundred MB, where these columns cost about 100 bytes a movement. Numbers
 * sit in typed arrays, the three texts of a movement (order id, beneficiary, payout id) as UTF-8 in one growing
 * buffer; batch ids and accounts are kept once each.
 */
export class MovementTable {
  #length = 0;
  #capacity = 0;
  #rowId = new Float64Array(0);
  #rowNumber = new Float64Array(0);
  #amount = new Float64Array(0);
  #debitedAt = new Float64Array(0);
  /** NaN when the movement has no return. */
  #returnedAt = new Float64Array(0);
  /** status index | reason index << 2. */
  #codes = new Uint8Array(0);
  #account = new Uint16Array(0);
  #batch = new Uint32Array(0);
  /** Byte offset of the movement's texts in #text, and the byte length of each of its three texts. */
  #textAt = new Float64Array(0);
  #textLen = new Uint32Array(0);
  #text = Buffer.alloc(0);
  #textUsed = 0;
  readonly #batches: string[] = [];
  readonly #batchIndex = new Map<string, number>();
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
    if (this.#length === this.#capacity) this.#grow();
    const i = this.#length++;
    this.#rowId[i] = m.rowId;
    this.#rowNumber[i] = m.rowNumber;
    this.#amount[i] = m.amountMinor;
    this.#debitedAt[i] = m.debitedAt.getTime();
    this.#returnedAt[i] = m.returned ? m.returned.at.getTime() : Number.NaN;
    this.#codes[i] = STATUSES.indexOf(m.status) | ((m.returned ? REASONS.indexOf(m.returned.reason) : 0) << 2);
    this.#account[i] = this.#intern(this.#accountIndex, `${m.provider}|${m.currency}`, () => this.#accounts.push({ provider: m.provider, currency: m.currency }) - 1);
    this.#batch[i] = this.#intern(this.#batchIndex, m.batchId, () => this.#batches.push(m.batchId) - 1);
    this.#textAt[i] = this.#textUsed;
    const texts = [m.orderId, m.beneficiary, m.providerPayoutId];
    for (let k = 0; k < 3; k++) {
      const t = texts[k]!;
      const need = Buffer.byteLength(t);
      if (this.#textUsed + need > this.#text.length) {
        const bigger = Buffer.allocUnsafe(Math.max(1 << 16, (this.#textUsed + need) * 2));
        this.#text.copy(bigger, 0, 0, this.#textUsed);
        this.#text = bigger;
      }
      this.#text.write(t, this.#textUsed);
      this.#textUsed += need;
      this.#textLen[i * 3 + k] = need;
    }
  }

  /** The movement's account index (into accounts()). */
  accountOf(i: number): number {
    return this.#account[i]!;
  }
  rowIdOf(i: number): number {
    return this.#rowId[i]!;
  }
  amountOf(i: number): Minor {
    return this.#amount[i]!;
  }
  debitedAtOf(i: number): number {
    return this.#debitedAt[i]!;
  }
  /** NaN when the movement was not returned. */
  returnedAtOf(i: number): number {
    return this.#returnedAt[i]!;
  }

  /** The whole movement, as an object again (one at a time, as a statement line is written). */
  get(i: number): Movement {
    if (!(i >= 0 && i < this.#length)) throw new RangeError(`no movement ${i}`);
    const at = this.#textAt[i]!;
    const l0 = this.#textLen[i * 3]!;
    const l1 = this.#textLen[i * 3 + 1]!;
    const l2 = this.#textLen[i * 3 + 2]!;
    const account = this.#accounts[this.#account[i]!]!;
    const code = this.#codes[i]!;
    const movement: Movement = {
      rowId: this.#rowId[i]!,
      batchId: this.#batches[this.#batch[i]!]!,
      rowNumber: this.#rowNumber[i]!,
      provider: account.provider,
      currency: account.currency,
      orderId: this.#text.toString('utf8', at, at + l0),
      beneficiary: this.#text.toString('utf8', at + l0, at + l0 + l1),
      amountMinor: this.#amount[i]!,
      providerPayoutId: this.#text.toString('utf8', at + l0 + l1, at + l0 + l1 + l2),
      status: STATUSES[code & 3]!,
      debitedAt: new Date(this.#debitedAt[i]!),
    };
    const returnedAt = this.#returnedAt[i]!;
    if (!Number.isNaN(returnedAt)) movement.returned = { at: new Date(returnedAt), reason: REASONS[code >> 2]! };
    return movement;
  }

  #intern(index: Map<string, number>, key: string, add: () => number): number {
    let n = index.get(key);
    if (n === undefined) index.set(key, (n = add()));
    return n;
  }

  #grow(): void {
    const capacity = Math.max(1024, this.#capacity * 2);
    const grow = <T extends Float64Array | Uint32Array | Uint16Array | Uint8Array>(old: T, make: (n: number) => T, per = 1): T => {
      const next = make(capacity * per);
      next.set(old);
      return next;
    };
    this.#rowId = grow(this.#rowId, (n) => new Float64Array(n));
    this.#rowNumber = grow(this.#rowNumber, (n) => new Float64Array(n));
    this.#amount = grow(this.#amount, (n) => new Float64Array(n));
    this.#debitedAt = grow(this.#debitedAt, (n) => new Float64Array(n));
    this.#returnedAt = grow(this.#returnedAt, (n) => new Float64Array(n));
    this.#codes = grow(this.#codes, (n) => new Uint8Array(n));
    this.#account = grow(this.#account, (n) => new Uint16Array(n));
    this.#batch = grow(this.#batch, (n) => new Uint32Array(n));
    this.#textAt = grow(this.#textAt, (n) => new Float64Array(n));
    this.#textLen = grow(this.#textLen, (n) => new Uint32Array(n), 3);
    this.#capacity = capacity;
  }
}
