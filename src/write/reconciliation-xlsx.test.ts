import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { evaluateFormula, formulaCells } from '../../test/support/summary-formulas.ts';
import type { ProviderId } from '../domain/provider-id.ts';
import { payoutNotInLedger } from '../report/exceptions.ts';
import { detailRecord } from '../report/reconciliation.ts';
import { T0, ledgerRow } from '../report/test-support/rows.ts';
import { workbookWords } from '../report/workbook-language.ts';
import { DETAIL_COLUMNS, EXCEPTION_COLUMNS, writeReconciliationXlsx } from './reconciliation-xlsx.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reconciliation-xlsx-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const fee = { fixedMinor: 800, percentBps: 0, ivaBps: 1600 };
const FEES: Record<ProviderId, typeof fee> = { openpay: fee, conekta: fee, digitalfemsa: fee, zenrise: { fixedMinor: 0, percentBps: 50, ivaBps: 2100 } };

const rows = [
  ledgerRow(1, { amountMinor: 100_000 }),
  ledgerRow(2, { amountMinor: 250_050 }),
  ledgerRow(3, { status: 'failed', amountMinor: 70_000 }),
  ledgerRow(4, { status: 'pending', amountMinor: 1 }),
  ledgerRow(5, { status: 'unknown', providerPayoutId: undefined }),
  ledgerRow(6, { status: 'sending', providerPayoutId: undefined }),
  ledgerRow(7, { status: 'not_sent', providerPayoutId: undefined }),
  // Did not parse: the file's own words, one of them shaped like a formula and a currency in lower case.
  ledgerRow(8, { status: 'invalid', providerPayoutId: undefined, amountMinor: undefined, currency: undefined, name: undefined, input: { amount: '12,5', currency: 'mxn', name: '=cmd|"/c calc"!A0' } }),
  ledgerRow(9, { status: 'duplicate', providerPayoutId: undefined }),
  ledgerRow(10, { status: 'conflict', providerPayoutId: undefined, amountMinor: 5 }),
  ledgerRow(11, { provider: 'zenrise', currency: 'ARS', amountMinor: 1_000_000, accountMasked: 'casa.perro.sol' }),
  ledgerRow(12, { provider: 'zenrise', currency: 'ARS', status: 'failed', amountMinor: 333_333 }),
];

describe('writeReconciliationXlsx', () => {
  it('writes a Summary of formulas over the detail sheets whose cached results are what the sheets hold', async () => {
    const path = join(dir, 'reconciliation.xlsx');
    const records = rows.map((r) => detailRecord(r, FEES));
    await writeReconciliationXlsx(path, {
      generatedAt: T0,
      scope: 'batch b1',
      ledgerPath: '/var/ledger.sqlite',
      batches: [],
      records,
      exceptions: [payoutNotInLedger('openpay', { payoutId: 'x1', state: 'paid', providerStatus: 'completed', amountMinor: 999, currency: 'MXN', reference: '+1 555' })],
      notCompared: 'no sessions',
      statement: [],
      words: workbookWords('en'),
    });
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(path);
    expect(book.worksheets.map((s) => s.name)).toEqual(['Summary', 'Paid', 'Pending', 'Failed', 'Unknown', 'Not sent', 'Invalid', 'Duplicates & conflicts', 'Exceptions']);

    const summary = book.getWorksheet('Summary')!;
    const formulas = formulaCells(summary);
    // 7 sheets × (count + 2 currencies × 3) + the row count (amounts of different statuses are never summed
    // together), 2 providers × 7 sheets × 4, 7 types + total.
    expect(formulas).toHaveLength(7 * 7 + 1 + 2 * 7 * 4 + 8);
    for (const { address, formula, result } of formulas) {
      const value = evaluateFormula(book, summary, formula);
      // exceljs reads a cached 0 back as undefined; the file holds <v>0</v>.
      expect(Math.round(value * 100), `${address} ${formula}`).toBe(Math.round(((result as number | undefined) ?? 0) * 100));
    }
    const byLabel = new Map<string, ExcelJS.Row>();
    summary.eachRow((row) => {
      const label = row.getCell(1).value;
      if (typeof label === 'string' && !byLabel.has(label)) byLabel.set(label, row);
    });
    const result = (label: string, col: number) => (byLabel.get(label)!.getCell(col).value as { result?: number }).result ?? 0;
    expect([result('Paid', 3), result('Failed', 3), result('Unknown', 3), result('Not sent', 3), result('Invalid', 3), result('Duplicates & conflicts', 3)]).toEqual([3, 2, 2, 1, 1, 2]);
    expect(result('Total rows', 3)).toBe(rows.length);
    // Only the count: no amount across statuses.
    for (let c = 4; c <= 9; c++) expect(byLabel.get('Total rows')!.getCell(c).value).toBeNull();
    // MXN then ARS: amount, fees, IVA of each.
    expect(result('Paid', 4)).toBe(3500.5);
    expect(result('Paid', 5)).toBe(16);
    expect(result('Paid', 7)).toBe(10_000);
    expect(result('Paid', 8)).toBe(50);
    expect(result('Paid', 9)).toBe(10.5);
    // The invalid row's "12,5" is text: counted, never summed.
    expect(result('Invalid', 4)).toBe(0);

    const invalid = book.getWorksheet('Invalid')!;
    expect(invalid.getRow(1).values).toEqual([undefined, ...DETAIL_COLUMNS.map(([, h]) => h)]);
    // Not an amount in pesos: no number, the file's words in their own column.
    expect(invalid.getCell('G2').value).toBeNull();
    expect(invalid.getCell('U2').value).toBe('12,5');
    expect(invalid.getCell('K2').value).toBe(`'=cmd|"/c calc"!A0`);
    const exceptions = book.getWorksheet('Exceptions')!;
    expect(exceptions.getRow(1).values).toEqual([undefined, ...EXCEPTION_COLUMNS, undefined, 'Not compared with the providers: no sessions']);
    expect(exceptions.getCell('C2').value).toBe("'+1 555");
    for (const sheet of book.worksheets.slice(1)) expect(formulaCells(sheet), sheet.name).toEqual([]);
    expect(summary.getCell('B4').value).toBe('/var/ledger.sqlite');
  });
});
