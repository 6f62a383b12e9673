import { extname } from 'node:path';
import iconv from 'iconv-lite';
import { RunError } from '../run-error.ts';
import { detectEncoding, type TextEncoding } from './detect-encoding.ts';
import { readZipDirectory, type ZipDirectory } from './zip-archive.ts';
import { readAt } from './read-at.ts';
import { openRegularFile, unreadable } from './open-regular-file.ts';

export type SniffedFile =
  | { format: 'xlsx'; zip: ZipDirectory; warnings: string[] }
  | { format: 'csv'; encoding: TextEncoding; headText: string; warnings: string[] };

const HEAD_BYTES = 64 * 1024;
/** Pieces from further in, so a file that is plain ASCII for its first 64 KB is not taken for UTF-8 blindly. */
const PIECE_BYTES = 16 * 1024;
const PIECE_AT = [0.25, 0.5, 0.75, 1];

const SAVE_HINT = 'open it in Excel and save it as .xlsx or as "CSV UTF-8"';
const SPREADSHEET_EXTENSIONS = new Set(['.xlsx', '.xlsm', '.xls']);


function formatError(path: string, what: string, hint = SAVE_HINT): RunError {
  return new RunError('FILE_FORMAT', `${path} is not a CSV or XLSX file: ${what}`, { hint });
}

function startsWith(buffer: Uint8Array, bytes: readonly number[]): boolean {
  return bytes.every((byte, i) => buffer[i] === byte);
}

function decodeHead(head: Buffer, encoding: TextEncoding): string {
  if (encoding.iconv) return iconv.decode(head, encoding.iconv);
  return new TextDecoder('utf-8').decode(head, { stream: true });
}

/** Markup some systems export under a spreadsheet's name: an HTML table, or Excel 2003's XML spreadsheet. */
function markupKind(text: string): string | undefined {
  const start = text.slice(0, 2048).trimStart().toLowerCase();
  if (!start.startsWith('<')) return undefined;
  if (start.includes('urn:schemas-microsoft-com:office:spreadsheet')) return 'it is an Excel 2003 XML spreadsheet';
  if (/<(!doctype html|html|table|head|body)\b/.test(start)) return 'it is an HTML page';
  return undefined;
}

/**
 * Says what a file is by its content, whatever its name: a ZIP (PK\x03\x04) is a workbook, text is CSV in the
 * detected encoding. A name that says otherwise only earns a warning. Everything that cannot be read ends here
 * as a RunError before any parser sees it.
 */
export async function sniffFile(path: string, options: { encoding?: TextEncoding } = {}): Promise<SniffedFile> {
  const { handle, size } = await openRegularFile(path);
  if (size === 0) {
    await handle.close();
    throw new RunError('FILE_EMPTY', `${path} is empty (0 bytes)`, { hint: 'export the payouts again; the file has nothing in it' });
  }
  try {
    const head = await readAt(handle, 0, Math.min(size, HEAD_BYTES));
    const extension = extname(path).toLowerCase();
    const warnings: string[] = [];

    if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) {
      const zip = await readZipDirectory(handle, size);
      if ('problem' in zip && zip.problem === 'zip64') {
        throw new RunError('FILE_FORMAT', `${path} is a ZIP64 workbook, which is not supported`, { hint: 'export the sheet as "CSV UTF-8"' });
      }
      if ('problem' in zip) {
        throw new RunError('FILE_FORMAT', `${path} is an incomplete .xlsx: the file is cut short or damaged`, {
          hint: 'copy or download the file again; if it opens in Excel, save it again as .xlsx',
        });
      }
      if (!zip.entries.has('xl/workbook.xml')) {
        const openDocument = zip.entries.has('content.xml') && zip.entries.has('mimetype');
        throw formatError(path, openDocument ? 'it is an OpenDocument spreadsheet (.ods)' : 'it is a ZIP archive without a workbook inside');
      }
      if (!SPREADSHEET_EXTENSIONS.has(extension)) warnings.push(`${path} is named ${extension || 'without an extension'} but is an Excel workbook; read as XLSX`);
      return { format: 'xlsx', zip, warnings };
    }
    if (startsWith(head, [0x50, 0x4b, 0x05, 0x06])) throw formatError(path, 'it is an empty ZIP archive');
    if (startsWith(head, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) {
      throw formatError(path, 'it is a legacy .xls workbook or a password-protected one', 'open it in Excel, remove any password, and save it as .xlsx or as "CSV UTF-8"');
    }

    const pieces: Buffer[] = [];
    if (size > HEAD_BYTES && !options.encoding) {
      for (const at of PIECE_AT) {
        const position = Math.max(HEAD_BYTES, Math.floor(size * at) - PIECE_BYTES);
        pieces.push(await readAt(handle, position, PIECE_BYTES));
      }
    }
    // Told the encoding (--encoding), the file is read as told: UTF-16 has NULs, which detection would call binary.
    const guess = options.encoding ? { text: options.encoding } : detectEncoding(head, pieces);
    if ('binary' in guess) throw formatError(path, `${guess.binary}, so it is not text`);
    const headText = decodeHead(head, guess.text);
    const markup = markupKind(headText);
    if (markup) throw formatError(path, markup);
    if (headText.trim() === '' && size <= HEAD_BYTES) {
      throw new RunError('FILE_EMPTY', `${path} has no rows, only blank space`, { hint: 'export the payouts again; the file has nothing in it' });
    }
    if (SPREADSHEET_EXTENSIONS.has(extension)) warnings.push(`${path} is named ${extension} but is text (CSV); read as CSV`);
    return { format: 'csv', encoding: guess.text, headText, warnings };
  } catch (error) {
    if (error instanceof RunError) throw error;
    throw unreadable(path, error);
  } finally {
    await handle.close();
  }
}
