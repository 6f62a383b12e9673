import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { formatLocal } from '../domain/local-time.ts';
import { formatMinor, type Minor } from '../domain/money.ts';
import type { OpeningBalance, StatementSection } from '../report/statement.ts';
import { QUOTE_ALSO } from './csv-line.ts';
import { escapeCell } from './escape-cell.ts';
import { exclusiveWriteStream } from './output-file.ts';

/**
 * statement.csv is ONE file for every account, with `provider` and `currency` on each line, so a script or a pivot
 * table reads one file whatever the scope; the XLSX has one sheet per account instead. Each account is a block:
 * an `opening` line, its `payout` and `return` lines in time order, and a `closing` line that carries the totals
 * (amount, fee, iva, debit, credit) and the closing balance. Amounts are canonical decimals ("1234.56", never
 * through a float); text from the file is escaped like every other output. Without an opening balance (the
 * provider reports none and none was given) the opening and balance cells are empty and the note says so.
 *
 * Column names are stable for programs: `date` stays the UTC ISO instant; `date_local` is the same instant on the
 * wall clock of the zone named in `time_zone` (the provider's country, or --tz), as the operators read it.
 */
export const STATEMENT_CSV_COLUMNS = [
  'provider',
  'currency',
  'line',
  'date',
  'order_id',
  'beneficiary',
  'description',
  'amount',
  'fee',
  'iva',
  'debit',
  'credit',
  'balance',
  'provider_id',
  'status',
  'batch_id',
  'row',
  'note',
  'date_local',
  'time_zone',
] as const;

export async function writeStatementCsv(path: string, sections: readonly StatementSection[], generatedAt: Date): Promise<void> {
  // UTF-8 with a BOM: without it Excel on Windows opens "Peña" as "PeÃ±a".
  const stringifier = stringify({ bom: true, header: true, columns: [...STATEMENT_CSV_COLUMNS], quoted_match: QUOTE_ALSO });
  const done = pipeline(stringifier, exclusiveWriteStream(path));
  for await (const record of statementRecords(sections, generatedAt)) {
    if (!stringifier.write(record)) await new Promise((resolve) => stringifier.once('drain', resolve));
  }
  stringifier.end();
  await done;
}

export async function* statementRecords(sections: readonly StatementSection[], generatedAt: Date): AsyncGenerator<string[]> {
  for (const s of sections) {
    const account = [s.provider, s.currency];
    const zone = s.timeZone;
    const local = (at: Date | undefined) => [at ? formatLocal(at, zone) : '', zone];
    const openingAmount = s.opening.source === 'none' ? '' : formatMinor(s.opening.amountMinor);
    yield [...account, 'opening', s.opening.at?.toISOString() ?? '', '', '', 'Saldo inicial', '', '', '', '', '', openingAmount, '', '', s.opening.batchId ?? '', '', openingNote(s.provider, s.opening), ...local(s.opening.at)];
    for await (const l of s.lines) {
      yield [
        ...account,
        l.kind,
        l.at.toISOString(),
        escapeCell(l.orderId),
        escapeCell(l.beneficiary),
        l.description,
        formatMinor(l.amountMinor),
        formatMinor(l.feeMinor),
        formatMinor(l.ivaMinor),
        formatMinor(l.debitMinor),
        formatMinor(l.creditMinor),
        optionalMinor(l.balanceMinor),
        escapeCell(l.providerPayoutId),
        l.status,
        l.batchId,
        String(l.rowNumber),
        '',
        ...local(l.at),
      ];
    }
    const t = s.totals;
    yield [
      ...account,
      'closing',
      generatedAt.toISOString(),
      '',
      '',
      'Saldo final',
      formatMinor(t.amountMinor),
      formatMinor(t.feeMinor),
      formatMinor(t.ivaMinor),
      formatMinor(t.debitMinor),
      formatMinor(t.creditMinor),
      optionalMinor(s.closingMinor),
      '',
      '',
      '',
      '',
      closingNote(s),
      ...local(generatedAt),
    ];
  }
}

const optionalMinor = (minor: Minor | undefined): string => (minor === undefined ? '' : formatMinor(minor));

/** The closing line's note: the counts, and without an opening balance the net change instead of a balance. */
export function closingNote(s: StatementSection): string {
  const counts = `${s.totals.payouts} payout(s), ${s.totals.returns} return(s)`;
  return s.closingMinor === undefined ? `${counts}; ${OPENING_NOT_GIVEN}: no closing balance; net change ${formatMinor(s.netMinor)}` : counts;
}

export const OPENING_NOT_GIVEN = 'opening balance not given';

/** Where the opening balance came from, for the reader who has to trust it. */
export function openingNote(provider: string, opening: OpeningBalance): string {
  switch (opening.source) {
    case 'provider':
      return `${provider}'s balance when batch ${opening.batchId ?? ''} started`;
    case 'operator':
      return 'given with --opening-balance';
    case 'none':
      return `${OPENING_NOT_GIVEN}: ${provider} reports no balance and none was captured (pass --opening-balance ${provider}=AMOUNT)`;
  }
}
