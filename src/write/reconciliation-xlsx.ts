import type { ProviderId } from '../domain/provider-id.ts';
import { getProviderModule } from '../providers/registry.ts';
import type { Batch } from '../ledger/ledger-store.ts';
import { EXCEPTION_TYPES, type ReconciliationException } from '../report/exceptions.ts';
import type { ComparisonCoverage } from '../report/provider-comparison.ts';
import { DETAIL_SHEETS, SHEET_OF_STATUS, sheetTotals, type DetailRecord, type DetailSheet, type SheetTotals } from '../report/reconciliation.ts';
import type { StatementSection } from '../report/statement.ts';
import { XlsxFile, amount, criterion, date, heading, int, sheetRef, text, type SheetCell, type SheetRow } from '../report/xlsx-sheet.ts';
import { OPENING_NOT_GIVEN } from './statement-csv.ts';

export const SUMMARY_SHEET = 'Summary';
export const EXCEPTIONS_SHEET = 'Exceptions';

/**
 * Columns of every detail sheet, the same in each so one formula shape reads them all. A (Row) is never empty:
 * COUNTA of it, less the header, is the sheet's row count.
 */
export const DETAIL_COLUMNS = [
  ['A', 'Row'],
  ['B', 'Batch'],
  ['C', 'Provider'],
  ['D', 'Order ID'],
  ['E', 'Status'],
  ['F', 'Currency'],
  ['G', 'Amount'],
  ['H', 'Fee'],
  ['I', 'IVA'],
  ['J', 'Account'],
  ['K', 'Beneficiary'],
  ['L', 'Provider payout ID'],
  ['M', 'Provider status'],
  ['N', 'Attempts'],
  ['O', 'Error code'],
  ['P', 'Error message'],
  ['Q', 'Warning'],
  ['R', 'Note'],
  ['S', 'Sent at'],
  ['T', 'Updated at'],
] as const;
const COL = { row: 'A', provider: 'C', currency: 'F', amount: 'G', fee: 'H', iva: 'I' } as const;

export const EXCEPTION_COLUMNS = [
  'Type',
  'Provider',
  'Order ID',
  'Provider payout ID',
  'Ledger status',
  'Provider status',
  'Currency',
  'Ledger amount',
  'Provider amount',
  'Ledger destination',
  'Provider destination',
  'Batch',
  'Row',
  'Suggested action',
  'Detail',
] as const;

export interface ReconciliationInput {
  generatedAt: Date;
  scope: string;
  ledgerPath?: string;
  batches: readonly Batch[];
  /** Every ledger row of the scope, in ledger order. */
  records: readonly DetailRecord[];
  exceptions: readonly ReconciliationException[];
  /** Absent: the providers were not read (ledger-only report); `notCompared` says why. */
  coverage?: readonly ComparisonCoverage[];
  notCompared?: string;
  statement: readonly StatementSection[];
}

/** Rows that size a table's columns; the rest stream after them. */
const WIDTH_SAMPLE = 2_000;

/**
 * reconciliation.xlsx: a Summary whose counts and amounts are FORMULAS over the detail sheets (COUNTA, SUMIFS,
 * COUNTIFS) with their cached results, so finance can audit every figure and viewers that do not recalculate still
 * show it; one detail sheet per group of statuses; and the Exceptions found against the providers' own view.
 */
export async function writeReconciliationXlsx(path: string, input: ReconciliationInput): Promise<void> {
  const totals = sheetTotals(input.records);
  const file = new XlsxFile(path);
  try {
    file.addSheet(summarySheet(input, totals));
    for (const sheet of DETAIL_SHEETS) {
      const records = input.records.filter((r) => r.sheet === sheet);
      file.addSheet({
        name: sheet,
        headerRow: 1,
        rows: [{ cells: DETAIL_COLUMNS.map(([, h]) => text(h)) }, ...records.slice(0, WIDTH_SAMPLE).map(detailRow)],
        more: mapIterable(records.slice(WIDTH_SAMPLE), detailRow),
      });
    }
    file.addSheet(exceptionsSheet(input));
    await file.commit();
  } catch (error) {
    file.abort();
    throw error;
  }
}

function* mapIterable<T, U>(items: readonly T[], f: (item: T) => U): Generator<U> {
  for (const item of items) yield f(item);
}

function detailRow(r: DetailRecord): SheetRow {
  return {
    cells: [
      int(r.rowNumber),
      text(r.batchId),
      text(r.provider),
      text(r.orderId),
      text(r.status),
      text(r.currency),
      r.amountMinor !== undefined ? amount(r.amountMinor, r.currency) : text(r.amountText),
      amount(r.feeMinor, r.currency),
      amount(r.ivaMinor, r.currency),
      text(r.account),
      text(r.name),
      text(r.providerPayoutId),
      text(r.providerStatus),
      r.attempts > 0 ? int(r.attempts) : undefined,
      text(r.errorCode),
      text(r.errorMessage),
      text(r.warning),
      text(r.note),
      date(r.sentAt),
      date(r.updatedAt),
    ],
  };
}

function exceptionsSheet(input: ReconciliationInput) {
  const header: SheetCell[] = EXCEPTION_COLUMNS.map((h) => text(h));
  // Outside the table (column Q, past the autofilter), so the row count stays COUNTA(A:A) - 1: an empty sheet
  // must not read as "no exceptions" when nothing was compared.
  if (input.notCompared) header.push(undefined, text(`Not compared with the providers: ${input.notCompared}`, false));
  const rows: SheetRow[] = [{ cells: header }];
  for (const e of input.exceptions) {
    const cur = e.currency ?? '';
    rows.push({
      cells: [
        text(e.type),
        text(e.provider),
        text(e.orderId),
        text(e.providerPayoutId),
        text(e.ledgerStatus),
        text(e.providerStatus),
        text(e.currency),
        amount(e.ledgerAmountMinor, cur),
        amount(e.providerAmountMinor, cur),
        text(e.ledgerDestination),
        text(e.providerDestination),
        text(e.batchId),
        int(e.rowNumber),
        text(e.action),
        text(e.detail, false),
      ],
    });
  }
  return { name: EXCEPTIONS_SHEET, rows, headerRow: 1, wideColumns: [EXCEPTION_COLUMNS.indexOf('Suggested action')] };
}

function summarySheet(input: ReconciliationInput, totals: Map<DetailSheet, SheetTotals>) {
  const rows: SheetRow[] = [];
  const push = (cells: SheetCell[], bold = false) => rows.push(bold ? { cells, bold } : { cells });
  const blank = () => push([]);

  push([text('Reconciliation', false)], true);
  push([text('Scope'), text(input.scope, false)]);
  push([text('Generated'), date(input.generatedAt)]);
  push([text('Ledger'), text(input.ledgerPath ?? '(not given)', false)]);
  if (input.coverage) {
    for (const c of input.coverage) push([text(`Compared: ${c.provider}`), text(c.how, false)]);
  } else {
    push([text('Compared'), text(`no: ${input.notCompared ?? 'the providers were not read'}`, false)]);
  }
  blank();

  // The tables share columns: counts in C, amounts from D on, so a column reads the same all the way down.
  push([text('Batches')], true);
  push([text('Batch'), text('Provider'), heading('Rows'), heading('Created'), heading('Updated'), text('Status'), text('File'), text('File SHA-256')], true);
  for (const b of input.batches) {
    push([text(b.id), text(b.provider), int(b.rowCount), date(b.createdAt), date(b.updatedAt), text(b.status), text(b.fileName), text(b.fileHash, false)]);
  }
  blank();

  const providers = providersOf(input);
  const currencies = currenciesOf(input, providers, totals);

  // Rows by status: one line per detail sheet, then a total that must equal the ledger's row count.
  push([text('Rows by status', false)], true);
  push([text('Sheet'), text('Statuses'), heading('Rows'), ...currencies.flatMap((c) => [heading(`Amount ${c}`), heading(`Fees ${c}`), heading(`IVA ${c}`)])], true);
  const firstStatusRow = rows.length + 1;
  for (const sheet of DETAIL_SHEETS) {
    const t = totals.get(sheet)!;
    push([
      text(sheet),
      text(statusesOf(sheet)),
      countFormula(sheet, t.rows),
      ...currencies.flatMap((c) => [
        sumIfs(sheet, COL.amount, [[COL.currency, c]], t.amountByCurrency.get(c) ?? 0, c),
        sumIfs(sheet, COL.fee, [[COL.currency, c]], t.feeByCurrency.get(c) ?? 0, c),
        sumIfs(sheet, COL.iva, [[COL.currency, c]], t.ivaByCurrency.get(c) ?? 0, c),
      ]),
    ]);
  }
  const lastStatusRow = rows.length;
  const totalCells: SheetCell[] = [text('Total'), undefined];
  for (let col = 2; col < 3 + currencies.length * 3; col++) {
    const letter = columnLetter(col + 1);
    let result = 0;
    for (let r = firstStatusRow; r <= lastStatusRow; r++) {
      const cell = rows[r - 1]?.cells[col];
      if (cell?.kind === 'formula') result += cell.result;
    }
    const currency = col === 2 ? undefined : currencies[Math.floor((col - 3) / 3)];
    totalCells.push({ kind: 'formula', formula: `SUM(${letter}${firstStatusRow}:${letter}${lastStatusRow})`, result, ...(currency ? { currency } : {}) });
  }
  push(totalCells, true);
  blank();

  // Rows by provider and status, in the provider's own currency.
  push([text('Rows by provider', false)], true);
  push([text('Provider'), text('Sheet'), heading('Rows'), heading('Amount'), heading('Fees'), heading('IVA')], true);
  for (const provider of providers) {
    const cur = getProviderModule(provider).currency;
    for (const sheet of DETAIL_SHEETS) {
      const p = totals.get(sheet)!.byProvider.get(provider);
      push([
        text(provider),
        text(sheet),
        { kind: 'formula', formula: `COUNTIFS(${sheetRef(sheet, COL.provider)},${criterion(provider)})`, result: p?.rows ?? 0 },
        sumIfs(sheet, COL.amount, [[COL.provider, provider], [COL.currency, cur]], p?.amountByCurrency.get(cur) ?? 0, cur),
        sumIfs(sheet, COL.fee, [[COL.provider, provider]], p?.feeMinor ?? 0, cur),
        sumIfs(sheet, COL.iva, [[COL.provider, provider]], p?.ivaMinor ?? 0, cur),
      ]);
    }
  }
  blank();

  push([text('Statement (statement.xlsx)', false)], true);
  push([text('Provider'), text('Currency'), undefined, heading('Opening balance'), heading('Debits'), heading('Returns'), heading('Closing balance')], true);
  for (const s of input.statement) {
    push([
      text(s.provider),
      text(s.currency),
      s.opening.source === 'none' ? text(OPENING_NOT_GIVEN, false) : undefined,
      s.opening.source === 'none' ? undefined : amount(s.opening.amountMinor, s.currency),
      amount(s.totals.debitMinor, s.currency),
      amount(s.totals.creditMinor, s.currency),
      amount(s.closingMinor, s.currency),
    ]);
  }
  blank();

  push([text('Exceptions')], true);
  push([text('Type'), undefined, heading('Count')], true);
  for (const type of EXCEPTION_TYPES) {
    const n = input.exceptions.filter((e) => e.type === type).length;
    push([text(type), undefined, { kind: 'formula', formula: `COUNTIFS(${sheetRef(EXCEPTIONS_SHEET, 'A')},${criterion(type)})`, result: n }]);
  }
  push([text('Total'), undefined, countFormula(EXCEPTIONS_SHEET, input.exceptions.length)], true);

  return { name: SUMMARY_SHEET, rows };
}

function countFormula(sheet: string, result: number): SheetCell {
  return { kind: 'formula', formula: `COUNTA(${sheetRef(sheet, COL.row)})-1`, result };
}

function sumIfs(sheet: string, sumColumn: string, criteria: Array<[string, string]>, resultMinor: number, currency: string): SheetCell {
  const conditions = criteria.map(([column, value]) => `${sheetRef(sheet, column)},${criterion(value)}`).join(',');
  return { kind: 'formula', formula: `SUMIFS(${sheetRef(sheet, sumColumn)},${conditions})`, result: resultMinor, currency };
}

function providersOf(input: ReconciliationInput): ProviderId[] {
  const seen = new Set<ProviderId>(input.records.map((r) => r.provider));
  for (const b of input.batches) seen.add(b.provider);
  return [...seen].sort();
}

/** The currencies of the providers in scope, and any other currency an amount was summed under. */
function currenciesOf(input: ReconciliationInput, providers: readonly ProviderId[], totals: Map<DetailSheet, SheetTotals>): string[] {
  const set = new Set<string>(providers.map((p) => getProviderModule(p).currency));
  for (const t of totals.values()) for (const c of t.amountByCurrency.keys()) set.add(c);
  if (set.size === 0) set.add('MXN');
  return [...set].sort((a, b) => (a === 'MXN' ? -1 : b === 'MXN' ? 1 : a.localeCompare(b)));
}

function statusesOf(sheet: DetailSheet): string {
  // `valid` is validate's verdict; the ledger never holds it.
  return Object.entries(SHEET_OF_STATUS)
    .filter(([status, s]) => s === sheet && status !== 'valid')
    .map(([status]) => status)
    .join(', ');
}

function columnLetter(n: number): string {
  let s = '';
  for (let x = n; x > 0; x = Math.floor((x - 1) / 26)) s = String.fromCharCode(65 + ((x - 1) % 26)) + s;
  return s;
}
