/** FNV-1a over the UTF-16 code units, folded to 30 bits. */
export function hashOrderId(orderId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < orderId.length; i++) h = Math.imul(h ^ orderId.charCodeAt(i), 0x01000193);
  return (h ^ (h >>> 30)) & 0x3fffffff;
}

/** Entries are packed into chunks of this size; an entry that does not fit in what is left starts a new one. */
const CHUNK_BYTES = 1 << 20;
/**
 * An entry's location is chunk index × CHUNK_BYTES + position, in a Uint32Array: 4 GB of entries, some 70 million
 * keys. An entry never spans two chunks, so no entry may be larger than one (a payout's is under 1 KB).
 */
const MAX_ENTRY_BYTES = CHUNK_BYTES;
const INITIAL_BITS = 12;
/** Entry layout: key length, key (order_id UTF-8), row, fingerprint length, fingerprint UTF-8. */
const LENGTH_BYTES = 4;
const PIPE = 0x7c;

/**
 * The first valid row of each key (the order_id: one payout intent whatever provider carries it) and its fingerprint, for a million keys and more without
 * weighing on the JavaScript heap: the entries are bytes in 1 MB chunks, the index an open-addressing table of
 * typed arrays, so the garbage collector has nothing of it to trace. 8 bytes a slot (at most 75 % full) plus the
 * entry (56 bytes for a 14-character order_id and a CLABE): about 70 MB for a million keys.
 * Keys compare exactly, byte for byte; the hash only chooses where to look.
 */
export class FirstSeenTable {
  private bits = INITIAL_BITS;
  /**
   * Two numbers a slot, side by side so one probe reads one cache line: the key's hash (to skip most non-matching
   * slots without reading an entry), then the entry's location + 1 (0: an empty slot).
   */
  private slots = new Uint32Array(2 << INITIAL_BITS);
  private count = 0;
  private readonly chunks: Buffer[] = [];
  private chunk: Buffer = Buffer.alloc(0);
  private used = 0;

  get size(): number {
    return this.count;
  }

  /**
   * The row and fingerprint first recorded for this key; when the key is new, records `row` and the fingerprint
   * (kept as the text `<amountMinor>|<destination>|<currency>`, fingerprintOf's form) and returns undefined.
   */
  getOrAdd(
    orderId: string,
    row: number,
    amountMinor: number,
    destination: string,
    currency: string,
  ): { row: number; fingerprint: string } | undefined {
    if (!Number.isSafeInteger(row) || row < 0 || row > 0xffffffff) throw new RangeError(`row must be an integer from 0 to 2^32-1, got ${row}`);
    if (!Number.isSafeInteger(amountMinor)) throw new RangeError(`amountMinor must be a safe integer, got ${amountMinor}`);
    // The entry is written where it would be stored; it is kept only if the key turns out to be new. A safe
    // integer has at most 17 characters.
    const room = LENGTH_BYTES * 3 + 2 + 3 * (orderId.length + 17 + destination.length + currency.length);
    if (room > MAX_ENTRY_BYTES) throw new RangeError(`an order_id and destination of ${room} bytes are too long to keep`);
    this.reserve(room);
    const chunk = this.chunk;
    const start = this.used;
    // The key's bytes and its hash (hashOrderId, over the UTF-16 units) in one loop for ASCII, nearly every order_id.
    let at = start + LENGTH_BYTES;
    let h = 0x811c9dc5;
    let ascii = true;
    for (let i = 0; i < orderId.length; i++) {
      const c = orderId.charCodeAt(i);
      if (c >= 0x80) {
        ascii = false;
        break;
      }
      h = Math.imul(h ^ c, 0x01000193);
      chunk[at++] = c;
    }
    const tag = ascii ? (h ^ (h >>> 30)) & 0x3fffffff : hashOrderId(orderId);
    const keyEnd = ascii ? at : writeText(chunk, start + LENGTH_BYTES, orderId);
    const keyBytes = keyEnd - start - LENGTH_BYTES;
    writeUint32(chunk, start, keyBytes);

    const slots = this.slots;
    const mask = (1 << this.bits) - 1;
    let slot = this.home(tag);
    for (;;) {
      const location = slots[2 * slot + 1]!;
      if (location === 0) break;
      if (slots[2 * slot] === tag) {
        // CHUNK_BYTES is 2^20: the chunk is the location's top bits, the position its low 20.
        const other = this.chunks[(location - 1) >>> 20]!;
        const position = (location - 1) & (CHUNK_BYTES - 1);
        if (sameBytes(other, position, chunk, start, LENGTH_BYTES + keyBytes)) return readTail(other, position + LENGTH_BYTES + keyBytes);
      }
      slot = (slot + 1) & mask;
    }

    writeUint32(chunk, keyEnd, row);
    let end = writeInteger(chunk, keyEnd + 2 * LENGTH_BYTES, amountMinor);
    chunk[end++] = PIPE;
    end = writeText(chunk, end, destination);
    chunk[end++] = PIPE;
    end = writeText(chunk, end, currency);
    writeUint32(chunk, keyEnd + LENGTH_BYTES, end - keyEnd - 2 * LENGTH_BYTES);
    this.used = end;
    slots[2 * slot] = tag;
    slots[2 * slot + 1] = (this.chunks.length - 1) * CHUNK_BYTES + start + 1;
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
    if ((this.chunks.length + 1) * CHUNK_BYTES >= 2 ** 32) throw new RangeError('more keys than the table can hold (4 GB of entries)');
    this.chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    this.chunks.push(this.chunk);
    this.used = 0;
  }

  private grow(): void {
    const old = this.slots;
    this.bits++;
    const slots = new Uint32Array(2 << this.bits);
    const mask = (1 << this.bits) - 1;
    for (let i = 0; i < old.length; i += 2) {
      const location = old[i + 1]!;
      if (location === 0) continue;
      const tag = old[i]!;
      let slot = this.home(tag);
      while (slots[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
      slots[2 * slot] = tag;
      slots[2 * slot + 1] = location;
    }
    this.slots = slots;
  }
}

/** Writes String(value) of a safe integer at `at` without making the string; returns where it ends. */
function writeInteger(bytes: Buffer, at: number, value: number): number {
  if (value < 0) {
    bytes[at++] = 0x2d;
    value = -value;
  }
  let digits = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  let rest = value;
  for (let i = digits - 1; i >= 0; i--) {
    bytes[at + i] = 48 + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  return at + digits;
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
