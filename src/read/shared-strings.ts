import { runsText, tagAt } from './sheet-xml.ts';

/** Strings are packed into chunks of this size, never across two; a position is chunk × CHUNK_BYTES + offset. */
const CHUNK_BYTES = 1 << 20;
const LENGTH_BYTES = 4;
/** Excel stores at most 32,767 characters in a cell; anything past this many is not a payout field anyway. */
const MAX_CHARS = (CHUNK_BYTES - LENGTH_BYTES) / 4;
/** A uniqueCount beyond this is not believed up front (the index still grows to whatever the table holds). */
const MAX_PREALLOCATED = 1 << 24;

/**
 * A workbook's shared-strings table (ECMA-376 Part 1, 18.4: xl/sharedStrings.xml, one <si> per string, plain
 * <t>text</t> or rich <r> runs) held as UTF-8 bytes outside the JavaScript heap: a sheet of a million rows shares
 * two or three million strings, which as JavaScript strings in an array (exceljs's cache) take some 200 MB and
 * weigh on every garbage collection. Here they take their UTF-8 size plus 8 bytes each. A rich string is kept as
 * its text: runs joined, phonetic guides left out.
 */
export class SharedStrings {
  private readonly chunks: Buffer[] = [];
  private chunk: Buffer = Buffer.alloc(0);
  private used = 0;
  private starts: Uint32Array;
  private count = 0;

  /** `expected`: the table's own count (<sst uniqueCount>), so that the index is allocated once at its size. */
  constructor(expected = 1024) {
    this.starts = new Uint32Array(Math.min(Math.max(expected, 16), MAX_PREALLOCATED));
  }

  get size(): number {
    return this.count;
  }

  add(text: string): void {
    const value = text.length > MAX_CHARS ? text.slice(0, MAX_CHARS) : text;
    const room = LENGTH_BYTES + value.length * 3;
    if (this.used + room > this.chunk.length) {
      this.chunk = Buffer.allocUnsafe(CHUNK_BYTES);
      this.chunks.push(this.chunk);
      this.used = 0;
    }
    const bytes = this.chunk.write(value, this.used + LENGTH_BYTES, 'utf8');
    this.chunk.writeUInt32LE(bytes, this.used);
    if (this.count === this.starts.length) {
      const grown = new Uint32Array(Math.ceil(this.starts.length * 1.5));
      grown.set(this.starts);
      this.starts = grown;
    }
    this.starts[this.count++] = (this.chunks.length - 1) * CHUNK_BYTES + this.used;
    this.used += LENGTH_BYTES + bytes;
  }

  /** The string at `index`, or undefined for an index the table does not have. */
  get(index: number): string | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) return undefined;
    const start = this.starts[index]!;
    const chunk = this.chunks[Math.floor(start / CHUNK_BYTES)]!;
    const at = start % CHUNK_BYTES;
    return chunk.toString('utf8', at + LENGTH_BYTES, at + LENGTH_BYTES + chunk.readUInt32LE(at));
  }
}

/** Reads xl/sharedStrings.xml as it is inflated. */
export async function readSharedStrings(chunks: AsyncIterable<Buffer>): Promise<SharedStrings> {
  let table: SharedStrings | undefined;
  const decoder = new TextDecoder('utf-8');
  let rest = '';
  for await (const chunk of chunks) {
    rest += decoder.decode(chunk, { stream: true });
    if (table === undefined) {
      // Wait for the <sst …> start tag, which says how many strings follow.
      const sst = rest.indexOf('<sst');
      const gt = sst === -1 ? -1 : rest.indexOf('>', sst);
      if (gt === -1 && rest.length < 4096) continue;
      const count = gt === -1 ? undefined : /\suniqueCount\s*=\s*["'](\d+)["']/.exec(rest.slice(sst, gt))?.[1];
      table = new SharedStrings(count === undefined ? undefined : Number(count));
    }
    rest = addStrings(table, rest);
  }
  table ??= new SharedStrings();
  addStrings(table, rest + decoder.decode());
  return table;
}

/** Adds the complete <si> elements of `text` to the table; returns what is left for the next chunk. */
function addStrings(table: SharedStrings, text: string): string {
  let pos = 0;
  for (;;) {
    let at = text.indexOf('<si', pos);
    while (at !== -1 && !tagAt(text, 'si', at)) at = text.indexOf('<si', at + 1);
    if (at === -1) return text.slice(Math.max(pos, text.length - 8));
    const gt = text.indexOf('>', at);
    if (gt === -1) return text.slice(at);
    if (text.charCodeAt(gt - 1) === 0x2f) {
      table.add('');
      pos = gt + 1;
      continue;
    }
    const end = text.indexOf('</si>', gt);
    if (end === -1) return text.slice(at);
    table.add(runsText(text.slice(gt + 1, end)));
    pos = end + 5;
  }
}
