/**
 * Every workbook as it prints: LibreOffice converts results.xlsx, statement.xlsx and reconciliation.xlsx (Spanish
 * and English) to PDF with their own print setup, and pdftoppm turns each page into a PNG kept under
 * test-output/workbooks/ for a person to look at. The checks are what a cut column or a bad break would change:
 * landscape A4 pages, and exactly one page per sheet for this small batch (a column that does not fit the width
 * would add pages). Under CI a missing LibreOffice fails the test (.ci/run installs it); elsewhere it is skipped
 * with the reason.
 */
import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkbookLang } from '../src/report/workbook-language.ts';
import { startSimulator, type RunningSimulator } from '../src/simulator/index.ts';
import { ROOT, tempDir } from './support/cli.ts';
import { findSoffice, hasPdftoppm, pdfPages, renderWorkbook } from './support/render-workbook.ts';
import { makeSampleWorkbooks } from './support/sample-workbooks.ts';

const OUTPUT = join(ROOT, 'test-output', 'workbooks');
const soffice = findSoffice();
const missing = soffice === undefined ? 'LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui' : !hasPdftoppm() ? 'pdftoppm is not installed: apt-get install poppler-utils' : undefined;

if (missing !== undefined && process.env.CI) {
  describe('workbooks rendered', () => {
    it('has LibreOffice and poppler under CI', () => {
      throw new Error(`${missing} (.ci/run installs both)`);
    });
  });
} else if (missing !== undefined) {
  describe('workbooks rendered', () => {
    it.skip(`skipped: ${missing}`, () => undefined);
  });
} else {
  describe('workbooks rendered', { timeout: 300_000 }, () => {
    let sim: RunningSimulator;
    let dir: string;
    let folders: Map<WorkbookLang, string>;

    beforeAll(async () => {
      dir = tempDir('workbooks-render-');
      sim = await startSimulator({ port: 0, seed: 11, faults: 'settle_fail=0.3,latency=1..3', settleMs: 20, balanceMinor: 150_000_000 });
      folders = await makeSampleWorkbooks(sim, dir, ['es', 'en']);
      if (existsSync(OUTPUT)) rmSync(OUTPUT, { recursive: true, force: true });
    }, 120_000);

    afterAll(async () => {
      await sim?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    for (const lang of ['es', 'en'] as const) {
      for (const name of ['results.xlsx', 'statement.xlsx', 'reconciliation.xlsx']) {
        it(`${lang} ${name}: landscape A4, one page per sheet, pictures kept`, async () => {
          const xlsx = join(folders.get(lang)!, name);
          const book = new ExcelJS.Workbook();
          await book.xlsx.readFile(xlsx);
          const { pdf, pngs } = await renderWorkbook(soffice!, xlsx, join(OUTPUT, lang));
          expect(await pdfPages(pdf)).toBe(book.worksheets.length);
          expect(pngs).toHaveLength(book.worksheets.length);
          const { stdout } = await promisify(execFile)('pdfinfo', [pdf]);
          // A4 landscape: 842 × 595 points.
          expect(stdout).toMatch(/Page size:\s+841\.\d+ x 595\.\d+ pts|Page size:\s+842 x 595 pts/);
        });
      }
    }
  });
}
