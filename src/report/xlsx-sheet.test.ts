import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { XlsxFile, amount, checkSheetName, criterion, date, int, sheetRef, text } from './xlsx-sheet.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xlsx-sheet-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('XlsxFile', () => {
  it('writes text as escaped strings, amounts as numbers in the currency format, dates as dates, formulas with results', async () => {
    const path = join(dir, 'book.xlsx');
    const file = new XlsxFile(path);
    file.addSheet({
      name: 'Data',
      headerRow: 1,
      rows: [
        { cells: [text('Name'), text('Amount'), text('At'), text('Row')] },
        { cells: [text('=1+1'), amount(123_456, 'MXN'), date(new Date('2026-03-01T10:00:00Z')), int(2)] },
        { cells: [text('@SUM(A1)'), amount(-5, 'ARS'), undefined, int(3)] },
      ],
      more: [{ cells: [text('José Peña'), amount(7, 'MXN')] }],
    });
    file.addSheet({ name: 'Sum', rows: [{ cells: [{ kind: 'formula', formula: `SUM(${sheetRef('Data', 'B')})`, result: 123_458, currency: 'MXN' }] }] });
    await file.commit();

    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(path);
    const data = book.getWorksheet('Data')!;
    expect(data.getCell('A2').value).toBe("'=1+1");
    expect(data.getCell('A3').value).toBe("'@SUM(A1)");
    expect(data.getCell('A4').value).toBe('José Peña');
    expect(data.getCell('B2').value).toBe(1234.56);
    expect(data.getCell('B2').numFmt).toBe('[$MXN] #,##0.00;[Red]-[$MXN] #,##0.00');
    expect(data.getCell('B3').value).toBe(-0.05);
    expect(data.getCell('B3').numFmt).toContain('[$ARS]');
    expect(data.getCell('C2').value).toEqual(new Date('2026-03-01T10:00:00Z'));
    expect(data.getCell('D2').value).toBe(2);
    expect(data.getRow(1).getCell(1).font?.bold).toBe(true);
    expect(data.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(data.autoFilter).toBeTruthy();
    for (let r = 1; r <= 4; r++) for (let c = 1; c <= 4; c++) expect(data.getRow(r).getCell(c).formula).toBeUndefined();
    expect(book.getWorksheet('Sum')!.getCell('A1').value).toEqual({ formula: "SUM('Data'!B:B)", result: 1234.58 });
  });

  it('refuses two sheets with one name, whatever the case', () => {
    const file = new XlsxFile(join(dir, 'dup.xlsx'));
    file.addSheet({ name: 'Paid', rows: [] });
    expect(() => file.addSheet({ name: 'PAID', rows: [] })).toThrow(TypeError);
    file.abort();
  });
});

describe('what may reach a formula', () => {
  it('lets only identifiers be criteria, so no input text can become part of one', () => {
    expect(criterion('openpay')).toBe('"openpay"');
    expect(criterion('AMOUNT_MISMATCH')).toBe('"AMOUNT_MISMATCH"');
    for (const bad of ['a"b', '=1+1', 'MXN*', '', 'two words', '1abc']) expect(() => criterion(bad), bad).toThrow(TypeError);
  });

  it('quotes sheet names, doubling a quote inside one', () => {
    expect(sheetRef('Duplicates & conflicts', 'A')).toBe("'Duplicates & conflicts'!A:A");
    expect(sheetRef("It's", 'C')).toBe("'It''s'!C:C");
  });

  it('keeps sheet names within Excel\'s rules', () => {
    expect(checkSheetName('Duplicates & conflicts')).toBe('Duplicates & conflicts');
    for (const bad of ['', 'a'.repeat(32), 'a/b', 'a:b', 'a[1]', 'a?', 'a*', 'a\\b']) expect(() => checkSheetName(bad), bad).toThrow(TypeError);
  });
});
