import { FEE_RETURNED_ON_FAILURE, type StatementSection } from '../report/statement.ts';
import { formatMinor } from '../domain/money.ts';
import { XlsxFile, amount, date, int, localDate, text, type SheetRow } from '../report/xlsx-sheet.ts';
import { closingNote, openingNote } from './statement-csv.ts';

export const STATEMENT_TABLE_HEADER = [
  'Date',
  'Order ID',
  'Beneficiary',
  'Description',
  'Amount',
  'Fee',
  'IVA',
  'Debit',
  'Credit',
  'Balance',
  'Provider payout ID',
  'Status',
  'Batch',
  'Row',
] as const;

/** The table's header for a sheet whose dates are in `zone`: the first column names it. */
export function statementTableHeader(zone: string): string[] {
  return [`Date (${zone})`, ...STATEMENT_TABLE_HEADER.slice(1)];
}

/**
 * statement.xlsx: one sheet per provider account and currency ("openpay MXN"), laid out like the providers' own
 * estado de cuenta: a short block with the opening balance, the totals and the closing balance, then the table
 * (frozen header, autofilter) opening with "Saldo inicial", one line per movement with the running balance, and
 * "Saldo final" with the totals. Dates are on the wall clock of the section's zone, named in the block and in the
 * table's Date header. Without an opening balance the balance cells stay empty and the sheet says why.
 */
export async function writeStatementXlsx(path: string, sections: readonly StatementSection[], meta: { scope: string; generatedAt: Date }): Promise<void> {
  const file = new XlsxFile(path);
  try {
    if (sections.length === 0) {
      file.addSheet({
        name: 'Statement',
        rows: [
          { cells: [text('Statement', false)], bold: true },
          { cells: [text('Scope'), text(meta.scope, false)] },
          { cells: [text('Generated'), date(meta.generatedAt)] },
          { cells: [text('No money moved in this scope, and no provider balance was captured.', false)] },
        ],
      });
    }
    for (const section of sections) file.addSheet(statementSheet(section, meta));
    await file.commit();
  } catch (error) {
    file.abort();
    throw error;
  }
}

function statementSheet(s: StatementSection, meta: { scope: string; generatedAt: Date }) {
  const cur = s.currency;
  const t = s.totals;
  const zone = s.timeZone;
  const known = s.opening.source !== 'none';
  const rows: SheetRow[] = [
    { cells: [text(`Estado de cuenta: ${s.provider} ${cur}`, false)], bold: true },
    { cells: [text('Scope'), text(meta.scope, false)] },
    { cells: [text('Generated'), date(meta.generatedAt)] },
    { cells: [text('Time zone'), text(`${zone} (dates below are local time there)`, false)] },
    { cells: [text('Opening balance'), known ? amount(s.opening.amountMinor, cur) : undefined, text(openingNote(s.provider, s.opening), false)] },
    { cells: [text(`Payouts (${t.payouts})`), amount(t.amountMinor, cur)] },
    { cells: [text('Fees'), amount(t.feeMinor, cur)] },
    { cells: [text('IVA on fees'), amount(t.ivaMinor, cur)] },
    { cells: [text(`Returns (${t.returns})`), amount(t.creditMinor, cur), text(FEE_RETURNED_ON_FAILURE ? 'failed, returned or expired payouts, fees included' : 'principal of failed, returned or expired payouts; their fees are not returned', false)] },
    known
      ? { cells: [text('Closing balance'), amount(s.closingMinor, cur)], bold: true }
      : { cells: [text('Closing balance'), undefined, text(`not shown: opening balance not given; net change ${cur} ${formatMinor(s.netMinor)}`, false)], bold: true },
    { cells: [] },
  ];
  const headerRow = rows.length + 1;
  rows.push({ cells: statementTableHeader(zone).map((h) => text(h)) });
  rows.push({ cells: [localDate(s.opening.at, zone), undefined, undefined, text('Saldo inicial'), undefined, undefined, undefined, undefined, undefined, known ? amount(s.opening.amountMinor, cur) : undefined, undefined, text(known ? undefined : 'opening balance not given', false)] });
  for (const l of s.lines) {
    rows.push({
      cells: [
        localDate(l.at, zone),
        text(l.orderId),
        text(l.beneficiary),
        text(l.description),
        amount(l.amountMinor, cur),
        l.kind === 'payout' ? amount(l.feeMinor, cur) : undefined,
        l.kind === 'payout' ? amount(l.ivaMinor, cur) : undefined,
        l.debitMinor ? amount(l.debitMinor, cur) : undefined,
        l.creditMinor ? amount(l.creditMinor, cur) : undefined,
        amount(l.balanceMinor, cur),
        text(l.providerPayoutId),
        text(l.status),
        text(l.batchId),
        int(l.rowNumber),
      ],
    });
  }
  rows.push({
    cells: [
      localDate(meta.generatedAt, zone),
      undefined,
      undefined,
      text('Saldo final'),
      amount(t.amountMinor, cur),
      amount(t.feeMinor, cur),
      amount(t.ivaMinor, cur),
      amount(t.debitMinor, cur),
      amount(t.creditMinor, cur),
      amount(s.closingMinor, cur),
      undefined,
      text(known ? undefined : closingNote(s), false),
    ],
    bold: true,
  });
  return { name: `${s.provider} ${cur}`, rows, headerRow };
}
