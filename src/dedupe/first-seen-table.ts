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
  private chunk: Buffer = Buffer.alloc(0);
  private used = 0;

  get size(): number {
    return this.count;
  }

  /**
   * The row and fingerprint first recorded for this key; when the key is new, records `row` and `fingerprint`
   * for it and returns undefined.
   */
  getOrAdd(provider: ProviderId, orderId: string, row: number, fingerprint: string): { row: number; fingerprint: string } | undefined {
    if (!Number.isSafeInteger(row) || row < 0 || row > 0xffffffff) throw new RangeError(`row must be an integer from 0 to 2^32-1, got ${row}`);
    const providerIndex = PROVIDER_INDEX[provider];
    // The entry is written where it would be stored; it is kept only if the key turns out to be new.
    this.reserve(LENGTH_BYTES * 3 + 1 + 3 * (orderId.length + fingerprint.length));
    const chunk = this.chunk;
    const start = this.used;
    chunk[start + LENGTH_BYTES] = providerIndex;
    const keyEnd = writeText(chunk, start + LENGTH_BYTES + 1, orderId);
    const keyBytes = keyEnd - start - LENGTH_BYTES;
    writeUint32(chunk, start, keyBytes);

    const tag = (hashOrderId(orderId) * 4 + providerIndex) >>> 0;
    const mask = (1 << this.bits) - 1;
    let slot = this.home(tag);
    for (;;) {
      const location = this.locations[slot]!;
      if (location === 0) break;
      if (this.tags[slot] === tag) {
        const index = Math.floor((location - 1) / CHUNK_STRIDE);
        const other = this.chunks[index]!;
        const position = location - 1 - index * CHUNK_STRIDE;
        if (sameBytes(other, position, chunk, start, LENGTH_BYTES + keyBytes)) return readTail(other, position + LENGTH_BYTES + keyBytes);
      }
      slot = (slot + 1) & mask;
    }

    writeUint32(chunk, keyEnd, row);
    const end = writeText(chunk, keyEnd + 2 * LENGTH_BYTES, fingerprint);
    writeUint32(chunk, keyEnd + LENGTH_BYTES, end - keyEnd - 2 * LENGTH_BYTES);
    this.used = end;
    this.tags[slot] = tag;
    this.locations[slot] = (this.chunks.length - 1) * CHUNK_STRIDE + start + 1;
    this.count++;
    if (this.count * 4 > (mask + 1) * 3) this.grow();
    return undefined;
  }

  /** Fibonacci hashing: the top bits of tag × 2³²/φ spread consecutive hashes over the table. */
  private home(tag: number): number {
    return Math.imul(tag, 0x9e3779b1) >>> (32 - this.bits);
  }

  /** Room for `bytes` more in the current chunk, or a new chunk. */
  private reserve(bytes: number): void {
    if (this.used + bytes <= this.chunk.length) return;
    this.chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, bytes));
    this.chunks.push(this.chunk);
    this.used = 0;
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

function writeUint32(bytes: Buffer, at: number, value: number): void {
  bytes[at] = value & 0xff;
  bytes[at + 1] = (value >>> 8) & 0xff;
  bytes[at + 2] = (value >>> 16) & 0xff;
  bytes[at + 3] = value >>> 24;
}

function readUint32(bytes: Buffer, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

/**
 * Writes `text` as UTF-8 at `at` (the caller made room for 3 bytes a UTF-16 unit); returns where it ends. ASCII,
 * nearly every order_id and fingerprint, is copied in a loop: cheaper than a call into the encoder for 20 bytes.
 */
function writeText(bytes: Buffer, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return at + bytes.write(text.slice(i), at, 'utf8');
    bytes[at++] = c;
  }
  return at;
}

function sameBytes(a: Buffer, aStart: number, b: Buffer, bStart: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (a[aStart + i] !== b[bStart + i]) return false;
  return true;
}

/** The row and fingerprint after an entry's key. */
function readTail(bytes: Buffer, at: number): { row: number; fingerprint: string } {
  const fingerprintBytes = readUint32(bytes, at + LENGTH_BYTES);
  const from = at + 2 * LENGTH_BYTES;
  return { row: readUint32(bytes, at), fingerprint: bytes.toString('utf8', from, from + fingerprintBytes) };
}
