/**
 * Test support: hostile payout files, generated at test time and small on disk. A ZIP member that inflates to
 * hundreds of MB is a few hundred KB of deflated repeated bytes; the CSVs are as large as they need to be and live in
 * a temporary folder the test removes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { crc32, createDeflateRaw, deflateRawSync } from 'node:zlib';

const MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

/** A member's bytes: text or a buffer, or `repeat` — `head`, then `unit` `times` times, then `tail` — built once. */
export type MemberContent = string | Buffer | { head: string; unit: string; times: number; tail: string };

function bytesOf(content: MemberContent): Buffer {
  if (typeof content === 'string') return Buffer.from(content);
  if (Buffer.isBuffer(content)) return content;
  return Buffer.from(content.head + content.unit.repeat(content.times) + content.tail);
}

/** Deflated bytes, CRC-32 and size of a member; a repeated one is deflated a piece at a time, never held whole. */
async function deflated(content: MemberContent): Promise<{ data: Buffer; crc: number; size: number }> {
  if (typeof content === 'string' || Buffer.isBuffer(content) || content.times * content.unit.length < 16 << 20) {
    const raw = bytesOf(content);
    return { data: deflateRawSync(raw, { level: 9 }), crc: crc32(raw), size: raw.length };
  }
  const deflate = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => out.push(chunk));
  const ended = new Promise((resolve) => deflate.once('end', resolve));
  let crc = 0;
  let size = 0;
  const write = async (piece: Buffer) => {
    crc = crc32(piece, crc);
    size += piece.length;
    if (!deflate.write(piece)) await new Promise((resolve) => deflate.once('drain', resolve));
  };
  await write(Buffer.from(content.head));
  const perPiece = Math.max(1, Math.floor((1 << 20) / content.unit.length));
  const piece = Buffer.from(content.unit.repeat(perPiece));
  let left = content.times;
  for (; left >= perPiece; left -= perPiece) await write(piece);
  await write(Buffer.from(content.unit.repeat(left) + content.tail));
  deflate.end();
  await ended;
  return { data: Buffer.concat(out), crc, size };
}

/** A ZIP whose members are deflated (method 8), with the sizes and CRC-32 a real one records. */
export async function deflatedZip(members: Record<string, MemberContent>): Promise<Buffer> {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of Object.entries(members)) {
    const { data, crc, size } = await deflated(content);
    const fileName = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(size >>> 0, 22);
    local.writeUInt16LE(fileName.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(size >>> 0, 24);
    central.writeUInt16LE(fileName.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, fileName, data);
    centrals.push(central, fileName);
    offset += local.length + fileName.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(members).length, 8);
  end.writeUInt16LE(Object.keys(members).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const HEADER_ROW = '<row r="1"><c r="A1" t="inlineStr"><is><t>order_id</t></is></c><c r="B1" t="inlineStr"><is><t>clabe</t></is></c><c r="C1" t="inlineStr"><is><t>beneficiario</t></is></c><c r="D1" t="inlineStr"><is><t>monto</t></is></c></row>';
const GOOD_ROW = '<row r="2"><c r="A2" t="inlineStr"><is><t>OP-1</t></is></c><c r="B2" t="inlineStr"><is><t>012180001183597198</t></is></c><c r="C2" t="inlineStr"><is><t>Ana Lopez</t></is></c><c r="D2"><v>10.5</v></c></row>';

/** A one-sheet workbook ("Pagos") with the given sheet XML and, when given, shared strings. */
export function workbook(sheet: MemberContent, sharedStrings?: MemberContent): Promise<Buffer> {
  return deflatedZip({
    'xl/workbook.xml': `<workbook ${MAIN} xmlns:r="${REL}"><sheets><sheet name="Pagos" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    'xl/_rels/workbook.xml.rels':
      `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
      `<Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/>` +
      (sharedStrings === undefined ? '' : `<Relationship Id="rId2" Type="${REL}/sharedStrings" Target="sharedStrings.xml"/>`) +
      `</Relationships>`,
    'xl/worksheets/sheet1.xml': sheet,
    ...(sharedStrings === undefined ? {} : { 'xl/sharedStrings.xml': sharedStrings }),
  });
}

/** The sheet XML around rows: a header the openpay rules accept, one good row, then `rows`. */
function sheetXml(rows = ''): string {
  return `<worksheet ${MAIN}><sheetData>${HEADER_ROW}${GOOD_ROW}${rows}</sheetData></worksheet>`;
}

/**
 * A shared-string bomb: `times` one-letter entries (17 bytes each inflated, a few KB deflated per million), the
 * table declaring `declared` of them (uniqueCount) — or none, so only counting finds out.
 */
export function sharedStringBomb(times: number, declared?: number): Promise<Buffer> {
  const count = declared === undefined ? '' : ` count="${declared}" uniqueCount="${declared}"`;
  return workbook(sheetXml(), { head: `<sst ${MAIN}${count}>`, unit: '<si><t>a</t></si>', times, tail: '</sst>' });
}

/** One cell of `chars` characters in the sheet, inline (shared: false) or as the one shared string. */
export function hugeCellWorkbook(chars: number, shared = true): Promise<Buffer> {
  if (!shared) return workbook({ head: `${sheetXml().replace('</sheetData></worksheet>', '')}<row r="3"><c r="A3" t="inlineStr"><is><t>`, unit: 'A', times: chars, tail: '</t></is></c></row></sheetData></worksheet>' });
  return workbook(sheetXml('<row r="3"><c r="A3" t="s"><v>0</v></c></row>'), { head: `<sst ${MAIN} count="1" uniqueCount="1"><si><t>`, unit: 'A', times: chars, tail: '</t></si></sst>' });
}

/** A sheet whose XML inflates to about `bytes`: markup repeated (`<x/>`), so no text node is long. */
export function inflatingWorkbook(bytes: number): Promise<Buffer> {
  return workbook({ head: `<worksheet ${MAIN}><sheetData>${HEADER_ROW}${GOOD_ROW}</sheetData><extLst>`, unit: '<x/>', times: Math.ceil(bytes / 4), tail: '</extLst></worksheet>' });
}

/** Column letters of a 1-based column number: 1 → A, 27 → AA. */
function columnName(column: number): string {
  let name = '';
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

/** A sheet with a row of `columns` numeric cells. */
export function wideWorkbook(columns: number): Promise<Buffer> {
  const cells: string[] = [];
  for (let c = 1; c <= columns; c++) cells.push(`<c r="${columnName(c)}3"><v>1</v></c>`);
  return workbook(sheetXml(`<row r="3">${cells.join('')}</row>`));
}

/** A sheet with rows numbered up to `lastRow` (only the last one written: row numbers, not row count, are judged). */
export function tallWorkbook(lastRow: number): Promise<Buffer> {
  return workbook(sheetXml(`<row r="${lastRow}"><c r="A${lastRow}" t="inlineStr"><is><t>OP-9</t></is></c></row>`));
}

export const CSV_HEADER = 'order_id,clabe,beneficiario,monto\n';
export const CSV_GOOD_ROW = 'OP-1,012180001183597198,Ana Lopez,10.50\n';

/** A CSV with one row of `columns` fields. */
export function wideCsv(columns: number): string {
  return `${CSV_HEADER}${CSV_GOOD_ROW}${'1,'.repeat(columns - 1)}1\n`;
}

/** A CSV with one unquoted line of `bytes` bytes. */
export function longLineCsv(bytes: number): string {
  return `${CSV_HEADER}${CSV_GOOD_ROW}OP-2,012180001183597198,${'A'.repeat(bytes)},1.00\n`;
}

/** A CSV with `rows` data rows. */
export function tallCsv(rows: number): string {
  let text = CSV_HEADER;
  for (let i = 1; i <= rows; i++) text += `OP-${i},012180001183597198,Ana Lopez,1.00\n`;
  return text;
}

/**
 * A UTF-8 file (names with accents from the first line) with one line written in Latin-1 at data row `latinRow`
 * (spreadsheet row latinRow + 1, file line latinRow + 1).
 */
export function mixedEncodingCsv(rows: number, latinRow: number): Buffer {
  const parts: Buffer[] = [Buffer.from(CSV_HEADER)];
  for (let i = 1; i <= rows; i++) {
    const line = `OP-${i},012180001183597198,José Peña,1.00\n`;
    parts.push(i === latinRow ? Buffer.from(line, 'latin1') : Buffer.from(line));
  }
  return Buffer.concat(parts);
}

export function writeFixture(path: string, content: string | Buffer): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  return path;
}
