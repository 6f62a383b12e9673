import type { RawCell } from '../domain/payout-row.ts';
import type { ReadLimits } from './read-limits.ts';
import type { ZipEntry } from './zip-archive.ts';

/** What the XLSX reader (read-xlsx.ts) and its parsing thread (xlsx-parse-thread.ts) say to each other. */

export interface XlsxThreadData {
  path: string;
  rels: ZipEntry;
  workbook: ZipEntry;
  sharedStrings?: ZipEntry;
  styles?: ZipEntry;
  sheet: ZipEntry;
  sheetNo: string;
  /** Batches the thread may send (thread-credits.mjs): shared with the reader, who adds one per batch it takes. */
  credits: Int32Array;
  /** The sheet's name as the workbook lists it, for messages. */
  sheetName: string;
  limits: ReadLimits;
}

/** A row as read: its number and its non-empty cells by column (1-based, as exceljs numbers them). */
export interface SheetRow {
  number: number;
  cells: Array<RawCell | undefined>;
}

/**
 * Rows packed for the trip between threads: numbers in typed arrays (transferred, not copied), every text in one
 * string with its length. A RawCell of type `formula` has two texts: its result, then the formula.
 */
export interface PackedRows {
  rowNumbers: Uint32Array;
  cellCounts: Uint32Array;
  columns: Uint32Array;
  types: Uint8Array;
  numbers: Float64Array;
  text: string;
  textLengths: Uint32Array;
}

export type XlsxThreadMessage =
  | ({ type: 'rows' } & PackedRows)
  | { type: 'end' }
  | { type: 'error'; runError?: { code: string; message: string; hint?: string }; message: string; code?: string };

const TYPES = ['text', 'number', 'date', 'boolean', 'formula'] as const;
const TYPE_CODE: Record<RawCell['type'], number> = { text: 0, number: 1, date: 2, boolean: 3, formula: 4 };

export function packRows(rows: readonly SheetRow[]): PackedRows {
  let cellTotal = 0;
  for (const row of rows) for (const cell of row.cells) if (cell) cellTotal++;
  const rowNumbers = new Uint32Array(rows.length);
  const cellCounts = new Uint32Array(rows.length);
  const columns = new Uint32Array(cellTotal);
  const types = new Uint8Array(cellTotal);
  const numbers = new Float64Array(cellTotal);
  const texts: string[] = [];
  const lengths: number[] = [];
  let c = 0;
  rows.forEach((row, r) => {
    rowNumbers[r] = row.number;
    let count = 0;
    row.cells.forEach((cell, column) => {
      if (!cell) return;
      columns[c] = column;
      types[c] = TYPE_CODE[cell.type];
      texts.push(cell.text);
      lengths.push(cell.text.length);
      if (cell.type === 'number') numbers[c] = cell.number;
      if (cell.type === 'formula') {
        texts.push(cell.formula);
        lengths.push(cell.formula.length);
      }
      c++;
      count++;
    });
    cellCounts[r] = count;
  });
  return { rowNumbers, cellCounts, columns, types, numbers, text: texts.join(''), textLengths: Uint32Array.from(lengths) };
}

export function unpackRows(packed: PackedRows): SheetRow[] {
  const rows: SheetRow[] = new Array(packed.rowNumbers.length);
  let c = 0;
  let t = 0;
  let at = 0;
  const nextText = () => {
    const length = packed.textLengths[t++]!;
    const text = packed.text.slice(at, at + length);
    at += length;
    return text;
  };
  for (let r = 0; r < rows.length; r++) {
    const cells: Array<RawCell | undefined> = [];
    for (let i = 0; i < packed.cellCounts[r]!; i++, c++) {
      const type = TYPES[packed.types[c]!]!;
      const text = nextText();
      cells[packed.columns[c]!] =
        type === 'number'
          ? { type, text, number: packed.numbers[c]! }
          : type === 'formula'
            ? { type, text, formula: nextText() }
            : { type, text };
    }
    rows[r] = { number: packed.rowNumbers[r]!, cells };
  }
  return rows;
}

export function packedTransfer(packed: PackedRows): ArrayBuffer[] {
  return [packed.rowNumbers, packed.cellCounts, packed.columns, packed.types, packed.numbers, packed.textLengths].map((a) => a.buffer as ArrayBuffer);
}
