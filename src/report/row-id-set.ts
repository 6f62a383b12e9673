/**
 * A set of ledger row ids as one bit per id: the ids of a report's scope (a million rows) cost an eighth of a byte
 * per id up to the largest, where a Set<number> costs tens of bytes per entry on the JavaScript heap.
 */
export class RowIdSet {
  #bits = new Uint8Array(0);
  #size = 0;

  get size(): number {
    return this.#size;
  }

  add(id: number): void {
    checkId(id);
    const byte = id >>> 3;
    if (byte >= this.#bits.length) {
      // Doubling: ids come roughly in order, so the set grows a few times, not once per id.
      const grown = new Uint8Array(Math.max(byte + 1, this.#bits.length * 2, 1024));
      grown.set(this.#bits);
      this.#bits = grown;
    }
    const mask = 1 << (id & 7);
    if ((this.#bits[byte]! & mask) !== 0) return;
    this.#bits[byte]! |= mask;
    this.#size += 1;
  }

  has(id: number): boolean {
    checkId(id);
    const byte = id >>> 3;
    return byte < this.#bits.length && (this.#bits[byte]! & (1 << (id & 7))) !== 0;
  }
}

/** Row ids are the ledger's positive integer keys; 2^32 of them is past any ledger this tool writes. */
function checkId(id: number): void {
  if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) throw new RangeError(`row id must be an integer from 0 to 2^32-1, got ${id}`);
}
