/**
 * The workbooks finance keeps, read back with exceljs after a real run and report (SQLite ledger, simulator over
 * HTTP): one language per workbook (--lang es|en), print setup on every sheet, status colours, amounts as numbers
 * in the currency format (an invalid row's amount too, when it reads as one, beside the text the file wrote),
 * totals per status that never add different statuses together, and messages that wrap instead of being cut.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkbookLang } from '../src/report/workbook-language.ts';
import { startSimulator, type RunningSimulator } from '../src/simulator/index.ts';
import { tempDir } from './support/cli.ts';
import { makeSampleWorkbooks } from './support/sample-workbooks.ts';

let sim: RunningSimulator;
let dir: string;
let folders: Map<WorkbookLang, string>;

beforeAll(async () => {
  dir = tempDir('workbooks-');
  sim = await startSimulator({ port: 0, seed: 11, faults: 'latency=1..3', settleMs: 20, balanceMinor: 150_000_000 });
  folders = await makeSampleWorkbooks(sim, dir, ['es', 'en']);
}, 120_000);

afterAll(async () => {
  await sim?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function open(lang: WorkbookLang, name: string): Promise<ExcelJS.Workbook> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.readFile(join(folders.get(lang)!, name));
  return book;
}

/** Column number of a heading in row `row`. */
function column(sheet: ExcelJS.Worksheet, heading: string, row = 1): number {
  let found = 0;
  sheet.getRow(row).eachCell((cell, col) => {
    if (cell.value === heading && found === 0) found = col;
  });
  if (found === 0) throw new Error(`no column ${heading} in ${sheet.name}`);
  return found;
}

function dataRows(sheet: ExcelJS.Worksheet, from = 2): ExcelJS.Row[] {
  const rows: ExcelJS.Row[] = [];
  sheet.eachRow((row, n) => {
    if (n >= from) rows.push(row);
  });
  return rows;
}

const WORKBOOKS = ['results.xlsx', 'statement.xlsx', 'reconciliation.xlsx'] as const;

describe('workbook language', () => {
  it('names sheets and headings in Spanish by default and in English with --lang en, never mixed', async () => {
    const expected = {
      es: { results: ['Resultados', 'Totales'], reconciliation: ['Resumen', 'Pagadas', 'Pendientes', 'Fallidas', 'Desconocidas', 'No enviadas', 'Inválidas', 'Duplicadas y conflictos', 'Excepciones'] },
      en: { results: ['Results', 'Totals'], reconciliation: ['Summary', 'Paid', 'Pending', 'Failed', 'Unknown', 'Not sent', 'Invalid', 'Duplicates & conflicts', 'Exceptions'] },
    };
    for (const lang of ['es', 'en'] as const) {
      expect((await open(lang, 'results.xlsx')).worksheets.map((s) => s.name)).toEqual(expected[lang].results);
      expect((await open(lang, 'reconciliation.xlsx')).worksheets.map((s) => s.name)).toEqual(expected[lang].reconciliation);
    }
    const es = (await open('es', 'results.xlsx')).getWorksheet('Resultados')!;
    expect(es.getRow(1).getCell(1).value).toBe('Fila');
    expect(es.getRow(1).getCell(2).value).toBe('ID de orden');
    const en = (await open('en', 'results.xlsx')).getWorksheet('Results')!;
    expect(en.getRow(1).getCell(1).value).toBe('Row');

    // The statement's labels: every one in the workbook's language (it used to mix "Saldo inicial" and "Opening balance").
    // The table's date heading names its zone ("Fecha (America/Mexico_City)"): the word is what is compared.
    const labels = (book: ExcelJS.Workbook) => dataRows(book.worksheets[0]!, 1).map((r) => r.getCell(1).value).map((v) => (typeof v === 'string' ? v.replace(/ \([A-Za-z_]+\/[A-Za-z_/]+\)$/, '') : v));
    const statementEs = labels(await open('es', 'statement.xlsx'));
    const statementEn = labels(await open('en', 'statement.xlsx'));
    expect(statementEs).toEqual(expect.arrayContaining(['Saldo inicial', 'Comisiones', 'IVA de comisiones', 'Saldo final', 'Fecha']));
    for (const english of ['Opening balance', 'Fee', 'Fees', 'Closing balance', 'Date', 'Scope', 'Generated']) expect(statementEs).not.toContain(english);
    expect(statementEn).toEqual(expect.arrayContaining(['Opening balance', 'Fees', 'IVA on fees', 'Closing balance', 'Date']));
    for (const spanish of ['Saldo inicial', 'Saldo final', 'Fecha', 'Alcance']) expect(statementEn).not.toContain(spanish);
  });

  it('keeps results.csv columns as they are for programs, whatever the language', async () => {
    const { readFileSync } = await import('node:fs');
    for (const lang of ['es', 'en'] as const) {
      const header = readFileSync(join(folders.get(lang)!, 'results.csv'), 'utf8').replace(/^\uFEFF/, '').split('\n')[0];
      expect(header).toBe('row,order_id,provider,status,error_code,error_message,warning,amount,currency,account,name,provider_id,provider_status,attempts,note,updated_at');
    }
  });
});

describe('print setup', () => {
  it('prints every sheet of every workbook landscape, one page wide, header row repeated, page numbers in the footer', async () => {
    for (const lang of ['es', 'en'] as const) {
      for (const name of WORKBOOKS) {
        const book = await open(lang, name);
        for (const sheet of book.worksheets) {
          const where = `${lang} ${name} ${sheet.name}`;
          expect(sheet.pageSetup.orientation, where).toBe('landscape');
          expect(sheet.pageSetup.fitToPage, where).toBe(true);
          expect(sheet.pageSetup.fitToWidth, where).toBe(1);
          expect(sheet.pageSetup.fitToHeight, where).toBe(0);
          expect(sheet.headerFooter.oddFooter, where).toContain(lang === 'es' ? 'Página &P de &N' : 'Page &P of &N');
          // Tables repeat their header row on every page; the frozen row is the header.
          const view = sheet.views?.[0];
          const frozen = view?.state === 'frozen' ? (view as { ySplit?: number }).ySplit : undefined;
          if (frozen) expect(sheet.pageSetup.printTitlesRow, where).toBe(`${frozen}:${frozen}`);
        }
      }
    }
  });
});

describe('results.xlsx', () => {
  it('shows amounts as currency numbers, an invalid row\'s parsed amount beside its text, statuses in colour, messages wrapped', async () => {
    const sheet = (await open('es', 'results.xlsx')).getWorksheet('Resultados')!;
    const c = { row: column(sheet, 'Fila'), order: column(sheet, 'ID de orden'), status: column(sheet, 'Estado'), amount: column(sheet, 'Importe'), text: column(sheet, 'Importe según el archivo'), message: column(sheet, 'Mensaje de error') };
    const rows = dataRows(sheet);
    const byOrder = new Map(rows.map((r) => [String(r.getCell(c.order).value), r]));

    const payable = byOrder.get('20260002')!;
    expect(payable.getCell(c.amount).value).toBe(2469.14);
    expect(payable.getCell(c.amount).numFmt).toBe('[$MXN] #,##0.00;[Red]-[$MXN] #,##0.00');
    expect(payable.getCell(c.text).value).toBeNull();

    // Invalid for its CLABE; its amount "$ 1,500.00" still reads as pesos: the number, and the text as written.
    const shortClabe = byOrder.get('20269001')!;
    expect(shortClabe.getCell(c.status).value).toBe('inválido');
    expect(shortClabe.getCell(c.amount).value).toBe(1500);
    expect(shortClabe.getCell(c.amount).numFmt).toContain('[$MXN]');
    expect(shortClabe.getCell(c.text).value).toBe('$ 1,500.00');
    // An amount that is no amount: no number, only the text.
    const words = byOrder.get('20269003')!;
    expect(words.getCell(c.amount).value).toBeNull();
    expect(words.getCell(c.text).value).toBe('mil pesos');

    // Status colours: the cell is filled (red for invalid, grey for duplicate, another for payouts in flight or paid).
    const fill = (row: ExcelJS.Row) => (row.getCell(c.status).fill as ExcelJS.FillPattern | undefined)?.fgColor?.argb;
    expect(fill(shortClabe)).toBe('FFFFC7CE');
    const duplicate = rows.find((r) => r.getCell(c.status).value === 'duplicado')!;
    expect(fill(duplicate)).toBe('FFEDEDED');
    expect(fill(payable)).toMatch(/^FF(C6EFCE|FFEB9C)$/);

    // The row number and the order id are apart: the number one indent in from the right, the id from the left.
    expect(payable.getCell(c.row).alignment).toMatchObject({ horizontal: 'right', indent: 1 });
    expect(payable.getCell(c.order).alignment).toMatchObject({ horizontal: 'left', indent: 1 });
    // exceljs leaves out a column of the default width (9), which fits "Fila" and a row number with room.
    expect(sheet.getColumn(c.row).width ?? 9).toBeGreaterThanOrEqual(6);

    // A long message wraps in its column, and its row is as tall as its lines.
    expect(duplicate.getCell(c.message).alignment).toMatchObject({ wrapText: true });
    expect(String(duplicate.getCell(c.message).value).length).toBeGreaterThan(sheet.getColumn(c.message).width!);
    expect(duplicate.height).toBeGreaterThan(15);

    for (const row of rows) row.eachCell((cell) => expect(cell.formula).toBeUndefined());
  });

  it('totals rows and amounts per status and currency, with no amount across statuses', async () => {
    const book = await open('en', 'results.xlsx');
    const results = book.getWorksheet('Results')!;
    const totals = book.getWorksheet('Totals')!;
    const c = { status: column(results, 'Status'), amount: column(results, 'Amount'), currency: column(results, 'Currency') };
    // The expected sums, from the Results sheet itself, in cents.
    const expected = new Map<string, { rows: number; cents: number }>();
    for (const row of dataRows(results)) {
      const status = String(row.getCell(c.status).value);
      const e = expected.get(status) ?? { rows: 0, cents: 0 };
      e.rows += 1;
      const amount = row.getCell(c.amount).value;
      if (typeof amount === 'number') e.cents += Math.round(amount * 100);
      expected.set(status, e);
    }
    const header = 3;
    expect(totals.getRow(header).values).toEqual([undefined, 'Status', 'Code', 'Rows', 'Currency', 'Amount']);
    const got = new Map<string, { rows: number; cents: number }>();
    let allRows: unknown;
    for (const row of dataRows(totals, header + 1)) {
      if (row.getCell(1).value === 'All rows') {
        allRows = row.getCell(3).value;
        // Only the count: an amount here would add paid, pending and failed money together.
        expect(row.getCell(5).value).toBeNull();
        continue;
      }
      expect(row.getCell(5).numFmt).toContain('[$MXN]');
      got.set(String(row.getCell(1).value), { rows: row.getCell(3).value as number, cents: Math.round((row.getCell(5).value as number) * 100) });
    }
    expect(got).toEqual(expected);
    expect(allRows).toBe(dataRows(results).length);
    expect(got.size).toBeGreaterThan(1);
  });
});

describe('reconciliation.xlsx', () => {
  it('totals rows by status with a row count only: no one sum of paid, failed and conflict amounts', async () => {
    const summary = (await open('es', 'reconciliation.xlsx')).getWorksheet('Resumen')!;
    let total: ExcelJS.Row | undefined;
    summary.eachRow((row) => {
      if (row.getCell(1).value === 'Total de filas') total = row;
    });
    expect(total).toBeDefined();
    expect((total!.getCell(3).value as { formula: string }).formula).toMatch(/^SUM\(C\d+:C\d+\)$/);
    for (let col = 4; col <= 12; col++) expect(total!.getCell(col).value).toBeNull();
    // The invalid row's amount is a number in the Invalid sheet, its text in a column of its own.
    const invalid = (await open('es', 'reconciliation.xlsx')).getWorksheet('Inválidas')!;
    const c = { order: column(invalid, 'ID de orden'), amount: column(invalid, 'Importe'), text: column(invalid, 'Importe según el archivo') };
    const row = dataRows(invalid).find((r) => r.getCell(c.order).value === '20269001')!;
    expect(row.getCell(c.amount).value).toBe(1500);
    expect(row.getCell(c.text).value).toBe('$ 1,500.00');
  });
});
