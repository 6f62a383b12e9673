import type { CellValue } from 'exceljs';

/**
 * The rows of a worksheet part (xl/worksheets/sheetN.xml), read from its text as it is inflated. Gives each cell the
 * value exceljs's streaming WorksheetReader gave it (the reader used before; exceljs still reads the workbook,
 * relationships and styles), without the saxes events, Row and Cell objects and address bookkeeping it built for
 * every cell: with readSharedStrings, a million-row workbook is read in less than half the time. sheet-xml.test.ts
 * holds the values to exceljs's own on the fixtures and on generated workbooks of every cell type. Where exceljs's
 * streaming reader was wrong, this is not: a rich inline string keeps all its runs (exceljs kept the last), text is
 * unescaped once (exceljs twice), and a row or cell without a reference follows the one before.
 *
 * ECMA-376 Part 1, 18.3.1: <sheetData> holds <row r="n"> elements; each holds <c r="A1" s="style" t="type"> cells
 * with a <v> value, an <f> formula or, for t="inlineStr", an <is> rich string of <t> runs (phonetic <rPh> runs are
 * not part of the text). Types: s shared string (index), str formula text, inlineStr, b boolean, e error, n or none
 * a number — a date when its style's number format is a date format (exceljs's rule, below).
 */

/** A row: its number, and its cell values by column, 1-based (index 0 unused), as exceljs's row.values. */
export interface SheetRow {
  number: number;
  values: CellValue[];
}

export interface SheetContext {
  /** The shared-strings table (xl/sharedStrings.xml), read before the sheet. */
  sharedString(index: number): string | undefined;
  /** The number format of a style (cellXfs index), if it has one. */
  numFmt(style: number): string | undefined;
  /** workbookPr date1904: serial 0 is 1904-01-01 instead of 1899-12-30. */
  date1904: boolean;
}

/** exceljs utils.isDateFmt: after removing [..] and "..", a format is a date if it has y m d h M s or b. */
export function isDateFormat(format: string | undefined): boolean {
  if (!format) return false;
  return /[ymdhMsb]+/.test(format.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, ''));
}

/** exceljs utils.excelToDate: a date serial to the instant, rounded to the millisecond. */
export function excelToDate(serial: number, date1904: boolean): Date {
  return new Date(Math.round((serial - 25569 + (date1904 ? 1462 : 0)) * 24 * 3600 * 1000));
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** XML character and entity references in text. */
export function decodeXml(text: string): string {
  if (text.indexOf('&') === -1) return text;
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, name: string) => {
    if (name.charCodeAt(0) === 0x23) {
      const code = name.charCodeAt(1) === 0x78 ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
      return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name] ?? whole;
  });
}

/** Cell types (the t attribute) by code, so that a cell's type is a number, not a string cut from the tag. */
const CellType = { Number: 0, Shared: 1, FormulaString: 2, Inline: 3, Boolean: 4, Error: 5 } as const;
type CellType = (typeof CellType)[keyof typeof CellType];

interface Tag {
  /** r: the row number, or the cell's column (A = 1); 0 when absent or unreadable. */
  ref: number;
  /** s: the style (cellXfs index); 0 when absent. */
  style: number;
  type: CellType;
}

/**
 * Reads the r, s and t attributes of the start tag text[from, to) into `into`, in place (no substring per tag):
 * a million rows have seven million of them. `column` says whether r is a cell reference ("AB12" → 28) or a row
 * number.
 */
function readTag(text: string, from: number, to: number, column: boolean, into: Tag): void {
  into.ref = 0;
  into.style = 0;
  into.type = CellType.Number;
  let i = from;
  while (i < to) {
    while (i < to && isSpace(text.charCodeAt(i))) i++;
    const nameStart = i;
    while (i < to && text.charCodeAt(i) !== 0x3d && !isSpace(text.charCodeAt(i))) i++;
    const name = i - nameStart === 1 ? text.charCodeAt(nameStart) : 0;
    while (i < to && isSpace(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) !== 0x3d) {
      i++;
      continue;
    }
    i++;
    while (i < to && isSpace(text.charCodeAt(i))) i++;
    const quote = text.charCodeAt(i);
    if (quote !== 0x22 && quote !== 0x27) continue;
    const valueStart = i + 1;
    let valueEnd = valueStart;
    while (valueEnd < to && text.charCodeAt(valueEnd) !== quote) valueEnd++;
    i = valueEnd + 1;
    if (name === 0x72) into.ref = column ? columnAt(text, valueStart, valueEnd) : digitsAt(text, valueStart, valueEnd);
    else if (name === 0x73) into.style = digitsAt(text, valueStart, valueEnd);
    else if (name === 0x74) into.type = typeAt(text, valueStart, valueEnd);
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** The decimal number text[from, to) spells; 0 if it is not one (or is too long to be a row or style). */
function digitsAt(text: string, from: number, to: number): number {
  if (to <= from || to - from > 15) return 0;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return 0;
    n = n * 10 + d;
  }
  return n;
}

/** The column of the cell reference text[from, to): "AB12" → 28; 0 without letters. */
function columnAt(text: string, from: number, to: number): number {
  let column = 0;
  for (let i = from; i < to && i - from < 4; i++) {
    const c = text.charCodeAt(i) | 0x20; // lower case
    if (c < 0x61 || c > 0x7a) break;
    column = column * 26 + (c - 0x60);
  }
  return column;
}

/** ECMA-376 ST_CellType: b, d, e, inlineStr, n, s, str. d (an ISO date as text) exceljs reads as a number. */
function typeAt(text: string, from: number, to: number): CellType {
  const length = to - from;
  const first = text.charCodeAt(from);
  if (length === 1) return first === 0x73 ? CellType.Shared : first === 0x62 ? CellType.Boolean : first === 0x65 ? CellType.Error : CellType.Number;
  if (length === 3 && text.startsWith('str', from)) return CellType.FormulaString;
  if (length === 9 && text.startsWith('inlineStr', from)) return CellType.Inline;
  return CellType.Number;
}

/** True when the element `name` starts at `at` (`<name` then a space, `>` or `/`). */
export function tagAt(text: string, name: string, at: number): boolean {
  if (!text.startsWith(name, at + 1) || text.charCodeAt(at) !== 0x3c) return false;
  const next = text.charCodeAt(at + 1 + name.length);
  return next === 0x3e || next === 0x2f || isSpace(next);
}

/** Where the element `name` first starts in `text` (a cell's content: short), or -1. */
export function findTag(text: string, name: string): number {
  for (let at = text.indexOf(`<${name}`); at !== -1; at = text.indexOf(`<${name}`, at + 1)) if (tagAt(text, name, at)) return at;
  return -1;
}

/** The text of the first <name>…</name> in a cell's content, '' for <name/>, undefined when there is none. */
function childText(inner: string, name: string): string | undefined {
  const at = findTag(inner, name);
  if (at === -1) return undefined;
  const gt = inner.indexOf('>', at);
  if (gt === -1) return undefined;
  if (inner.charCodeAt(gt - 1) === 0x2f) return '';
  const close = inner.indexOf(`</${name}>`, gt);
  return close === -1 ? undefined : decodeXml(inner.slice(gt + 1, close));
}

const PHONETIC_RUN = /<rPh[\s>][\s\S]*?<\/rPh>/g;
const TEXT_RUN = /<t(?:\s[^>]*)?(?:\/>|>([\s\S]*?)<\/t>)/g;

/**
 * The text of a rich string's content (<is> or a shared <si>): its <t> runs, without the phonetic (<rPh>) ones.
 * A plain <t>…</t> is the usual case and needs no expression.
 */
export function runsText(inner: string): string {
  if (inner.startsWith('<t>') && inner.endsWith('</t>') && inner.indexOf('<', 3) === inner.length - 4) return decodeXml(inner.slice(3, -4));
  let text = '';
  for (const run of inner.replace(PHONETIC_RUN, '').matchAll(TEXT_RUN)) text += decodeXml(run[1] ?? '');
  return text;
}

function inlineText(inner: string): string | undefined {
  const at = findTag(inner, 'is');
  return at === -1 ? undefined : runsText(inner.slice(at));
}

/**
 * Feed the sheet's text with push() as it is inflated, then end(); each returns the rows completed so far. Rows
 * with no cell carrying a value are left out (the reader skips blank rows anyway).
 */
export class SheetXmlParser {
  private rest = '';
  private inData = false;
  private finished = false;
  private lastRow = 0;
  private readonly tag: Tag = { ref: 0, style: 0, type: CellType.Number };
  private readonly dateStyles = new Map<number, boolean>();

  constructor(private readonly context: SheetContext) {}

  push(text: string): SheetRow[] {
    const rows: SheetRow[] = [];
    if (this.finished) return rows;
    const all = this.rest.length === 0 ? text : this.rest + text;
    this.rest = all.slice(this.parse(all, rows));
    return rows;
  }

  end(): SheetRow[] {
    const rows = this.finished ? [] : this.push('');
    this.rest = '';
    this.finished = true;
    return rows;
  }

  /** Parses what it can of `text`; returns where the unread part starts. */
  private parse(text: string, rows: SheetRow[]): number {
    let pos = 0;
    if (!this.inData) {
      let at = text.indexOf('<sheetData');
      while (at !== -1 && !tagAt(text, 'sheetData', at)) at = text.indexOf('<sheetData', at + 1);
      if (at === -1) return Math.max(0, text.length - 16);
      const gt = text.indexOf('>', at);
      if (gt === -1) return at;
      if (text.charCodeAt(gt - 1) === 0x2f) {
        this.finished = true;
        return text.length;
      }
      this.inData = true;
      pos = gt + 1;
    }
    for (;;) {
      const lt = text.indexOf('<', pos);
      if (lt === -1) return text.length;
      const gt = text.indexOf('>', lt);
      if (gt === -1) return lt;
      if (text.startsWith('</sheetData', lt)) {
        this.finished = true;
        return text.length;
      }
      if (!tagAt(text, 'row', lt)) {
        // Anything else between rows (a comment, an extension): skip past it.
        pos = gt + 1;
        continue;
      }
      const selfClosing = text.charCodeAt(gt - 1) === 0x2f;
      readTag(text, lt + 4, selfClosing ? gt - 1 : gt, false, this.tag);
      const number = this.tag.ref > 0 ? this.tag.ref : this.lastRow + 1;
      const rowStyle = this.tag.style;
      if (selfClosing) {
        this.lastRow = number;
        pos = gt + 1;
        continue;
      }
      const close = text.indexOf('</row>', gt);
      if (close === -1) return lt;
      this.lastRow = number;
      const values = this.cells(text, gt + 1, close, rowStyle);
      if (values !== undefined) rows.push({ number, values });
      pos = close + 6;
    }
  }

  /** The values of the cells in text[from, to), by column; undefined when no cell has one. */
  private cells(text: string, from: number, to: number, rowStyle: number): CellValue[] | undefined {
    let values: CellValue[] | undefined;
    let column = 0;
    let at = from;
    for (;;) {
      let c = text.indexOf('<c', at);
      while (c !== -1 && c < to && !tagAt(text, 'c', c)) c = text.indexOf('<c', c + 1);
      if (c === -1 || c >= to) return values;
      const gt = text.indexOf('>', c);
      const empty = text.charCodeAt(gt - 1) === 0x2f;
      readTag(text, c + 2, empty ? gt - 1 : gt, true, this.tag);
      column = this.tag.ref > 0 ? this.tag.ref : column + 1;
      if (empty) {
        at = gt + 1;
        continue;
      }
      let end = text.indexOf('</c>', gt);
      if (end === -1 || end > to) end = to;
      const value = this.value(text, gt + 1, end, this.tag.style || rowStyle);
      if (value !== undefined) {
        values ??= [];
        values[column] = value;
      }
      at = end + 4;
    }
  }

  /**
   * The value of a cell whose content is text[from, to) (`<v>…</v>`, `<f>…</f><v>…</v>`, `<is>…</is>`), typed as
   * exceljs types it.
   */
  private value(text: string, from: number, to: number, style: number): CellValue | undefined {
    const type = this.tag.type;
    let v: string | undefined;
    // Nearly every cell is just <v>…</v>, read where it is.
    const close = to - 4;
    if (text.startsWith('<v>', from) && text.startsWith('</v>', close) && text.indexOf('<', from + 3) === close) {
      if (type === CellType.Shared) return this.context.sharedString(digitsAt(text, from + 3, close));
      v = decodeXml(text.slice(from + 3, close));
    } else {
      const inner = text.slice(from, to);
      v = childText(inner, 'v');
      if (findTag(inner, 'f') !== -1) {
        const formula = childText(inner, 'f') ?? '';
        if (v === undefined) return { formula } as CellValue;
        return { formula, result: type === CellType.FormulaString ? v : Number.parseFloat(v) } as CellValue;
      }
      if (type === CellType.Inline) return v ?? inlineText(inner);
    }
    if (v === undefined) return undefined;
    switch (type) {
      case CellType.Shared:
        return this.context.sharedString(Number.parseInt(v, 10));
      case CellType.FormulaString:
      case CellType.Inline:
        return v;
      case CellType.Error:
        return { error: v } as CellValue;
      case CellType.Boolean:
        return Number.parseInt(v, 10) !== 0;
      default: {
        const number = Number.parseFloat(v);
        return style > 0 && this.isDateStyle(style) ? excelToDate(number, this.context.date1904) : number;
      }
    }
  }

  private isDateStyle(style: number): boolean {
    let date = this.dateStyles.get(style);
    if (date === undefined) {
      date = isDateFormat(this.context.numFmt(style));
      this.dateStyles.set(style, date);
    }
    return date;
  }
}
