import { ROW_STATUSES, type RowStatus } from '../domain/row-status.ts';
import { formatMinor } from '../domain/money.ts';
import { FEE_RETURNED_ON_FAILURE, RETURN_DESCRIPTIONS, type OpeningBalance, type StatementLine, type StatementSection } from '../report/statement.ts';
import type { ReturnReason } from '../report/movements.ts';
import { bothLanguages as w, workbookWords, type WorkbookWords, type Words } from '../report/workbook-language.ts';
import { XlsxFile, amount, date, heading, int, localDate, text, type SheetRow, type SheetSpec } from '../report/xlsx-sheet.ts';

/** The table's headings, in both languages; money columns are right-aligned over their numbers. */
const TABLE: ReadonlyArray<{ words: Words; money?: boolean }> = [
  { words: w('Fecha', 'Date') },
  { words: w('ID de orden', 'Order ID') },
  { words: w('Beneficiario', 'Beneficiary') },
  { words: w('Concepto', 'Description') },
  { words: w('Importe', 'Amount'), money: true },
  { words: w('Comisión', 'Fee'), money: true },
  { words: w('IVA', 'IVA'), money: true },
  { words: w('Cargo', 'Debit'), money: true },
  { words: w('Abono', 'Credit'), money: true },
  { words: w('Saldo', 'Balance'), money: true },
  { words: w('ID del proveedor', 'Provider payout ID') },
  { words: w('Estado', 'Status') },
  { words: w('Lote', 'Batch') },
  { words: w('Fila', 'Row'), money: true },
];

/** The English headings (kept for callers that look a column up by name). */
export const STATEMENT_TABLE_HEADER = TABLE.map((c) => c.words.en);

export interface StatementXlsxMeta {
  scope: string;
  generatedAt: Date;
  words?: WorkbookWords;
}

/** The table's header for a sheet whose dates are in `zone`: the first column names it. */
export function statementTableHeader(zone: string): string[] {
  return [`Date (${zone})`, ...STATEMENT_TABLE_HEADER.slice(1)];
}

/**
 * statement.xlsx: one sheet per provider account and currency ("openpay MXN"), laid out like the providers' own
 * estado de cuenta: a short block with the opening balance, the totals and the closing balance, then the table
 * (frozen header, autofilter) opening with the opening balance, one line per movement with the running balance,
 * and the closing balance with the totals. Every word in the workbook's one language. Dates are on the wall clock of
 * the section's zone, named in the block and in the table's date header. Without an opening balance the balance
 * cells stay empty and the sheet says why.
 */
export async function writeStatementXlsx(path: string, sections: readonly StatementSection[], meta: StatementXlsxMeta): Promise<void> {
  const words = meta.words ?? workbookWords();
  const file = new XlsxFile(path, words.label('statement'), words);
  try {
    if (sections.length === 0) {
      file.addSheet({
        name: words.label('statement'),
        rows: [
          { cells: [text(words.label('statementTitle'), false)], bold: true },
          { cells: [text(words.label('scope')), text(meta.scope, false)] },
          { cells: [text(words.label('generated')), date(meta.generatedAt)] },
          { cells: [text(words.label('noMovements'), false)] },
        ],
      });
    }
    // Streamed: a section of a million lines is written as its lines are made, the zip keeping pace.
    for (const section of sections) await file.addStreamedSheet(await statementSheet(section, meta, words));
    await file.commit();
  } catch (error) {
    file.abort();
    throw error;
  }
}

const RETURN_WORDS: Record<string, Words> = { expired: w('vencido', 'expired'), cancelled: w('cancelado', 'cancelled') };

/** A payout line's ledger status or a return line's reason, in the workbook's words. */
function statusWord(status: string, words: WorkbookWords): string {
  if ((ROW_STATUSES as readonly string[]).includes(status)) return words.statusName(status as RowStatus);
  const known = RETURN_WORDS[status];
  return known ? words.pick(known) : status;
}

function openingText(provider: string, opening: OpeningBalance, words: WorkbookWords): string {
  switch (opening.source) {
    case 'provider':
      return words.pick(w(`saldo de ${provider} al iniciar el lote ${opening.batchId ?? ''}`, `${provider}'s balance when batch ${opening.batchId ?? ''} started`));
    case 'operator':
      return words.pick(w('indicado con --opening-balance', 'given with --opening-balance'));
    case 'none':
      return words.pick(
        w(
          `${words.label('openingNotGiven')}: ${provider} no informa saldo; la columna Saldo parte de 0.00 (indique --opening-balance)`,
          `${words.label('openingNotGiven')}: ${provider} reports no balance; the Balance column starts at 0.00 (pass --opening-balance)`,
        ),
      );
  }
}

async function statementSheet(s: StatementSection, meta: StatementXlsxMeta, words: WorkbookWords): Promise<SheetSpec> {
  const cur = s.currency;
  const t = s.totals;
  const zone = s.timeZone;
  const known = s.opening.source !== 'none';
  const L = (key: Parameters<WorkbookWords['label']>[0]) => words.label(key);
  const rows: SheetRow[] = [
    { cells: [text(`${L('statementTitle')}: ${s.provider} ${cur}`, false)], bold: true },
    { cells: [text(L('scope')), text(meta.scope, false)] },
    { cells: [text(L('generated')), date(meta.generatedAt)] },
    { cells: [text(words.pick(w('Zona horaria', 'Time zone'))), text(words.pick(w(`${zone} (las fechas de abajo son la hora local de allí)`, `${zone} (dates below are local time there)`)), false)] },
    { cells: [text(L('openingBalance')), known ? amount(s.opening.amountMinor, cur) : undefined, text(openingText(s.provider, s.opening, words), false)] },
    { cells: [text(`${L('payouts')} (${t.payouts})`), amount(t.amountMinor, cur)] },
    { cells: [text(L('fees')), amount(t.feeMinor, cur)] },
    { cells: [text(L('ivaOnFees')), amount(t.ivaMinor, cur)] },
    { cells: [text(`${L('returns')} (${t.returns})`), amount(t.creditMinor, cur), text(FEE_RETURNED_ON_FAILURE ? L('returnsWithFees') : L('returnsPrincipal'), false)] },
    known
      ? { cells: [text(L('closingBalance')), amount(s.closingMinor, cur)], bold: true }
      : {
          cells: [
            text(L('closingBalance')),
            undefined,
            text(words.pick(w(`no se muestra: ${L('openingNotGiven')}; variación neta ${cur} ${formatMinor(s.netMinor)}`, `not shown: ${L('openingNotGiven')}; net change ${cur} ${formatMinor(s.netMinor)}`)), false),
          ],
          bold: true,
        },
    { cells: [] },
  ];
  const headerRow = rows.length + 1;
  rows.push({ cells: TABLE.map((c, i) => { const label = i === 0 ? `${words.pick(c.words)} (${zone})` : words.pick(c.words); return c.money ? heading(label) : text(label); }) });
  rows.push({ cells: [localDate(s.opening.at, zone), undefined, undefined, text(L('openingBalance')), undefined, undefined, undefined, undefined, undefined, known ? amount(s.opening.amountMinor, cur) : undefined, undefined, text(known ? undefined : L('openingNotGiven'), false)] });
  const lineRow = (l: StatementLine): SheetRow => ({
    cells: [
      localDate(l.at, zone),
      text(l.orderId),
      text(l.beneficiary),
      text(l.kind === 'return' && l.status in RETURN_DESCRIPTIONS ? words.pick(RETURN_DESCRIPTIONS[l.status as ReturnReason]) : l.description),
      amount(l.amountMinor, cur),
      l.kind === 'payout' ? amount(l.feeMinor, cur) : undefined,
      l.kind === 'payout' ? amount(l.ivaMinor, cur) : undefined,
      l.debitMinor ? amount(l.debitMinor, cur) : undefined,
      l.creditMinor ? amount(l.creditMinor, cur) : undefined,
      amount(l.balanceMinor, cur),
      text(l.providerPayoutId),
      text(statusWord(l.status, words)),
      text(l.batchId),
      int(l.rowNumber),
    ],
  });
  // The first lines size the columns with the blocks above and the closing line (whose totals are the widest
  // amounts); the rest are made as the sheet is written.
  const lines = s.lines[Symbol.asyncIterator]();
  let done = false;
  while (rows.length < headerRow + 1 + WIDTH_SAMPLE) {
    const next = await lines.next();
    if (next.done) {
      done = true;
      break;
    }
    rows.push(lineRow(next.value));
  }
  const closing: SheetRow = {
    cells: [
      localDate(meta.generatedAt, zone),
      undefined,
      undefined,
      text(L('closingBalance')),
      amount(t.amountMinor, cur),
      amount(t.feeMinor, cur),
      amount(t.ivaMinor, cur),
      amount(t.debitMinor, cur),
      amount(t.creditMinor, cur),
      amount(s.closingMinor, cur),
      undefined,
      text(known ? undefined : closingNoteIn(s, words), false),
    ],
    bold: true,
  };
  const more = async function* (): AsyncGenerator<SheetRow> {
    if (!done) for (let next = await lines.next(); !next.done; next = await lines.next()) yield lineRow(next.value);
    yield closing;
  };
  return { name: `${s.provider} ${cur}`, rows, headerRow, more: more(), sizeAlso: [closing] };
}

/** Lines of a section that size its columns. */
const WIDTH_SAMPLE = 2_000;
/** The closing line's note without an opening balance, in the workbook's language (statement.csv keeps its English). */
function closingNoteIn(s: StatementSection, words: WorkbookWords): string {
  const t = s.totals;
  const net = formatMinor(s.netMinor);
  return words.pick(
    w(
      `${t.payouts} pago(s), ${t.returns} devolución(es); ${words.label('openingNotGiven')}: sin saldo final; variación neta ${net}`,
      `${t.payouts} payout(s), ${t.returns} return(s); ${words.label('openingNotGiven')}: no closing balance; net change ${net}`,
    ),
  );
}
