import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RESULT_COLUMNS } from '../domain/result-row.ts';
import type { ResultRow } from '../domain/result-row.ts';
import { escapeCell } from './escape-cell.ts';
import { createResultsWriter, writeResultsFile } from './results-writer.ts';
import type { ResultsFormat } from './results-writer.ts';
import { SAMPLE_RESULT_ROW } from '../../test/support/result-row.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'results-writer-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function resultRow(row: number, overrides: Partial<ResultRow> = {}): ResultRow {
  return { ...SAMPLE_RESULT_ROW, row, order_id: `ORD-${row}`, name: 'Maria Lopez', ...overrides };
}

async function readCsv(path: string): Promise<{ raw: Buffer; records: string[][] }> {
  const raw = await readFile(path);
  return { raw, records: parse(raw, { bom: true }) as string[][] };
}

async function readXlsx(path: string): Promise<ExcelJS.Worksheet> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(path);
  // Spanish by default: the first sheet is "Resultados" (the workbook test checks the names in both languages).
  const sheet = workbook.getWorksheet('Resultados');
  if (!sheet) throw new Error('no Resultados sheet');
  return sheet;
}

const col = (name: (typeof RESULT_COLUMNS)[number]): number => RESULT_COLUMNS.indexOf(name) + 1;
/** results.xlsx has one column more than the CSV, last: the amount as the file wrote it, when it was not ours. */
const AMOUNT_TEXT = RESULT_COLUMNS.length + 1;

const DANGEROUS = ['=HYPERLINK("http://evil.example","x")', '+1+cmd|" /C calc"!A0', '-2+3', '@SUM(A1:A9)', '\t=1+1', '\r=1+1'];

describe('results.csv', () => {
  it('starts with a UTF-8 BOM so Excel reads accents, and keeps them', async () => {
    const files = await writeResultsFile(dir, 'csv', [resultRow(2, { name: 'José Peña Ñúñez' })]);
    const { raw, records } = await readCsv(files.csvPath ?? '');
    expect([...raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(records[0]).toEqual([...RESULT_COLUMNS]);
    expect(records[1]?.[col('name') - 1]).toBe('José Peña Ñúñez');
  });

  it('writes every field in RESULT_COLUMNS order', async () => {
    const row = resultRow(7, {
      order_id: 'o',
      provider: 'conekta',
      status: 'paid',
      error_code: 'e1;e2',
      error_message: 'm',
      warning: 'w',
      amount: '10.00',
      currency: 'MXN',
      account: 'a',
      name: 'n',
      provider_id: 'pid',
      provider_status: 'ps',
      attempts: 3,
      note: 'no',
      updated_at: '2025-03-04T05:06:07.000Z',
    });
    const files = await writeResultsFile(dir, 'csv', [row]);
    const { records } = await readCsv(files.csvPath ?? '');
    expect(records[1]).toEqual(RESULT_COLUMNS.map((c) => String(row[c])));
  });

  it.each(DANGEROUS)('escapes %j wherever input text lands', async (text) => {
    const files = await writeResultsFile(dir, 'csv', [
      resultRow(2, { order_id: text, name: text, error_message: text, note: text, amount: text }),
    ]);
    const { records } = await readCsv(files.csvPath ?? '');
    for (const c of ['order_id', 'name', 'error_message', 'note', 'amount'] as const) {
      expect(records[1]?.[col(c) - 1]).toBe(escapeCell(text));
      expect(records[1]?.[col(c) - 1]?.startsWith("'")).toBe(true);
    }
  });

  it('leaves our own numbers alone: the row and a canonical negative amount', async () => {
    const files = await writeResultsFile(dir, 'csv', [resultRow(2, { amount: '-12.50', attempts: 2 })]);
    const { records } = await readCsv(files.csvPath ?? '');
    expect(records[1]?.[col('row') - 1]).toBe('2');
    expect(records[1]?.[col('amount') - 1]).toBe('-12.50');
    expect(records[1]?.[col('attempts') - 1]).toBe('2');
  });
});

describe('results.xlsx', () => {
  it('writes formula-looking input as quoted strings, never formulas', async () => {
    const rows = DANGEROUS.map((text, i) => resultRow(i + 2, { name: text, order_id: text, amount: text }));
    const files = await writeResultsFile(dir, 'xlsx', rows);
    const sheet = await readXlsx(files.xlsxPath ?? '');
    DANGEROUS.forEach((text, i) => {
      for (const c of ['name', 'order_id', 'amount'] as const) {
        // The amount the file wrote sits in its own column.
        const cell = sheet.getRow(i + 2).getCell(c === 'amount' ? AMOUNT_TEXT : col(c));
        expect(cell.type).toBe(ExcelJS.ValueType.String);
        expect(cell.formula).toBeUndefined();
        // XML reads a carriage return back as a line feed; the quote still comes first.
        expect(cell.value).toBe(escapeCell(text).replaceAll('\r', '\n'));
        expect(String(cell.value).startsWith("'")).toBe(true);
      }
    });
  });

  it('styles the header: bold, frozen, autofilter across every column', async () => {
    const files = await writeResultsFile(dir, 'xlsx', [resultRow(2)]);
    const sheet = await readXlsx(files.xlsxPath ?? '');
    const header = sheet.getRow(1);
    expect(RESULT_COLUMNS.map((_, i) => header.getCell(i + 1).value)).toEqual([
      'Fila', 'ID de orden', 'Proveedor', 'Estado', 'Código de error', 'Mensaje de error', 'Advertencia', 'Importe', 'Moneda', 'Cuenta',
      'Beneficiario', 'ID del proveedor', 'Estado en el proveedor', 'Intentos', 'Nota', 'Actualizado',
    ]);
    expect(header.getCell(AMOUNT_TEXT).value).toBe('Importe según el archivo');
    RESULT_COLUMNS.forEach((_, i) => expect(header.getCell(i + 1).font?.bold).toBe(true));
    expect(sheet.getRow(2).getCell(1).font?.bold).not.toBe(true);
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(sheet.autoFilter).toBe('A1:Q1');
  });

  it('types cells: row and attempts as numbers, amount as a currency number, updated_at as a date', async () => {
    const files = await writeResultsFile(dir, 'xlsx', [
      resultRow(2, { amount: '1234567.89', attempts: 3, updated_at: '2025-03-04T05:06:07.000Z' }),
      resultRow(3, { amount: '-12.50', currency: 'ARS', provider: 'zenrise' }),
      resultRow(4, { amount: '12,50', status: 'invalid', updated_at: '2025-03-04T05:06:07' }),
      resultRow(5, { amount: '$ 1,234.50', status: 'invalid', error_code: 'ACCOUNT_LENGTH' }),
    ]);
    const sheet = await readXlsx(files.xlsxPath ?? '');
    const first = sheet.getRow(2);
    expect(first.getCell(col('row')).value).toBe(2);
    expect(first.getCell(col('attempts')).value).toBe(3);
    expect(first.getCell(col('amount')).value).toBe(1234567.89);
    expect(first.getCell(col('amount')).numFmt).toContain('[$MXN]');
    expect(first.getCell(col('updated_at')).value).toEqual(new Date('2025-03-04T05:06:07.000Z'));
    expect(first.getCell(col('updated_at')).numFmt).toContain('yyyy-mm-dd hh:mm:ss');

    const negative = sheet.getRow(3).getCell(col('amount'));
    expect(negative.type).toBe(ExcelJS.ValueType.Number);
    expect(negative.value).toBe(-12.5);
    expect(negative.numFmt).toContain('[$ARS]');

    // What the file said, not an amount we parsed: shown as written in its own column; no number, as it does not
    // read as pesos.
    expect(sheet.getRow(4).getCell(col('amount')).value).toBeNull();
    expect(sheet.getRow(4).getCell(AMOUNT_TEXT).value).toBe('12,50');
    // An invalid row whose amount reads as one: the number too, in the currency's format.
    expect(sheet.getRow(5).getCell(col('amount')).value).toBe(1234.5);
    expect(sheet.getRow(5).getCell(col('amount')).numFmt).toContain('[$MXN]');
    expect(sheet.getRow(5).getCell(AMOUNT_TEXT).value).toBe('$ 1,234.50');
    expect(sheet.getRow(4).getCell(col('attempts')).value).toBeNull();
    // No zone, so no honest UTC date: left as the text it is.
    expect(sheet.getRow(4).getCell(col('updated_at')).value).toBe('2025-03-04T05:06:07');
  });

  it('keeps accents and sizes columns to their content, within a cap', async () => {
    const files = await writeResultsFile(dir, 'xlsx', [
      resultRow(2, { name: 'José Peña Ñúñez', error_message: 'x'.repeat(500) }),
    ]);
    const sheet = await readXlsx(files.xlsxPath ?? '');
    expect(sheet.getRow(2).getCell(col('name')).value).toBe('José Peña Ñúñez');
    const width = (c: (typeof RESULT_COLUMNS)[number]): number => sheet.getColumn(col(c)).width ?? 0;
    expect(width('name')).toBeGreaterThanOrEqual('José Peña Ñúñez'.length);
    expect(width('error_message')).toBeLessThanOrEqual(60);
    expect(width('row')).toBeLessThan(width('name'));
  });
});

describe('patch', () => {
  it('rewrites rows already written, escaped like any other value, in the CSV and the XLSX', async () => {
    const writer = await createResultsWriter(dir, 'both');
    for (let row = 2; row <= 6; row++) await writer.write(resultRow(row));
    writer.patch(4, { status: 'conflict', error_code: 'CONFLICTING_ORDER_ID' });
    writer.patch(4, { error_message: '=same order_id, other amount' });
    const files = await writer.finish();
    expect(files.rows).toBe(5);

    const { records } = await readCsv(files.csvPath ?? '');
    expect(records).toHaveLength(6);
    const patched = records[3] ?? [];
    expect(patched[col('row') - 1]).toBe('4');
    expect(patched[col('status') - 1]).toBe('conflict');
    expect(patched[col('error_code') - 1]).toBe('CONFLICTING_ORDER_ID');
    expect(patched[col('error_message') - 1]).toBe("'=same order_id, other amount");
    expect(patched[col('amount') - 1]).toBe('1234.56');
    for (const i of [1, 2, 4, 5]) expect(records[i]?.[col('status') - 1]).toBe('valid');

    const sheet = await readXlsx(files.xlsxPath ?? '');
    expect(sheet.getRow(4).getCell(col('status')).value).toBe('en conflicto');
    expect(sheet.getRow(4).getCell(col('error_message')).value).toBe("'=same order_id, other amount");
    expect(sheet.getRow(5).getCell(col('status')).value).toBe('válido');
    expect(await readdir(dir)).toEqual(['results.csv', 'results.xlsx']);
  });

  it('refuses a row that was never written, and a change of row number', async () => {
    const writer = await createResultsWriter(dir, 'csv');
    await writer.write(resultRow(2));
    await writer.write(resultRow(5));
    expect(() => writer.patch(3, { status: 'conflict' })).toThrow(RangeError);
    expect(() => writer.patch(9, { status: 'conflict' })).toThrow(RangeError);
    expect(() => writer.patch(5, { row: 6 })).toThrow(TypeError);
    await writer.finish();
  });
});

describe('writer lifecycle', () => {
  it.each<[ResultsFormat, string[]]>([
    ['csv', ['results.csv']],
    ['xlsx', ['results.xlsx']],
    ['both', ['results.csv', 'results.xlsx']],
  ])('%s leaves exactly %j, no partial or intermediate file', async (format, expected) => {
    const files = await writeResultsFile(dir, format, [resultRow(2), resultRow(3)]);
    expect((await readdir(dir)).sort()).toEqual(expected);
    expect(files.rows).toBe(2);
    expect(files.csvPath !== undefined).toBe(expected.includes('results.csv'));
    expect(files.xlsxPath !== undefined).toBe(expected.includes('results.xlsx'));
  });

  it('keeps the name results.csv for a finished file: while writing, only the partial exists', async () => {
    const writer = await createResultsWriter(dir, 'csv');
    await writer.write(resultRow(2));
    expect(await readdir(dir)).toEqual([expect.stringMatching(/^results\.csv\.[0-9a-f]{12}\.partial$/)]);
    await writer.finish();
    expect(await readdir(dir)).toEqual(['results.csv']);
  });

  it('writes a header-only file for no rows', async () => {
    const files = await writeResultsFile(dir, 'both', []);
    const { records } = await readCsv(files.csvPath ?? '');
    expect(records).toEqual([[...RESULT_COLUMNS]]);
    const sheet = await readXlsx(files.xlsxPath ?? '');
    expect(sheet.rowCount).toBe(1);
  });

  it('asks the caller to wait when the stream is full, and loses nothing', async () => {
    const writer = await createResultsWriter(dir, 'csv');
    const pending: Array<Promise<void>> = [];
    // More than the few batches the file may hold in flight (about 4 MB of lines).
    for (let row = 2; row < 40_002; row++) {
      const result = writer.write(resultRow(row));
      if (result) pending.push(result);
    }
    expect(pending.length).toBeGreaterThan(0);
    await Promise.all(pending);
    const files = await writer.finish();
    const { records } = await readCsv(files.csvPath ?? '');
    expect(records).toHaveLength(40_001);
    expect(records[40_000]?.[0]).toBe('40001');
  });

  it('takes rows in file order only, and nothing after finish', async () => {
    const writer = await createResultsWriter(dir, 'csv');
    await writer.write(resultRow(3));
    expect(() => writer.write(resultRow(3))).toThrow(RangeError);
    expect(() => writer.write(resultRow(2))).toThrow(RangeError);
    await writer.finish();
    expect(() => writer.write(resultRow(4))).toThrow(/after finish/);
    await expect(writer.finish()).rejects.toThrow(/twice/);
  });

  it('accepts an async iterable', async () => {
    async function* rows(): AsyncGenerator<ResultRow> {
      yield resultRow(2);
      yield resultRow(3);
    }
    const files = await writeResultsFile(dir, 'csv', rows());
    expect((await readCsv(files.csvPath ?? '')).records).toHaveLength(3);
  });

  it('abort removes the partial file and takes nothing more', async () => {
    const writer = await createResultsWriter(dir, 'both');
    for (let row = 2; row < 3000; row++) await writer.write(resultRow(row));
    await writer.abort();
    expect(await readdir(dir)).toEqual([]);
    expect(() => writer.write(resultRow(3000))).toThrow(/after finish/);
    await writer.abort();
  });

  it('refuses an unknown format', async () => {
    await expect(createResultsWriter(dir, 'pdf' as 'csv')).rejects.toThrow(TypeError);
  });
});
