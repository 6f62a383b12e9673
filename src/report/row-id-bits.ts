/** Ids per block of bits: 8 kB a block. */
const BLOCK_IDS = 1 << 16;

/**
 * A set of row ids as one bit per id, in 8 kB blocks of 65,536 consecutive ids made as ids fall in them: the
 * comparison with a provider's listing notes every row the listing showed, and the million consecutive ids of a
 * batch cost 128 kB here against about 30 MB as a Set. A lone large id costs one block, not the bits below it.
 */
export class RowIdBits {
  readonly #blocks = new Map<number, Uint8Array>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  add(id: number): void {
    if (!Number.isSafeInteger(id) || id < 0) throw new RangeError(`not a row id: ${String(id)}`);
    const key = Math.floor(id / BLOCK_IDS);
    let block = this.#blocks.get(key);
    if (!block) this.#blocks.set(key, (block = new Uint8Array(BLOCK_IDS / 8)));
    const at = id % BLOCK_IDS;
    const mask = 1 << (at & 7);
    if ((block[at >> 3]! & mask) === 0) {
      block[at >> 3]! |= mask;
      this.#size += 1;
    }
  }

  has(id: number): boolean {
    if (!Number.isSafeInteger(id) || id < 0) return false;
    const block = this.#blocks.get(Math.floor(id / BLOCK_IDS));
    const at = id % BLOCK_IDS;
    return block !== undefined && (block[at >> 3]! & (1 << (at & 7))) !== 0;
  }
}
