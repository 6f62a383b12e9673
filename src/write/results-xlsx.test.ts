import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RESULT_COLUMNS } from '../domain/result-row.ts';
import { writeResultsXlsx } from './results-xlsx.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'results-xlsx-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function csvLine(row: number): string {
  return RESULT_COLUMNS.map((c) => (c === 'row' ? String(row) : c === 'amount' ? '10.00' : c === 'currency' ? 'MXN' : '')).join(',');
}

describe('writeResultsXlsx', () => {
  it('rolls over to "Results 2" past the sheet limit, each sheet with its own header, freeze and filter', async () => {
    const csv = join(dir, 'results.csv');
    await writeFile(csv, `\uFEFF${RESULT_COLUMNS.join(',')}\n${[2, 3, 4, 5, 6].map(csvLine).join('\n')}\n`);
    const xlsx = join(dir, 'results.xlsx');
    expect(await writeResultsXlsx(csv, xlsx, { rowsPerSheet: 2 })).toEqual({ rows: 5 });

    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(xlsx);
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['Resultados', 'Resultados 2', 'Resultados 3', 'Totales']);
    const rowsPerSheet = workbook.worksheets.slice(0, 3).map((sheet) => {
      expect(sheet.getRow(1).getCell(1).value).toBe('Fila');
      expect(sheet.getRow(1).getCell(1).font?.bold).toBe(true);
      expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
      expect(sheet.autoFilter).toBe('A1:Q1');
      const numbers: unknown[] = [];
      sheet.eachRow((row, n) => {
        if (n > 1) numbers.push(row.getCell(1).value);
      });
      return numbers;
    });
    expect(rowsPerSheet).toEqual([[2, 3], [4, 5], [6]]);
  });

  it('refuses a CSV that is not a results file', async () => {
    const csv = join(dir, 'other.csv');
    await writeFile(csv, 'a,b\n1,2\n');
    await expect(writeResultsXlsx(csv, join(dir, 'x.xlsx'))).rejects.toThrow(/not a results file/);
  });

  it('rejects a sheet size Excel cannot open', async () => {
    await expect(writeResultsXlsx('x', 'y', { rowsPerSheet: 1_048_576 })).rejects.toThrow(RangeError);
  });
});
