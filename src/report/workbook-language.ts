import type { ResultColumn } from '../domain/result-row.ts';
import type { RowStatus } from '../domain/row-status.ts';
import type { BatchStatus } from '../ledger/ledger-store.ts';

/**
 * The language of the workbooks people read and file (results.xlsx, statement.xlsx, reconciliation.xlsx): every
 * sheet name, heading and label of one workbook in one language. Spanish by default: the operators and finance
 * staff are in Mexico and Argentina. The CSV files keep their snake_case English columns whatever the language:
 * programs read those, and a column name that changed with a flag would break them.
 */
export type WorkbookLang = 'es' | 'en';
export const WORKBOOK_LANGS: readonly WorkbookLang[] = ['es', 'en'];
export const DEFAULT_WORKBOOK_LANG: WorkbookLang = 'es';

export function checkWorkbookLang(value: unknown): WorkbookLang {
  if (!(WORKBOOK_LANGS as readonly unknown[]).includes(value)) throw new TypeError(`workbook language must be one of ${WORKBOOK_LANGS.join(', ')}, got ${String(value)}`);
  return value as WorkbookLang;
}

type Words = Record<WorkbookLang, string>;
const w = (es: string, en: string): Words => ({ es, en });

/** results.xlsx headings, per results.csv column, plus the column of the amount as the file wrote it. */
const RESULT_HEADINGS: Record<ResultColumn | 'amount_text', Words> = {
  row: w('Fila', 'Row'),
  order_id: w('ID de orden', 'Order ID'),
  provider: w('Proveedor', 'Provider'),
  status: w('Estado', 'Status'),
  error_code: w('Código de error', 'Error code'),
  error_message: w('Mensaje de error', 'Error message'),
  warning: w('Advertencia', 'Warning'),
  amount: w('Importe', 'Amount'),
  currency: w('Moneda', 'Currency'),
  account: w('Cuenta', 'Account'),
  name: w('Beneficiario', 'Beneficiary'),
  provider_id: w('ID del proveedor', 'Provider payout ID'),
  provider_status: w('Estado en el proveedor', 'Provider status'),
  attempts: w('Intentos', 'Attempts'),
  note: w('Nota', 'Note'),
  updated_at: w('Actualizado', 'Updated at'),
  amount_text: w('Importe según el archivo', 'Amount as written'),
};

/** A row's status names the payout it is ("el pago"): masculine, as finance says it ("pagado", "fallido"). */
const STATUS_NAMES: Record<RowStatus, Words> = {
  valid: w('válido', 'valid'),
  invalid: w('inválido', 'invalid'),
  duplicate: w('duplicado', 'duplicate'),
  conflict: w('en conflicto', 'conflict'),
  queued: w('en cola', 'queued'),
  sending: w('enviando', 'sending'),
  pending: w('pendiente', 'pending'),
  paid: w('pagado', 'paid'),
  failed: w('fallido', 'failed'),
  unknown: w('desconocido', 'unknown'),
  not_sent: w('no enviado', 'not sent'),
};

const LABELS = {
  results: w('Resultados', 'Results'),
  totals: w('Totales', 'Totals'),
  totalsTitle: w('Totales por estado', 'Totals by status'),
  status: w('Estado', 'Status'),
  statusCode: w('Código', 'Code'),
  rows: w('Filas', 'Rows'),
  currency: w('Moneda', 'Currency'),
  amount: w('Importe', 'Amount'),
  allRows: w('Todas las filas', 'All rows'),
  totalsNote: w(
    'Los importes se suman por estado y moneda: pagado, pendiente y fallido nunca se suman entre sí.',
    'Amounts are summed per status and currency: paid, pending and failed are never added together.',
  ),
  page: w('Página &P de &N', 'Page &P of &N'),
  generated: w('Generado', 'Generated'),
  scope: w('Alcance', 'Scope'),
  // statement.xlsx
  statement: w('Estado de cuenta', 'Statement'),
  statementTitle: w('Estado de cuenta', 'Statement'),
  openingBalance: w('Saldo inicial', 'Opening balance'),
  payouts: w('Pagos', 'Payouts'),
  fees: w('Comisiones', 'Fees'),
  ivaOnFees: w('IVA de comisiones', 'IVA on fees'),
  returns: w('Devoluciones', 'Returns'),
  closingBalance: w('Saldo final', 'Closing balance'),
  returnsWithFees: w('pagos fallidos, devueltos o vencidos, comisiones incluidas', 'failed, returned or expired payouts, fees included'),
  returnsPrincipal: w(
    'principal de pagos fallidos, devueltos o vencidos; sus comisiones no se devuelven',
    'principal of failed, returned or expired payouts; their fees are not returned',
  ),
  noMovements: w('No hubo movimientos de dinero en este alcance ni se capturó saldo del proveedor.', 'No money moved in this scope, and no provider balance was captured.'),
  // reconciliation.xlsx
  reconciliation: w('Conciliación', 'Reconciliation'),
  summary: w('Resumen', 'Summary'),
  exceptions: w('Excepciones', 'Exceptions'),
  ledger: w('Libro de pagos', 'Ledger'),
  notGiven: w('(no indicado)', '(not given)'),
  compared: w('Comparado', 'Compared'),
  notCompared: w('no', 'no'),
  notComparedWith: w('No comparado con los proveedores', 'Not compared with the providers'),
  batches: w('Lotes', 'Batches'),
  batch: w('Lote', 'Batch'),
  provider: w('Proveedor', 'Provider'),
  created: w('Creado', 'Created'),
  updated: w('Actualizado', 'Updated'),
  file: w('Archivo', 'File'),
  fileHash: w('SHA-256 del archivo', 'File SHA-256'),
  rowsByStatus: w('Filas por estado', 'Rows by status'),
  sheet: w('Hoja', 'Sheet'),
  statuses: w('Estados', 'Statuses'),
  total: w('Total', 'Total'),
  totalRows: w('Total de filas', 'Total rows'),
  rowsByProvider: w('Filas por proveedor', 'Rows by provider'),
  statementRef: w('Estado de cuenta (statement.xlsx)', 'Statement (statement.xlsx)'),
  debits: w('Cargos', 'Debits'),
  type: w('Tipo', 'Type'),
  count: w('Cantidad', 'Count'),
  openingNotGiven: w('saldo inicial no indicado', 'opening balance not given'),
  mixed: w('mixto', 'mixed'),
  noProvider: w('ninguno (el archivo nombra un proveedor desconocido)', 'none (the file names an unknown provider)'),
} as const;
export type LabelKey = keyof typeof LABELS;

const BATCH_STATUS_NAMES: Record<BatchStatus, Words> = {
  planned: w('planificado', 'planned'),
  dispatching: w('en envío', 'dispatching'),
  finished: w('terminado', 'finished'),
  interrupted: w('interrumpido', 'interrupted'),
};

/** The words of one workbook. */
export interface WorkbookWords {
  lang: WorkbookLang;
  label(key: LabelKey): string;
  resultHeading(column: ResultColumn | 'amount_text'): string;
  statusName(status: RowStatus): string;
  /** A batch's state (planned, dispatching, finished, interrupted). */
  batchStatusName(status: BatchStatus): string;
  /** Any other heading given in both languages by the writer that owns it. */
  pick(words: Words): string;
}

export function workbookWords(lang: WorkbookLang = DEFAULT_WORKBOOK_LANG): WorkbookWords {
  checkWorkbookLang(lang);
  return {
    lang,
    label: (key) => LABELS[key][lang],
    resultHeading: (column) => RESULT_HEADINGS[column][lang],
    statusName: (status) => STATUS_NAMES[status][lang],
    batchStatusName: (status) => BATCH_STATUS_NAMES[status]?.[lang] ?? status,
    pick: (words) => words[lang],
  };
}

export { w as bothLanguages };
export type { Words };
