import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import type { CanonicalField, RawRow } from '../domain/payout-row.ts';
import { openBatch } from './open-batch.ts';
import { SheetXmlParser, decodeXml, excelToDate, isDateFormat } from './sheet-xml.ts';
import { fixture, readAll } from './test-support.ts';
import { rawCellOf } from './xlsx-cell.ts';

const ALL_FIELDS: CanonicalField[] = ['order_id', 'amount', 'account', 'name', 'email', 'phone', 'description', 'currency', 'provider'];
const dir = mkdtempSync(join(tmpdir(), 'sheet-xml-'));

/**
 * exceljs's own full (non-streaming) reader is the reference: every row of the sheet after its header, each mapped
 * column as rawCellOf makes it, must be what openBatch reads through SheetXmlParser.
 */
async function expectSameAsExcelJs(path: string, sheetName?: string): Promise<RawRow[]> {
  const batch = await openBatch(path, { requiredFields: [], ...(sheetName ? { sheet: sheetName } : {}) });
  const ours = (await readAll(batch)).map(withoutEmptyText);

  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(path);
  const sheet = sheetName ? workbook.getWorksheet(sheetName)! : workbook.worksheets.find((s) => s.state !== 'hidden')!;
  const headerRow = sheet.getRow(1).values as unknown[];
  const columns = Object.entries(batch.columns).map(([field, header]) => [field, headerRow.indexOf(header)] as const);
  const reference: RawRow[] = [];
  sheet.eachRow((row, number) => {
    if (number === 1) return;
    const cells: RawRow['cells'] = {};
    let content = false;
    for (const [field, column] of columns) {
      const raw = rawCellOf(row.getCell(column).value);
      if (raw === undefined) continue;
      cells[field as CanonicalField] = raw;
      if (raw.text.trim() !== '') content = true;
    }
    if (content) reference.push({ row: number, cells });
  });
  expect(ours).toEqual(reference.map(withoutEmptyText));
  return ours;
}

/**
 * An empty shared string is '' to exceljs's full reader and nothing to its streaming one (and so to us); every
 * reader of a RawRow takes both for an empty cell.
 */
function withoutEmptyText(row: RawRow): RawRow {
  const cells = Object.fromEntries(Object.entries(row.cells).filter(([, cell]) => !(cell.type === 'text' && cell.text === '')));
  return { row: row.row, cells };
}

async function writeGenerated(path: string, options: { date1904?: boolean } = {}): Promise<void> {
  const workbook = new ExcelJS.Workbook();
  if (options.date1904) workbook.properties.date1904 = true;
  const sheet = workbook.addWorksheet('Pagos');
  sheet.addRow(ALL_FIELDS);
  sheet.addRow([
    'A&B <x> "q" \'s\'',
    1250.5,
    '012180001183597198',
    { richText: [{ text: 'María ', font: { bold: true } }, { text: 'José' }] },
    { text: 'ana@example.com', hyperlink: 'mailto:ana@example.com' },
    { formula: '1+1', result: 2 },
    { formula: '"x"&"y"', result: 'xy' },
    true,
    { error: '#N/A' },
  ]);
  const dated = sheet.addRow(['D-1', new Date(Date.UTC(2025, 2, 1)), 12180001183597198, 'Ñandú 😀', '', '  +52 55 1234 5678 ', 'línea 1\nlínea 2', false, '']);
  dated.getCell(2).numFmt = 'dd/mm/yyyy';
  sheet.addRow([]);
  const sparse = sheet.getRow(6);
  sparse.getCell(5).value = 'solo@example.com';
  sparse.commit();
  sheet.addRow(['N-1', 0.1 + 0.2, 2.85059094090418e21, -5, 1e-7, 123456789012345, '=not a formula', 'MXN', 'zenrise']);
  sheet.getRow(8).values = ['N-2', { formula: 'B7*2', result: 0.6 }, '0001', 'x', 'y', 'z', '', '', ''];
  await workbook.xlsx.writeFile(path);
}

describe('SheetXmlParser', () => {
  it.each([
    ['numbers-and-dates.xlsx', undefined],
    ['shared-strings.xlsx', undefined],
    ['shared-strings.xlsx', 'Reintegros'],
  ])('reads %s (sheet %s) as exceljs does', async (name, sheet) => {
    await expectSameAsExcelJs(fixture(name), sheet);
  });

  it('reads a generated workbook of every cell type as exceljs does: text, rich text, links, formulas, dates, errors', async () => {
    const path = join(dir, 'types.xlsx');
    await writeGenerated(path);
    const rows = await expectSameAsExcelJs(path);
    expect(rows.map((row) => row.row)).toEqual([2, 3, 6, 7, 8]);
    expect(rows[1]!.cells.amount).toEqual({ type: 'date', text: '2025-03-01' });
  });

  it('reads dates of a 1904 workbook as exceljs does', async () => {
    const path = join(dir, 'date1904.xlsx');
    await writeGenerated(path, { date1904: true });
    const rows = await expectSameAsExcelJs(path);
    expect(rows[1]!.cells.amount).toEqual({ type: 'date', text: '2025-03-01' });
  });

  it('reads inline strings (a streaming writer without shared strings), rich runs joined', async () => {
    const path = join(dir, 'inline.xlsx');
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: false, useStyles: true });
    const sheet = workbook.addWorksheet('S');
    sheet.addRow(['order_id', 'name', 'amount']).commit();
    sheet.addRow(['A&B <x>', { richText: [{ text: 'Ma ', font: { bold: true } }, { text: 'ría' }] }, 10]).commit();
    sheet.commit();
    await workbook.commit();
    const rows = await expectSameAsExcelJs(path);
    expect(rows[0]!.cells).toEqual({ order_id: { type: 'text', text: 'A&B <x>' }, name: { type: 'text', text: 'Ma ría' }, amount: { type: 'number', number: 10, text: '10' } });
  });

  it('takes rows and cells cut anywhere across chunks, and rows or cells without references', () => {
    const xml =
      '<worksheet><sheetData><row r="2"><c r="A2" t="s"><v>0</v></c><c r="C2"><v>1.5</v></c></row>' +
      '<row><c t="inlineStr"><is><r><t>a</t></r><rPh sb="0" eb="1"><t>ア</t></rPh><r><t xml:space="preserve"> b</t></r></is></c><c t="b"><v>1</v></c></row>' +
      '<row r="9"/><row r="10"><c r="B10" t="e"><v>#DIV/0!</v></c><c r="C10" t="str"><f>"x"</f><v>x&amp;y</v></c></row></sheetData></worksheet>';
    const context = { sharedString: (index: number) => ['uno'][index], numFmt: () => undefined, date1904: false };
    const whole = new SheetXmlParser(context);
    const expected = [...whole.push(xml), ...whole.end()];
    expect(expected).toEqual([
      { number: 2, values: [, 'uno', , 1.5] },
      { number: 3, values: [, 'a b', true] },
      { number: 10, values: [, , { error: '#DIV/0!' }, { formula: '"x"', result: 'x&y' }] },
    ]);
    for (let cut = 1; cut < xml.length; cut += 7) {
      const parser = new SheetXmlParser(context);
      expect([...parser.push(xml.slice(0, cut)), ...parser.push(xml.slice(cut)), ...parser.end()], `cut at ${cut}`).toEqual(expected);
    }
  });

  it('decodes XML references and knows date formats as exceljs does', () => {
    expect(decodeXml('a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos; &#241; &#xF1; &bogus;')).toBe('a & b <c> "d" \'e\' ñ ñ &bogus;');
    expect(isDateFormat('dd/mm/yyyy')).toBe(true);
    expect(isDateFormat('[$-409]h:mm AM/PM')).toBe(true);
    expect(isDateFormat('#,##0.00')).toBe(false);
    expect(isDateFormat('"MXN" #,##0.00')).toBe(false);
    expect(isDateFormat(undefined)).toBe(false);
    expect(excelToDate(45717, false).toISOString()).toBe('2025-03-01T00:00:00.000Z');
    expect(excelToDate(44255, true).toISOString()).toBe('2025-03-01T00:00:00.000Z');
  });
});
