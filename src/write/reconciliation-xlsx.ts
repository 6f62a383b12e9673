import { getProviderModule } from '../providers/registry.ts';
import type { Batch } from '../ledger/ledger-store.ts';
import { EXCEPTION_TYPES, type ReconciliationException } from '../report/exceptions.ts';
import type { ComparisonCoverage } from '../report/provider-comparison.ts';
import { DETAIL_SHEETS, SHEET_OF_STATUS, sheetTotals, type DetailRecord, type DetailSheet, type SheetTotals } from '../report/reconciliation.ts';
import type { StatementSection } from '../report/statement.ts';
import { bothLanguages as w, workbookWords, type WorkbookWords, type Words } from '../report/workbook-language.ts';
import { XlsxFile, amount, criterion, date, heading, int, sheetRef, statusCell, text, type SheetCell, type SheetRow } from '../report/xlsx-sheet.ts';
import type { ProviderId as Provider } from '../domain/provider-id.ts';
import { PROVIDER_UNKNOWN } from '../domain/row-provider.ts';
import { messageText } from '../messages/stored-message.ts';

export const SUMMARY_SHEET = 'Summary';
export const EXCEPTIONS_SHEET = 'Exceptions';

/** Sheet names in the workbook's language; the formulas are built from these, so they always match. */
const SHEET_NAMES: Record<DetailSheet | 'Summary' | 'Exceptions', Words> = {
  Summary: w('Resumen', 'Summary'),
  Paid: w('Pagadas', 'Paid'),
  Pending: w('Pendientes', 'Pending'),
  Failed: w('Fallidas', 'Failed'),
  Unknown: w('Desconocidas', 'Unknown'),
  'Not sent': w('No enviadas', 'Not sent'),
  Invalid: w('Inválidas', 'Invalid'),
  'Duplicates & conflicts': w('Duplicadas y conflictos', 'Duplicates & conflicts'),
  Exceptions: w('Excepciones', 'Exceptions'),
};
export function reconciliationSheetName(sheet: DetailSheet | 'Summary' | 'Exceptions', words: WorkbookWords): string {
  return words.pick(SHEET_NAMES[sheet]);
}

/** Headings of DETAIL_COLUMNS, in the same order. */
const DETAIL_HEADINGS: readonly Words[] = [
  w('Fila', 'Row'),
  w('Lote', 'Batch'),
  w('Proveedor', 'Provider'),
  w('ID de orden', 'Order ID'),
  w('Estado', 'Status'),
  w('Moneda', 'Currency'),
  w('Importe', 'Amount'),
  w('Comisión', 'Fee'),
  w('IVA', 'IVA'),
  w('Cuenta', 'Account'),
  w('Beneficiario', 'Beneficiary'),
  w('ID del proveedor', 'Provider payout ID'),
  w('Estado en el proveedor', 'Provider status'),
  w('Intentos', 'Attempts'),
  w('Código de error', 'Error code'),
  w('Mensaje de error', 'Error message'),
  w('Advertencia', 'Warning'),
  w('Nota', 'Note'),
  w('Enviado', 'Sent at'),
  w('Actualizado', 'Updated at'),
  w('Importe según el archivo', 'Amount as written'),
];
/** Detail columns whose numbers align right under a right-aligned heading. */
const DETAIL_NUMERIC = new Set([0, 6, 7, 8, 13, 18, 19]);
/** Detail columns of messages: wrapped. */
const DETAIL_WRAP = [15, 16, 17];

const EXCEPTION_HEADINGS: readonly Words[] = [
  w('Tipo', 'Type'),
  w('Proveedor', 'Provider'),
  w('ID de orden', 'Order ID'),
  w('ID del proveedor', 'Provider payout ID'),
  w('Estado en el libro', 'Ledger status'),
  w('Estado en el proveedor', 'Provider status'),
  w('Moneda', 'Currency'),
  w('Importe en el libro', 'Ledger amount'),
  w('Importe en el proveedor', 'Provider amount'),
  w('Destino en el libro', 'Ledger destination'),
  w('Destino en el proveedor', 'Provider destination'),
  w('Lote', 'Batch'),
  w('Fila', 'Row'),
  w('Acción sugerida', 'Suggested action'),
  w('Detalle', 'Detail'),
];

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
  ['U', 'Amount as written'],
] as const;
const COL = { row: 'A', provider: 'C', currency: 'F', amount: 'G', fee: 'H', iva: 'I', errorCode: 'O' } as const;

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
  /** batch id → the providers its rows are routed to (ledger.batchProviders); absent: the batch's own provider. */
  batchProviders?: ReadonlyMap<string, readonly Provider[]>;
  /**
   * The scope's detail lines: every ledger row, in ledger order, either at hand or as `detail`, which gives the
   * totals (counted beforehand) and reads each sheet's lines as they are written (a million rows never held).
   */
  records?: readonly DetailRecord[];
  detail?: DetailSource;
  /** The language of every sheet name, heading and label (default Spanish). */
  words?: WorkbookWords;
  exceptions: readonly ReconciliationException[];
  /** Absent: the providers were not read (ledger-only report); `notCompared` says why. */
  coverage?: readonly ComparisonCoverage[];
  notCompared?: string;
  /** notCompared in Spanish (a Spanish workbook shows the English one only when none is given). */
  notComparedEs?: string;
  statement: readonly StatementSection[];
}

/** Where the detail sheets' lines come from when they are not all at hand. */
export interface DetailSource {
  totals: Map<DetailSheet, SheetTotals>;
  rowsOf(sheet: DetailSheet): AsyncIterable<DetailRecord> | Iterable<DetailRecord>;
}

/** Lines already in memory (tests, small scopes) as a DetailSource. */
export function detailFromRecords(records: readonly DetailRecord[]): DetailSource {
  return { totals: sheetTotals(records), rowsOf: (sheet) => records.filter((r) => r.sheet === sheet) };
}

/** Rows that size a table's columns; the rest stream after them. */
const WIDTH_SAMPLE = 2_000;

/**
 * reconciliation.xlsx: a Summary whose counts and amounts are FORMULAS over the detail sheets (COUNTA, SUMIFS,
 * COUNTIFS) with their cached results, so finance can audit every figure and viewers that do not recalculate still
 * show it; one detail sheet per group of statuses; and the Exceptions found against the providers' own view.
 */
export async function writeReconciliationXlsx(path: string, input: ReconciliationInput): Promise<void> {
  const words = input.words ?? workbookWords();
  const detail = input.detail ?? detailFromRecords(input.records ?? []);
  const totals = detail.totals;
  const file = new XlsxFile(path, words.label('reconciliation'), words);
  try {
    file.addSheet(summarySheet(input, totals, words));
    const header: SheetRow = { cells: DETAIL_HEADINGS.map((h, i) => (DETAIL_NUMERIC.has(i) ? heading(words.pick(h)) : text(words.pick(h)))) };
    for (const sheet of DETAIL_SHEETS) {
      const lines = detail.rowsOf(sheet);
      const iterator: AsyncIterator<DetailRecord> | Iterator<DetailRecord> = Symbol.asyncIterator in lines ? lines[Symbol.asyncIterator]() : lines[Symbol.iterator]();
      // The first lines size the columns; the rest stream after them.
      const sample: SheetRow[] = [];
      let done = false;
      while (sample.length < WIDTH_SAMPLE) {
        const next = await iterator.next();
        if (next.done) {
          done = true;
          break;
        }
        sample.push(detailRow(next.value, words));
      }
      await file.addStreamedSheet({
        name: reconciliationSheetName(sheet, words),
        headerRow: 1,
        rows: [header, ...sample],
        wrapColumns: DETAIL_WRAP,
        ...(done ? {} : { more: rest(iterator, (r) => detailRow(r, words)) }),
      });
    }
    file.addSheet(exceptionsSheet(input, words));
    await file.commit();
  } catch (error) {
    file.abort();
    throw error;
  }
}

async function* rest<T, U>(iterator: AsyncIterator<T> | Iterator<T>, f: (item: T) => U): AsyncGenerator<U> {
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield f(next.value);
}

function detailRow(r: DetailRecord, words: WorkbookWords): SheetRow {
  return {
    cells: [
      int(r.rowNumber),
      text(r.batchId),
      text(r.providerText),
      text(r.orderId),
      statusCell(r.status, words),
      text(r.currency),
      amount(r.amountMinor, r.currency),
      amount(r.feeMinor, r.currency),
      amount(r.ivaMinor, r.currency),
      text(r.account),
      text(r.name),
      text(r.providerPayoutId),
      text(r.providerStatus),
      r.attempts > 0 ? int(r.attempts) : undefined,
      text(r.errorCode),
      text(messageText(r.errorMessage, words.lang)),
      text(r.warning),
      text(messageText(r.note, words.lang)),
      date(r.sentAt),
      date(r.updatedAt),
      text(r.amountText),
    ],
  };
}

function exceptionsSheet(input: ReconciliationInput, words: WorkbookWords) {
  const header: SheetCell[] = EXCEPTION_HEADINGS.map((h, i) => (i === 7 || i === 8 || i === 12 ? heading(words.pick(h)) : text(words.pick(h))));
  // Outside the table (column Q, past the autofilter), so the row count stays COUNTA(A:A) - 1: an empty sheet
  // must not read as "no exceptions" when nothing was compared.
  if (input.notCompared) header.push(undefined, text(`${words.label('notComparedWith')}: ${notComparedReason(input, words)}`, false));
  const rows: SheetRow[] = [{ cells: header }];
  for (const e of input.exceptions) {
    const cur = e.currency ?? '';
    rows.push({
      cells: [
        text(e.type),
        text(e.provider),
        text(e.orderId),
        text(e.providerPayoutId),
        text(e.ledgerStatus === undefined ? undefined : words.statusName(e.ledgerStatus)),
        text(e.providerStatus),
        text(e.currency),
        amount(e.ledgerAmountMinor, cur),
        amount(e.providerAmountMinor, cur),
        text(e.ledgerDestination),
        text(e.providerDestination),
        text(e.batchId),
        int(e.rowNumber),
        text(words.lang === 'es' ? e.es.action : e.action),
        text(words.lang === 'es' ? e.es.detail : e.detail),
      ],
    });
  }
  return { name: reconciliationSheetName('Exceptions', words), rows, headerRow: 1, wrapColumns: [EXCEPTION_COLUMNS.indexOf('Suggested action'), EXCEPTION_COLUMNS.indexOf('Detail')] };
}

function summarySheet(input: ReconciliationInput, totals: Map<DetailSheet, SheetTotals>, words: WorkbookWords) {
  const L = (key: Parameters<WorkbookWords['label']>[0]) => words.label(key);
  const name = (sheet: DetailSheet | 'Exceptions') => reconciliationSheetName(sheet, words);
  const rows: SheetRow[] = [];
  const push = (cells: SheetCell[], bold = false) => rows.push(bold ? { cells, bold } : { cells });
  const blank = () => push([]);

  push([text(L('reconciliation'), false)], true);
  push([text(L('scope')), text(input.scope, false)]);
  push([text(L('generated')), date(input.generatedAt)]);
  push([text(L('ledger')), text(input.ledgerPath ?? L('notGiven'), false)]);
  if (input.coverage) {
    for (const c of input.coverage) push([text(`${L('compared')}: ${c.provider}`), text(words.lang === 'es' ? c.howEs : c.how, false)]);
  } else {
    push([text(L('compared')), text(`${L('notCompared')}: ${notComparedReason(input, words)}`, false)]);
  }
  blank();

  // The tables share columns: counts in C, amounts from D on, so a column reads the same all the way down.
  push([text(L('batches'))], true);
  push([text(L('batch')), text(L('provider')), heading(L('rows')), heading(L('created')), heading(L('updated')), text(L('status')), text(L('file')), text(L('fileHash'))], true);
  for (const b of input.batches) {
    push([text(b.id), text(batchProviderLabel(input, b, words)), int(b.rowCount), date(b.createdAt), date(b.updatedAt), text(words.batchStatusName(b.status)), text(b.fileName), text(b.fileHash, false)]);
  }
  blank();

  const providers = providersOf(input, totals);
  const currencies = currenciesOf(providers, totals);

  // Rows by status: one line per detail sheet, each with its own amounts (paid, pending, failed… are different
  // money and are never added together), then the row count alone, which must equal the ledger's.
  push([text(L('rowsByStatus'), false)], true);
  push([text(L('sheet')), text(L('statuses')), heading(L('rows')), ...currencies.flatMap((c) => [heading(`${L('amount')} ${c}`), heading(`${L('fees')} ${c}`), heading(`IVA ${c}`)])], true);
  const firstStatusRow = rows.length + 1;
  for (const sheet of DETAIL_SHEETS) {
    const t = totals.get(sheet)!;
    push([
      text(name(sheet)),
      text(statusesOf(sheet, words)),
      countFormula(name(sheet), t.rows),
      ...currencies.flatMap((c) => [
        sumIfs(name(sheet), COL.amount, [[COL.currency, c]], t.amountByCurrency.get(c) ?? 0, c),
        sumIfs(name(sheet), COL.fee, [[COL.currency, c]], t.feeByCurrency.get(c) ?? 0, c),
        sumIfs(name(sheet), COL.iva, [[COL.currency, c]], t.ivaByCurrency.get(c) ?? 0, c),
      ]),
    ]);
  }
  const lastStatusRow = rows.length;
  let totalRows = 0;
  for (const sheet of DETAIL_SHEETS) totalRows += totals.get(sheet)!.rows;
  push([text(L('totalRows')), undefined, { kind: 'formula', formula: `SUM(C${firstStatusRow}:C${lastStatusRow})`, result: totalRows }], true);
  blank();

  // Rows by provider and status, in the provider's own currency.
  push([text(L('rowsByProvider'), false)], true);
  push([text(L('provider')), text(L('sheet')), heading(L('rows')), heading(L('amount')), heading(L('fees')), heading('IVA')], true);
  for (const provider of providers) {
    const cur = getProviderModule(provider).currency;
    for (const sheet of DETAIL_SHEETS) {
      const p = totals.get(sheet)!.byProvider.get(provider);
      push([
        text(provider),
        text(name(sheet)),
        { kind: 'formula', formula: `COUNTIFS(${sheetRef(name(sheet), COL.provider)},${criterion(provider)})`, result: p?.rows ?? 0 },
        sumIfs(name(sheet), COL.amount, [[COL.provider, provider], [COL.currency, cur]], p?.amountByCurrency.get(cur) ?? 0, cur),
        sumIfs(name(sheet), COL.fee, [[COL.provider, provider]], p?.feeMinor ?? 0, cur),
        sumIfs(name(sheet), COL.iva, [[COL.provider, provider]], p?.ivaMinor ?? 0, cur),
      ]);
    }
  }
  // Rows whose provider cell named none of ours: under no provider above; counted here by their code.
  const withoutProvider = [...totals.values()].reduce((n, t) => n + t.withoutProvider, 0);
  if (withoutProvider > 0) {
    const sheet = name(SHEET_OF_STATUS.invalid);
    push([
      text(L('noProvider'), false),
      text(sheet),
      { kind: 'formula', formula: `COUNTIFS(${sheetRef(sheet, COL.errorCode)},"*${PROVIDER_UNKNOWN}*")`, result: withoutProvider },
    ]);
  }
  blank();

  push([text(L('statementRef'), false)], true);
  push([text(L('provider')), text(L('currency')), undefined, heading(L('openingBalance')), heading(L('debits')), heading(L('returns')), heading(L('closingBalance'))], true);
  for (const s of input.statement) {
    push([
      text(s.provider),
      text(s.currency),
      s.opening.source === 'none' ? text(L('openingNotGiven'), false) : undefined,
      s.opening.source === 'none' ? undefined : amount(s.opening.amountMinor, s.currency),
      amount(s.totals.debitMinor, s.currency),
      amount(s.totals.creditMinor, s.currency),
      amount(s.closingMinor, s.currency),
    ]);
  }
  blank();

  push([text(L('exceptions'))], true);
  push([text(L('type')), undefined, heading(L('count'))], true);
  for (const type of EXCEPTION_TYPES) {
    const n = input.exceptions.filter((e) => e.type === type).length;
    push([text(type), undefined, { kind: 'formula', formula: `COUNTIFS(${sheetRef(name('Exceptions'), 'A')},${criterion(type)})`, result: n }]);
  }
  push([text(L('total')), undefined, countFormula(name('Exceptions'), input.exceptions.length)], true);

  return { name: reconciliationSheetName('Summary', words), rows };
}

/** Why the providers were not compared, in the workbook's language. */
function notComparedReason(input: ReconciliationInput, words: WorkbookWords): string {
  if (words.lang === 'es') return input.notComparedEs ?? input.notCompared ?? 'no se leyó a los proveedores';
  return input.notCompared ?? 'the providers were not read';
}

function countFormula(sheet: string, result: number): SheetCell {
  return { kind: 'formula', formula: `COUNTA(${sheetRef(sheet, COL.row)})-1`, result };
}

function sumIfs(sheet: string, sumColumn: string, criteria: Array<[string, string]>, resultMinor: number, currency: string): SheetCell {
  const conditions = criteria.map(([column, value]) => `${sheetRef(sheet, column)},${criterion(value)}`).join(',');
  return { kind: 'formula', formula: `SUMIFS(${sheetRef(sheet, sumColumn)},${conditions})`, result: resultMinor, currency };
}

function providersOf(input: ReconciliationInput, totals: Map<DetailSheet, SheetTotals>): Provider[] {
  const seen = new Set<Provider>();
  for (const t of totals.values()) for (const p of t.byProvider.keys()) seen.add(p);
  for (const b of input.batches) for (const p of providersOfBatch(input, b)) seen.add(p);
  return [...seen].sort();
}

/** The providers a batch's rows go to; a batch none of whose rows names one of ours keeps the one it is filed under. */
function providersOfBatch(input: ReconciliationInput, b: Batch): readonly Provider[] {
  const routed = input.batchProviders?.get(b.id);
  return routed && routed.length > 0 ? routed : [b.provider];
}

/** A batch of several providers reads "mixed (conekta, openpay)": the provider it is filed under is not its only one. */
function batchProviderLabel(input: ReconciliationInput, b: Batch, words: WorkbookWords): string {
  const providers = providersOfBatch(input, b);
  return providers.length > 1 ? `${words.label('mixed')} (${providers.join(', ')})` : providers[0]!;
}

/** The currencies of the providers in scope, and any other currency an amount was summed under. */
function currenciesOf(providers: readonly Provider[], totals: Map<DetailSheet, SheetTotals>): string[] {
  const set = new Set<string>(providers.map((p) => getProviderModule(p).currency));
  for (const t of totals.values()) for (const c of t.amountByCurrency.keys()) set.add(c);
  if (set.size === 0) set.add('MXN');
  return [...set].sort((a, b) => (a === 'MXN' ? -1 : b === 'MXN' ? 1 : a.localeCompare(b)));
}

function statusesOf(sheet: DetailSheet, words: WorkbookWords): string {
  // `valid` is validate's verdict; the ledger never holds it.
  return Object.entries(SHEET_OF_STATUS)
    .filter(([status, s]) => s === sheet && status !== 'valid')
    .map(([status]) => words.statusName(status as keyof typeof SHEET_OF_STATUS))
    .join(', ');
}
