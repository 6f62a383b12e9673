import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import type { CanonicalField } from '../domain/payout-row.ts';
import { openBatch } from './open-batch.ts';
import { expectRunError, fixture, readAll, storedZip, texts } from './test-support.ts';

const REQUIRED: CanonicalField[] = ['order_id', 'amount', 'account'];

describe('openBatch on XLSX', () => {
  it('keeps what Excel stored: numbers, dates, formulas, rich text, booleans', async () => {
    const batch = await openBatch(fixture('numbers-and-dates.xlsx'), { requiredFields: REQUIRED });
    expect(batch).toMatchObject({ format: 'xlsx', sheet: 'Pagos', warnings: [] });
    expect(batch.encoding).toBeUndefined();
    expect(batch.columns).toMatchObject({ order_id: 'order_id', account: 'clabe', name: 'beneficiario', amount: 'monto' });
    const rows = await readAll(batch);
    const byId = new Map(rows.map((r) => [texts(r).order_id, r]));

    // An account typed as a number: the digits are already gone, and the cell says it was a number.
    expect(byId.get('N-1')!.cells.account).toEqual({ type: 'number', number: 12180001183597198, text: '12180001183597198' });
    expect(byId.get('N-1')!.cells.amount).toEqual({ type: 'number', number: 1250.5, text: '1250.5' });
    expect(byId.get('N-2')!.cells.account).toEqual({ type: 'text', text: '012180001183597198' });
    expect(byId.get('N-2')!.cells.amount).toMatchObject({ type: 'number', number: 0.1 + 0.2 });
    expect(byId.get('N-2')!.cells.description).toEqual({ type: 'boolean', text: 'TRUE' });
    expect(byId.get('N-3')!.cells.account).toMatchObject({ type: 'number', text: '2.85059094090418e+21' });
    expect(byId.get('N-3')!.cells.amount).toEqual({ type: 'date', text: '2025-03-01' });
    expect(byId.get('N-4')!.cells.amount).toEqual({ type: 'formula', formula: 'D2*2', text: '2501' });
    expect(byId.get('N-4')!.cells.name).toEqual({ type: 'text', text: 'María Fernanda' });
  });

  it('skips the blank row but keeps the spreadsheet row numbers', async () => {
    const rows = await readAll(await openBatch(fixture('numbers-and-dates.xlsx'), { requiredFields: REQUIRED }));
    expect(rows.map((r) => [r.row, texts(r).order_id])).toEqual([
      [2, 'N-1'],
      [3, 'N-2'],
      [4, 'N-3'],
      [5, 'N-4'],
      [7, 'N-5'],
    ]);
  });

  it('reads shared strings, from the first visible sheet by default', async () => {
    const batch = await openBatch(fixture('shared-strings.xlsx'), { requiredFields: REQUIRED });
    expect(batch.sheet).toBe('Pagos');
    expect(batch.headers).toEqual(['Referencia', 'Cuenta', 'Titular', 'Importe', 'Moneda']);
    const rows = await readAll(batch);
    expect(rows).toHaveLength(30);
    expect(rows[0]).toEqual({
      row: 2,
      cells: {
        order_id: { type: 'text', text: 'SS-001' },
        account: { type: 'text', text: '012180001183597198' },
        name: { type: 'text', text: 'José Peña Núñez' },
        amount: { type: 'text', text: '1.00' },
        currency: { type: 'text', text: 'MXN' },
      },
    });
    expect(rows[29]!.row).toBe(31);
    expect(texts(rows[1]).name).toBe('María López');
  });

  it('reads the sheet named with --sheet, ignoring case', async () => {
    const batch = await openBatch(fixture('shared-strings.xlsx'), { requiredFields: REQUIRED, sheet: 'reintegros' });
    expect(batch.sheet).toBe('Reintegros');
    const rows = await readAll(batch);
    expect(rows.map(texts)).toEqual([{ order_id: 'RI-1', account: '0170099222000000678122', name: 'Juan Pérez', amount: '10,00', currency: 'ARS' }]);
  });

  it('fails with SHEET_NOT_FOUND listing the sheets', async () => {
    const error = await expectRunError(openBatch(fixture('shared-strings.xlsx'), { requiredFields: REQUIRED, sheet: 'Octubre' }), 'SHEET_NOT_FOUND');
    for (const name of ['Pagos', 'Reintegros']) expect(error.message).toContain(name);
  });

  it('reads a workbook named .csv by its content, with a warning', async () => {
    const batch = await openBatch(fixture('workbook-named.csv'), { requiredFields: REQUIRED });
    expect(batch.format).toBe('xlsx');
    expect(batch.warnings).toHaveLength(1);
    expect(await readAll(batch)).toHaveLength(5);
  });

  it('stops reading when the caller does', async () => {
    const batch = await openBatch(fixture('shared-strings.xlsx'), { requiredFields: REQUIRED });
    const seen: number[] = [];
    for await (const row of batch.rows()) {
      seen.push(row.row);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual([2, 3]);
  });

  describe('on workbooks written for the test', () => {
    const dir = mkdtempSync(join(tmpdir(), 'open-batch-xlsx-'));
    async function write(name: string, rows: unknown[][], useSharedStrings = true): Promise<string> {
      const path = join(dir, name);
      const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings });
      const sheet = workbook.addWorksheet('Hoja1');
      for (const row of rows) sheet.addRow(row).commit();
      sheet.commit();
      await workbook.commit();
      return path;
    }

    it('reads strings stored in the cells (a workbook without shared strings)', async () => {
      const path = await write('inline.xlsx', [['orden', 'cuenta', 'monto'], ['I-1', '012180001183597198', '5.00']], false);
      const rows = await readAll(await openBatch(path, { requiredFields: REQUIRED }));
      expect(rows.map(texts)).toEqual([{ order_id: 'I-1', account: '012180001183597198', amount: '5.00' }]);
    });

    it('finds the header under a title row and keeps row numbers', async () => {
      const path = await write('title.xlsx', [['Dispersión octubre 2025'], [], ['orden', 'cuenta', 'monto'], ['T-1', '012180001183597198', 5]]);
      const batch = await openBatch(path, { requiredFields: REQUIRED });
      expect(batch.headers).toEqual(['orden', 'cuenta', 'monto']);
      expect(batch.warnings).toHaveLength(1);
      expect((await readAll(batch)).map((r) => r.row)).toEqual([4]);
    });

    it('fails with FILE_EMPTY for an empty sheet', async () => {
      await expectRunError(openBatch(await write('empty.xlsx', []), { requiredFields: REQUIRED }), 'FILE_EMPTY');
    });

    it('fails with COLUMNS_MISSING for a sheet without the columns', async () => {
      await expectRunError(openBatch(await write('other.xlsx', [['Fecha', 'Cargo'], ['2025-10-01', 5]]), { requiredFields: REQUIRED }), 'COLUMNS_MISSING');
    });

    async function writeSheets(name: string, sheets: Array<[string, unknown[][]]>): Promise<string> {
      const path = join(dir, name);
      const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: true });
      for (const [sheetName, rows] of sheets) {
        const sheet = workbook.addWorksheet(sheetName);
        for (const row of rows) sheet.addRow(row).commit();
        sheet.commit();
      }
      await workbook.commit();
      return path;
    }
    const INSTRUCTIONS: [string, unknown[][]] = ['Instrucciones', [['Llene la hoja Dispersión con un pago por fila.'], ['No cambie los encabezados.']]];
    const PAYOUTS: [string, unknown[][]] = ['Dispersión', [['Folio', 'CLABE', 'Razón Social', 'Importe neto'], ['F-1', '012180001183597198', 'Aceros del Norte SA de CV', '1500.00']]];

    it('finds --sheet Dispersion in "Dispersión", sheet names matched like headers (issue 13)', async () => {
      const path = await writeSheets('accented.xlsx', [INSTRUCTIONS, PAYOUTS]);
      for (const wanted of ['Dispersion', 'DISPERSIÓN', ' dispersion ']) {
        const batch = await openBatch(path, { requiredFields: REQUIRED, sheet: wanted });
        expect(batch.sheet, wanted).toBe('Dispersión');
        // MX export headers, no --map: Folio, Razón Social, Importe neto.
        expect(batch.columns).toEqual({ order_id: 'Folio', account: 'CLABE', name: 'Razón Social', amount: 'Importe neto' });
        expect((await readAll(batch)).map(texts)).toEqual([{ order_id: 'F-1', account: '012180001183597198', name: 'Aceros del Norte SA de CV', amount: '1500.00' }]);
      }
      await expectRunError(openBatch(path, { requiredFields: REQUIRED, sheet: 'Dispersiones' }), 'SHEET_NOT_FOUND');
    });

    it('with an instructions sheet first, COLUMNS_MISSING lists every sheet\'s headers and names the sheet to use (issue 13)', async () => {
      const path = await writeSheets('instructions-first.xlsx', [INSTRUCTIONS, ['Resumen', [['Total', 'Filas'], [1500, 1]]], PAYOUTS]);
      const error = await expectRunError(openBatch(path, { requiredFields: REQUIRED }), 'COLUMNS_MISSING');
      expect(error.message).toContain('sheet "Instrucciones"');
      expect(error.message).toContain('"Resumen": "Total", "Filas"');
      expect(error.message).toContain('"Dispersión": "Folio", "CLABE", "Razón Social", "Importe neto"');
      expect(error.hint).toContain('--sheet "Dispersión"');
      // A workbook of one sheet keeps the plain message.
      const alone = await expectRunError(openBatch(await write('alone.xlsx', [['Fecha', 'Cargo'], ['2025-10-01', 5]]), { requiredFields: REQUIRED }), 'COLUMNS_MISSING');
      expect(alone.message).not.toContain('other sheets');
    });

    it('reads a workbook whose parts are named, placed and ordered unusually', async () => {
      const main = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
      const rel = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
      const path = join(dir, 'unusual.xlsx');
      writeFileSync(path, storedZip({
        // The sheet comes first, before the shared strings it needs and the workbook that names it; its file
        // is not called sheetN.xml, the relationship points at it from the package root, and row 2 is blank.
        'xl/worksheets/pagos.xml':
          `<worksheet ${main}><sheetData>` +
          '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>' +
          '<row r="3"><c r="A3" t="s"><v>3</v></c><c r="B3" t="s"><v>4</v></c><c r="C3"><v>12.5</v></c></row>' +
          '<row r="4"><c r="A4" t="inlineStr"><is><t>U-2</t></is></c><c r="B4" t="s"><v>4</v></c><c r="C4"><v>7</v></c></row>' +
          '</sheetData></worksheet>',
        'xl/sharedStrings.xml': `<sst ${main}><si><t>Referencia</t></si><si><t>CLABE</t></si><si><t>Importe</t></si><si><t>U-1</t></si><si><t>012180001183597198</t></si></sst>`,
        'xl/_rels/workbook.xml.rels':
          `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
          `<Relationship Id="rId7" Type="${rel}/worksheet" Target="/xl/worksheets/pagos.xml"/>` +
          `<Relationship Id="rId8" Type="${rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
        'xl/workbook.xml': `<workbook ${main} xmlns:r="${rel}"><sheets><sheet name="Datos" sheetId="1" r:id="rId7"/></sheets></workbook>`,
      }));
      const batch = await openBatch(path, { requiredFields: REQUIRED });
      expect(batch).toMatchObject({ format: 'xlsx', sheet: 'Datos', headers: ['Referencia', 'CLABE', 'Importe'] });
      const rows = await readAll(batch);
      expect(rows.map((r) => [r.row, texts(r)])).toEqual([
        [3, { order_id: 'U-1', account: '012180001183597198', amount: '12.5' }],
        [4, { order_id: 'U-2', account: '012180001183597198', amount: '7' }],
      ]);
    });
  });
});
