import { createReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { pipeline, Readable, Transform, type TransformCallback } from 'node:stream';
import { crc32, createInflateRaw } from 'node:zlib';
import { readAt } from './read-at.ts';
import { DEFAULT_READ_LIMITS, ReadLimitError, type ReadLimits } from './read-limits.ts';

/** Where one member's bytes are, as the central directory records them. */
export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated */
  method: number;
  flags: number;
  /** CRC-32 of the uncompressed bytes. */
  crc: number;
  compressedSize: number;
  localHeaderOffset: number;
}

export type ZipDirectory = { entries: Map<string, ZipEntry> };

/** Why the central directory cannot be used. */
export type ZipProblem = { problem: 'truncated' | 'zip64' };

const EOCD_SIGNATURE = 0x06054b50; // "PK\x05\x06"
const CENTRAL_ENTRY_SIGNATURE = 0x02014b50; // "PK\x01\x02"
const LOCAL_HEADER_SIGNATURE = 0x04034b50; // "PK\x03\x04"
const EOCD_SIZE = 22;
/** The EOCD record is followed only by the archive comment, at most 65,535 bytes. */
const EOCD_SEARCH = EOCD_SIZE + 0xffff;
/** A workbook's directory lists a few dozen members; anything far larger is not one. */
const MAX_CENTRAL_DIRECTORY = 16 << 20;

/**
 * Reads a ZIP's table of contents from its end (PKWARE APPNOTE 4.3.16 End Of Central Directory: directory size
 * at +12, offset at +16; 4.3.12 central entries: flags +8, method +10, CRC-32 +16, compressed size +20, name length +28,
 * extra +30, comment +32, local header offset +42, name +46). A file cut short has no EOCD, so truncation shows
 * here, before any parser waits for bytes that never come.
 */
export async function readZipDirectory(handle: FileHandle, size: number): Promise<ZipDirectory | ZipProblem> {
  const tailStart = Math.max(0, size - EOCD_SEARCH);
  const tail = await readAt(handle, tailStart, size - tailStart);
  let eocd = -1;
  for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return { problem: 'truncated' };

  const directorySize = tail.readUInt32LE(eocd + 12);
  const directoryOffset = tail.readUInt32LE(eocd + 16);
  if (directoryOffset === 0xffffffff || directorySize === 0xffffffff) return { problem: 'zip64' };
  if (directoryOffset + directorySize > tailStart + eocd || directorySize > MAX_CENTRAL_DIRECTORY) return { problem: 'truncated' };

  const directory = await readAt(handle, directoryOffset, directorySize);
  if (directory.length < directorySize) return { problem: 'truncated' };
  const entries = new Map<string, ZipEntry>();
  for (let at = 0; at + 46 <= directory.length; ) {
    if (directory.readUInt32LE(at) !== CENTRAL_ENTRY_SIGNATURE) return { problem: 'truncated' };
    const nameLength = directory.readUInt16LE(at + 28);
    const entry: ZipEntry = {
      name: directory.toString('utf8', at + 46, at + 46 + nameLength),
      flags: directory.readUInt16LE(at + 8),
      method: directory.readUInt16LE(at + 10),
      crc: directory.readUInt32LE(at + 16),
      compressedSize: directory.readUInt32LE(at + 20),
      localHeaderOffset: directory.readUInt32LE(at + 42),
    };
    if (entry.compressedSize === 0xffffffff || entry.localHeaderOffset === 0xffffffff) return { problem: 'zip64' };
    if (entry.localHeaderOffset + entry.compressedSize > directoryOffset) return { problem: 'truncated' };
    entries.set(entry.name, entry);
    at += 46 + nameLength + directory.readUInt16LE(at + 30) + directory.readUInt16LE(at + 32);
  }
  return { entries };
}

/**
 * Passes a member's inflated bytes through and checks them against the CRC-32 the directory recorded: a flipped
 * bit inside compressed data can inflate without complaint into a different digit of an account number.
 */
class CrcCheck extends Transform {
  private crc = 0;

  constructor(private readonly entry: ZipEntry) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.crc = crc32(chunk, this.crc);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    callback(this.crc === this.entry.crc ? null : new Error(`${this.entry.name} fails its checksum`));
  }
}

/** The ratio is judged only past this many inflated bytes: tiny members (a 200-byte rels part) compress oddly. */
const RATIO_GRACE_BYTES = 1 << 20;

/**
 * Counts a member's inflated bytes as they come and stops at the first past a limit: a few MB of deflated repeated
 * bytes inflate to gigabytes (a ZIP bomb), and the parsers behind would try to hold them.
 */
class InflateLimit extends Transform {
  private inflated = 0;

  constructor(
    private readonly entry: ZipEntry,
    private readonly limits: Pick<ReadLimits, 'maxMemberBytes' | 'maxCompressionRatio'>,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.inflated += chunk.length;
    const { maxMemberBytes, maxCompressionRatio } = this.limits;
    if (this.inflated > maxMemberBytes) {
      callback(new ReadLimitError(`${this.entry.name} inflates to more than ${maxMemberBytes} bytes`, { limit: 'maxMemberBytes', max: maxMemberBytes, found: this.inflated }));
      return;
    }
    const ratio = Math.floor(this.inflated / Math.max(1, this.entry.compressedSize));
    if (this.inflated > RATIO_GRACE_BYTES && ratio > maxCompressionRatio) {
      callback(
        new ReadLimitError(`${this.entry.name} inflates to ${ratio} times its ${this.entry.compressedSize} compressed bytes`, {
          limit: 'maxCompressionRatio',
          max: maxCompressionRatio,
          found: ratio,
        }),
      );
      return;
    }
    callback(null, chunk);
  }
}

/**
 * Streams one member, inflated and checksummed, within the inflated-size and compression-ratio limits. Its data starts after the local header (APPNOTE 4.3.7: 30 bytes,
 * then the name and extra field, whose lengths at +26 and +28 may differ from the central directory's) and is
 * exactly compressedSize bytes long, so a damaged member ends in an error, never in a wait.
 */
export async function openZipEntry(path: string, entry: ZipEntry, limits: Pick<ReadLimits, 'maxMemberBytes' | 'maxCompressionRatio'> = DEFAULT_READ_LIMITS): Promise<Readable> {
  if (entry.flags & 0x1) throw new Error(`${entry.name} is encrypted`);
  if (entry.method !== 0 && entry.method !== 8) throw new Error(`${entry.name} uses compression method ${entry.method}`);
  const handle = await open(path, 'r');
  let header: Buffer;
  try {
    header = await readAt(handle, entry.localHeaderOffset, 30);
  } finally {
    await handle.close();
  }
  if (header.length < 30 || header.readUInt32LE(0) !== LOCAL_HEADER_SIGNATURE) throw new Error(`${entry.name} has no local header`);
  if (entry.compressedSize === 0) return Readable.from([]).pipe(new CrcCheck(entry));
  const start = entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  const raw = createReadStream(path, { start, end: start + entry.compressedSize - 1, highWaterMark: 1 << 16 });
  // pipeline carries any stage's error to the last stream, whose reader then sees it.
  const done = () => {};
  return entry.method === 0
    ? pipeline(raw, new InflateLimit(entry, limits), new CrcCheck(entry), done)
    : pipeline(raw, createInflateRaw(), new InflateLimit(entry, limits), new CrcCheck(entry), done);
}
