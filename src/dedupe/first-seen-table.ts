import type { ProviderId } from '../domain/provider-id.ts';

/** FNV-1a over the UTF-16 code units, folded to 30 bits. */
export function hashOrderId(orderId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < orderId.length; i++) h = Math.imul(h ^ orderId.charCodeAt(i), 0x01000193);
  return (h ^ (h >>> 30)) & 0x3fffffff;
}

const PROVIDER_INDEX: Readonly<Record<ProviderId, number>> = { openpay: 0, conekta: 1, digitalfemsa: 2, zenrise: 3 };

/** Entries are packed into chunks of this size; an entry that does not fit in what is left starts a new one. */
const CHUNK_BYTES = 1 << 20;
/** Chunk index and position in one double: chunk × 2³² + position, exact far beyond any file. */
const CHUNK_STRIDE = 2 ** 32;
const INITIAL_BITS = 12;
/** Entry layout: key length, key (provider byte + order_id UTF-8), row, fingerprint length, fingerprint UTF-8. */
const LENGTH_BYTES = 4;

/**
 * The first valid row of each key (provider + order_id) and its fingerprint, for a million keys and more without
 * weighing on the JavaScript heap: the entries are bytes in 1 MB chunks, the index an open-addressing table of
 * typed arrays, so the garbage collector has nothing of it to trace. About 12 bytes a slot (at most 75 % full)
 * plus the entry (50 bytes for a 14-character order_id and a CLABE): 75 MB for a million keys.
 * Keys compare exactly, byte for byte; the hash only chooses where to look.
 */
export class FirstSeenTable {
  private bits = INITIAL_BITS;
  /** Per slot: the key's hash × 4 + provider index, to skip most non-matching slots without reading an entry. */
  private tags = new Uint32Array(1 << INITIAL_BITS);
  /** Per slot: the entry's location + 1; 0 is an empty slot. */
  private locations = new Float64Array(1 << INITIAL_BITS);
  private count = 0;
  private readonly chunks: Buffer[] = [];
  private chunk: Buffer | undefined;
  private used = 0;
  /** The entry being looked up or added, laid out as it is stored. */
  private scratch = Buffer.allocUnsafe(256);

  get size(): number {
    return this.count;
  }

  /**
   * The row and fingerprint first recorded for this key; when the key is new, records `row` and `fingerprint`
   * for it and returns undefined.
   */
  getOrAdd(provider: ProviderId, orderId: string, row: number, fingerprint: string): { row: number; fingerprint: string } | undefined {
    if (!Number.isSafeInteger(row) || row < 0 || row > 0xffffffff) throw new RangeError(`row must be an integer from 0 to 2^32-1, got ${row}`);
    const tag = (hashOrderId(orderId) * 4 + PROVIDER_INDEX[provider]) >>> 0;
    const keyBytes = this.encodeKey(provider, orderId);
    const mask = (1 << this.bits) - 1;
    let slot = this.home(tag);
    for (;;) {
      const location = this.locations[slot]!;
      if (location === 0) break;
      if (this.tags[slot] === tag && this.sameKey(location - 1, keyBytes)) return this.read(location - 1, keyBytes);
      slot = (slot + 1) & mask;
    }
    this.tags[slot] = tag;
    this.locations[slot] = this.append(keyBytes, row, fingerprint) + 1;
    this.count++;
    if (this.count * 4 > (mask + 1) * 3) this.grow();
    return undefined;
  }

  /** Fibonacci hashing: the top bits of tag × 2³²/φ spread consecutive hashes over the table. */
  private home(tag: number): number {
    return Math.imul(tag, 0x9e3779b1) >>> (32 - this.bits);
  }

  /** Writes length + key into the scratch buffer; returns the key's byte length. */
  private encodeKey(provider: ProviderId, orderId: string): number {
    this.reserve(LENGTH_BYTES + 1 + orderId.length * 3);
    this.scratch[LENGTH_BYTES] = PROVIDER_INDEX[provider];
    const keyBytes = 1 + this.scratch.write(orderId, LENGTH_BYTES + 1, 'utf8');
    this.scratch.writeUInt32LE(keyBytes, 0);
    return keyBytes;
  }

  private reserve(bytes: number): void {
    if (this.scratch.length >= bytes) return;
    const grown = Buffer.allocUnsafe(Math.max(bytes, this.scratch.length * 2));
    this.scratch.copy(grown);
    this.scratch = grown;
  }

  private at(location: number): { chunk: Buffer; position: number } {
    const index = Math.floor(location / CHUNK_STRIDE);
    return { chunk: this.chunks[index]!, position: location - index * CHUNK_STRIDE };
  }

  private sameKey(location: number, keyBytes: number): boolean {
    const { chunk, position } = this.at(location);
    const end = LENGTH_BYTES + keyBytes;
    return this.scratch.compare(chunk, position, position + end, 0, end) === 0;
  }

  private read(location: number, keyBytes: number): { row: number; fingerprint: string } {
    const { chunk, position } = this.at(location);
    const after = position + LENGTH_BYTES + keyBytes;
    const fingerprintBytes = chunk.readUInt32LE(after + 4);
    return { row: chunk.readUInt32LE(after), fingerprint: chunk.toString('utf8', after + 8, after + 8 + fingerprintBytes) };
  }

  /** Completes the entry in the scratch buffer (after the key), copies it into a chunk, returns its location. */
  private append(keyBytes: number, row: number, fingerprint: string): number {
    const after = LENGTH_BYTES + keyBytes;
    this.reserve(after + 8 + fingerprint.length * 3);
    this.scratch.writeUInt32LE(row, after);
    const fingerprintBytes = this.scratch.write(fingerprint, after + 8, 'utf8');
    this.scratch.writeUInt32LE(fingerprintBytes, after + 4);
    const total = after + 8 + fingerprintBytes;
    if (this.chunk === undefined || this.used + total > this.chunk.length) {
      this.chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, total));
      this.chunks.push(this.chunk);
      this.used = 0;
    }
    this.scratch.copy(this.chunk, this.used, 0, total);
    const location = (this.chunks.length - 1) * CHUNK_STRIDE + this.used;
    this.used += total;
    return location;
  }

  private grow(): void {
    const { tags, locations } = this;
    this.bits++;
    this.tags = new Uint32Array(1 << this.bits);
    this.locations = new Float64Array(1 << this.bits);
    const mask = (1 << this.bits) - 1;
    for (let i = 0; i < locations.length; i++) {
      const location = locations[i]!;
      if (location === 0) continue;
      let slot = this.home(tags[i]!);
      while (this.locations[slot] !== 0) slot = (slot + 1) & mask;
      this.tags[slot] = tags[i]!;
      this.locations[slot] = location;
    }
  }
}
