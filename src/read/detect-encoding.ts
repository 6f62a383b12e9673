import chardet from 'chardet';
import iconv from 'iconv-lite';
import { RunError } from '../run-error.ts';

export interface TextEncoding {
  /** As reported to the user: 'utf-8', 'utf-8-bom', 'utf-16le', 'utf-16be', 'windows-1252', 'ibm850', … */
  name: string;
  /** Codec for iconv-lite; absent when the bytes are UTF-8 and go to the parser as they are. */
  iconv?: string;
}

export type EncodingGuess = { text: TextEncoding } | { binary: string };

const UTF8: TextEncoding = { name: 'utf-8' };

/**
 * What chardet may name that a payout file might really be in, and iconv-lite can decode. Its Latin answers
 * (ISO-8859-1/2/9, windows-1250/1254/1257 …) are left out on purpose: on a short sample of Spanish in
 * Windows-1252 it often says ISO-8859-2 or windows-1257 for "José Peña", and 1252 is then the better bet.
 */
const OTHER_SCRIPTS = new Set([
  'ISO-8859-5', 'ISO-8859-6', 'ISO-8859-7', 'ISO-8859-8', 'windows-1251', 'windows-1253', 'windows-1255',
  'windows-1256', 'KOI8-R', 'Shift_JIS', 'GB18030', 'EUC-JP', 'EUC-KR', 'Big5',
]);

function isAsciiLetter(byte: number | undefined): boolean {
  return byte !== undefined && ((byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a));
}

/**
 * UTF-16 without a BOM: Latin text has a zero high byte in nearly every code unit, so zeros pile up on one parity
 * (odd offsets for little-endian) and almost never on the other. Binary data has zeros on both.
 */
function utf16ByZeros(head: Uint8Array): TextEncoding | undefined {
  const units = head.length >> 1;
  if (units < 2) return undefined;
  let even = 0;
  let odd = 0;
  for (let i = 0; i + 1 < head.length; i += 2) {
    if (head[i] === 0) even++;
    if (head[i + 1] === 0) odd++;
  }
  if (odd > units * 0.5 && even < units * 0.05) return { name: 'utf-16le', iconv: 'utf-16le' };
  if (even > units * 0.5 && odd < units * 0.05) return { name: 'utf-16be', iconv: 'utf-16be' };
  return undefined;
}

/** Control bytes other than tab, LF, VT, FF, CR and Ctrl-Z (DOS end-of-file): text has next to none. */
function looksBinary(head: Uint8Array): string | undefined {
  let controls = 0;
  for (const byte of head) {
    if (byte === 0) return 'it contains NUL bytes';
    if ((byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0b && byte !== 0x0c && byte !== 0x0d && byte !== 0x1a) || byte === 0x7f) controls++;
  }
  if (controls > Math.max(2, head.length * 0.01)) return 'it is mostly control characters';
  return undefined;
}

/** Strict UTF-8 check of a piece cut out of the file: a sequence split at either edge is not an error. */
function isUtf8Piece(piece: Uint8Array, startsMidFile: boolean): boolean {
  let start = 0;
  if (startsMidFile) {
    while (start < 3 && start < piece.length && (piece[start]! & 0xc0) === 0x80) start++;
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(piece.subarray(start), { stream: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * A well-formed UTF-8 sequence of two to four bytes (lead C2–F4, then continuation bytes 80–BF): the mark of text
 * written as UTF-8. Windows-1252 Spanish ("é" E9, "ñ" F1 followed by a letter) almost never forms one.
 */
function hasUtf8Sequence(sample: Uint8Array): boolean {
  for (let i = 0; i < sample.length; i++) {
    const lead = sample[i]!;
    if (lead < 0xc2 || lead > 0xf4) continue;
    const needed = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : 1;
    let ok = i + needed < sample.length;
    for (let k = 1; ok && k <= needed; k++) ok = (sample[i + k]! & 0xc0) === 0x80;
    if (ok) return true;
  }
  return false;
}

/**
 * Excel's "CSV (MS-DOS)" writes code page 850, where é á í ó ú ñ Ñ ü É are bytes 0x81–0xA5; in Windows-1252 those
 * same letters are 0xC0–0xFF. Only 850 letters inside words, and no 1252 letters at all, make it 850.
 */
function looksLikeCp850(samples: readonly Uint8Array[]): boolean {
  const cp850Letters = new Set([0x81, 0x82, 0x90, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5]);
  let evidence = 0;
  for (const sample of samples) {
    for (let i = 0; i < sample.length; i++) {
      const byte = sample[i]!;
      if (byte >= 0xc0) return false;
      if (cp850Letters.has(byte) && isAsciiLetter(sample[i - 1])) evidence++;
    }
  }
  return evidence > 0;
}

/**
 * Decides how a text file is encoded from its first bytes (`head`) and a few pieces from further in (`pieces`):
 * BOM → UTF-16 by its zero pattern → binary junk → strict UTF-8 → code page 850 → chardet for a non-Latin script
 * → Windows-1252, what Excel in Spanish on Windows writes for "CSV".
 */
export function detectEncoding(head: Uint8Array, pieces: readonly Uint8Array[] = []): EncodingGuess {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { text: { name: 'utf-8-bom' } };
  if (head[0] === 0xff && head[1] === 0xfe) return { text: { name: 'utf-16le', iconv: 'utf-16le' } };
  if (head[0] === 0xfe && head[1] === 0xff) return { text: { name: 'utf-16be', iconv: 'utf-16be' } };
  const utf16 = utf16ByZeros(head);
  if (utf16) return { text: utf16 };
  const binary = looksBinary(head);
  if (binary) return { binary };

  if (isUtf8Piece(head, false) && pieces.every((piece) => isUtf8Piece(piece, true))) return { text: UTF8 };
  const samples = [head, ...pieces];
  // UTF-8 in one place and not in another is a file of two encodings (a Latin-1 line pasted into a UTF-8 export).
  // Read as UTF-8, the guard refuses it at the first bad line; read as Windows-1252, every "José" would silently
  // become "JosÃ©".
  if (samples.some(hasUtf8Sequence)) return { text: UTF8 };
  if (looksLikeCp850(samples)) return { text: { name: 'ibm850', iconv: 'cp850' } };
  const best = chardet.analyse(Buffer.concat(samples))[0];
  if (best && best.confidence >= 30 && OTHER_SCRIPTS.has(best.name)) {
    return { text: { name: best.name.toLowerCase(), iconv: best.name } };
  }
  return { text: { name: 'windows-1252', iconv: 'windows-1252' } };
}

/** Names --encoding accepts for UTF-8, read as bytes (checked, never replaced). */
const UTF8_NAMES = new Set(['utf-8', 'utf8']);

/**
 * The encoding named with --encoding (windows-1252, latin1, utf-8, utf-16le, ibm850 …: anything iconv-lite decodes),
 * used instead of detecting one. An unknown name is a usage error.
 */
export function encodingNamed(name: string): TextEncoding {
  const wanted = name.trim().toLowerCase();
  if (UTF8_NAMES.has(wanted)) return UTF8;
  if (wanted === '' || !iconv.encodingExists(wanted)) {
    throw new RunError('USAGE', `--encoding ${JSON.stringify(name)} is not an encoding this tool can read`, { hint: 'name one such as utf-8, windows-1252, latin1, utf-16le or ibm850' });
  }
  return { name: wanted, iconv: wanted };
}
