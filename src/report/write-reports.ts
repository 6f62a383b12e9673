import { join } from 'node:path';
import type { AppConfig } from '../config/config-types.ts';
import type { Minor } from '../domain/money.ts';
import type { ProviderId } from '../domain/provider-id.ts';
import { PROVIDER_IDS } from '../domain/provider-id.ts';
import type { Batch, Environment, LedgerRow, LedgerStore } from '../ledger/ledger-store.ts';
import type { ProviderSession } from '../providers/payout-provider.ts';
import { makePrivateDir, writeOutputFile } from '../write/output-file.ts';
import { writeExceptionsCsv } from '../write/reconciliation-csv.ts';
import { writeReconciliationXlsx } from '../write/reconciliation-xlsx.ts';
import type { ResultsFormat } from '../write/results-writer.ts';
import { writeStatementCsv } from '../write/statement-csv.ts';
import { writeStatementXlsx } from '../write/statement-xlsx.ts';
import { EXCEPTION_TYPES, type ReconciliationException } from './exceptions.ts';
import { movementOf, movementTextsOf } from './movements.ts';
import { MovementTable } from './movement-table.ts';
import { compareWithProviders, type ComparisonCoverage } from './provider-comparison.ts';
import { addToSheetTotals, detailRecord, emptySheetTotals, SHEET_OF_STATUS, type DetailRecord, type DetailSheet } from './reconciliation.ts';
import { workbookWords, type WorkbookLang } from './workbook-language.ts';
import { batchesOldestFirst, checkScope, describeScope, listingPeriod, rowInScope, scopeRows, scopeRowsIn, type ReportScopeOption } from './report-scope.ts';
import { ROW_STATUSES } from '../domain/row-status.ts';
import { accountKey, buildStatement, resolveOpenings } from './statement.ts';
import { unaccountedExceptions } from './unaccounted-exceptions.ts';
import { providerOfRow } from '../domain/row-provider.ts';

/** describeScope in Spanish, for the workbooks' title blocks. */
function describeScopeEs(scope: ReportScopeOption, provider?: ProviderId): string {
  const only = provider === undefined ? '' : `, solo ${provider}`;
  if ('batchId' in scope) return `lote ${scope.batchId}${only}`;
  if ('all' in scope) return `todos los lotes del libro${only}`;
  if (scope.days) return `filas modificadas del ${scope.days.from} al ${scope.days.to} (días en ${scope.days.zone}, ambos incluidos)${only}`;
  return `filas modificadas desde ${scope.from.toISOString()} hasta ${scope.to.toISOString()} (fin excluido)${only}`;
}

/** Rows whose histories one historyOfRows call reads. */
const HISTORY_PAGE = 500;

export const STATEMENT_CSV = 'statement.csv';
export const STATEMENT_XLSX = 'statement.xlsx';
export const RECONCILIATION_XLSX = 'reconciliation.xlsx';
export const EXCEPTIONS_CSV = 'exceptions.csv';

export class ReportOptionError extends Error {
  override readonly name = 'ReportOptionError';
  constructor(
    readonly code: 'OPENING_BALANCE_AMBIGUOUS',
    message: string,
  ) {
    super(message);
  }
}

export interface WriteReportsOptions {
  ledger: LedgerStore;
  scope: ReportScopeOption;
  /** The command's --target: only rows of batches of this environment are reported. */
  environment?: Environment;
  outDir: string;
  format: ResultsFormat;
  config: AppConfig;
  /** To list provider payouts and read their state; absent → the reports come from the ledger alone. */
  sessions?: Map<ProviderId, ProviderSession>;
  /** --opening-balance: the statement's opening balance, for a scope with a single provider account. */
  openingBalanceMinor?: Minor;
  /** --opening-balance PROVIDER=AMOUNT: the opening balance of that provider's account, whatever else is in scope. */
  openingBalancesByProvider?: ReadonlyMap<ProviderId, Minor>;
  /** --provider: only this provider's rows (its account's statement; a mixed batch holds several). */
  provider?: ProviderId;
  /** --tz / config "timeZone": every date in this zone; else each account in its provider's country's zone. */
  timeZone?: string;
  now?: () => Date;
  /** Shown on the Summary sheet (the store does not know its own path). */
  ledgerPath?: string;
  /** Why `sessions` is absent, for the Summary and the warning (default: "the providers were not asked"). */
  notComparedReason?: string;
  /** notComparedReason in Spanish, for a Spanish workbook. */
  notComparedReasonEs?: string;
  /** --lang: the language of the workbooks (default Spanish); the CSV files never change. */
  lang?: WorkbookLang;
}

/**
 * The statement (statement.csv / statement.xlsx per `format`) and the reconciliation (reconciliation.xlsx always —
 * its Summary is formulas — plus exceptions.csv for csv/both) of a scope, from the ledger and, when sessions are
 * given, each provider's own listing. run and sync call it at their end; `payout-batch report` regenerates the
 * same files on demand. Results files are not written here: run writes them itself, report through
 * writeResultsFile. `unaccounted` counts the NOT_IN_LEDGER exceptions under an order id of the scope (listed by a
 * provider, or kept from a provider event): a second payout of one of our orders, which run, sync and report exit 3 on.
 * `rowExceptions` counts the exceptions about the scope's own rows (every type but NOT_IN_LEDGER: a row the provider
 * shows otherwise, with another amount, or not at all), which run exits 3 on too; a payout at the provider that no
 * ledger row made and that carries none of the scope's order ids is report's to list, not a reason to fail a run.
 */
export async function writeReports(
  options: WriteReportsOptions,
): Promise<{ files: string[]; exceptions: number; rowExceptions: number; unaccounted: number; notCompared: ProviderId[]; warnings: string[] }> {
  const now = (options.now ?? (() => new Date()))();
  const { ledger, scope, config } = options;
  await checkScope(ledger, scope, options.environment);
  const fees = Object.fromEntries(PROVIDER_IDS.map((p) => [p, config.providers[p].fees])) as Record<ProviderId, AppConfig['providers'][ProviderId]['fees']>;
  const warnings: string[] = [];

  const words = workbookWords(options.lang);

  // A first pass over the ledger counts the detail lines (the Summary's cached results) and gathers the movements
  // with their history and the rows to compare; the detail sheets read the ledger again as they are written, so
  // no report holds its rows (a million-row scope stays within a few hundred MB).
  const totals = emptySheetTotals();
  // The statement needs every movement of the scope before its first line (time order): kept in columns of numbers.
  const movements = new MovementTable();
  const batchIds = new Set<string>();
  const providers = new Set<ProviderId>();
  let unsettled = 0;
  const waiting: LedgerRow[] = [];
  const flushMovements = async (): Promise<void> => {
    if (waiting.length === 0) return;
    const histories = await ledger.historyOfRows(waiting.map((r) => r.id));
    for (const r of waiting) {
      const movement = movementOf(r, histories.get(r.id) ?? []);
      if (movement) movements.push(movement);
    }
    waiting.length = 0;
  };
  for await (const row of scopeRows(ledger, scope, options.environment, options.provider)) {
    addToSheetTotals(totals, detailRecord(row, fees));
    batchIds.add(row.batchId);
    // A provider only invalid rows name (never sent there) has nothing to compare.
    const provider = providerOfRow(row);
    if (provider !== undefined && row.status !== 'invalid') providers.add(provider);
    // Histories are read a page of rows at a time, not with one query per row.
    if (row.providerPayoutId !== undefined) {
      waiting.push(row);
      if (waiting.length === HISTORY_PAGE) await flushMovements();
    } else {
      const movement = movementOf(row, []);
      if (movement) movements.push(movement);
    }
    if (row.status === 'unknown' || row.status === 'sending') unsettled += 1;
  }
  await flushMovements();
  if ('batchId' in scope) batchIds.add(scope.batchId);
  const batches = batchesOldestFirst((await Promise.all([...batchIds].map((id) => ledger.getBatch(id)))).filter((b): b is Batch => b !== undefined));
  if (unsettled > 0) {
    warnings.push(`${unsettled} row(s) are unknown or sending: money may have moved, so the statement leaves them out until payout-batch sync settles them`);
  }

  // Statement.
  const accounts = [...movements.accounts(), ...batches.flatMap((b) => b.openingBalances)].filter(
    (a) => options.provider === undefined || a.provider === options.provider,
  );
  const distinct = new Set(accounts.map((a) => accountKey(a.provider, a.currency)));
  if (options.openingBalanceMinor !== undefined && distinct.size > 1) {
    throw new ReportOptionError(
      'OPENING_BALANCE_AMBIGUOUS',
      `--opening-balance is one amount, but this scope covers ${distinct.size} provider accounts (${[...distinct].map((k) => k.replace('|', ' ')).join(', ')})`,
    );
  }
  const byProvider = options.openingBalancesByProvider ?? new Map<ProviderId, Minor>();
  for (const provider of byProvider.keys()) {
    if (![...distinct].some((k) => k.startsWith(`${provider}|`))) warnings.push(`--opening-balance ${provider}=…: the scope has no ${provider} account; left unused`);
  }
  const openings = resolveOpenings(accounts, batches, options.openingBalanceMinor, byProvider);
  const zone = options.timeZone;
  // The lines' texts are read back from the ledger as the lines are written (the table keeps numbers only).
  const textsOf = async (rowIds: readonly number[]) => new Map([...(await ledger.rowsOfIds(rowIds))].map(([id, row]) => [id, movementTextsOf(row)] as const));
  const statement = buildStatement({ movements, textsOf, fees, openings, ...(zone !== undefined ? { timeZoneOf: () => zone } : {}) });
  for (const s of statement) {
    if (s.opening.source === 'none') warnings.push(`${s.provider} ${s.currency}: opening balance not given (the provider reports none): the statement lists movements and totals, no balance; pass --opening-balance ${s.provider}=AMOUNT`);
  }
  if ('from' in scope && statement.some((s) => s.opening.source === 'provider')) {
    warnings.push('date range: the opening balance is the one captured when the oldest batch of the range started; payouts of rows outside the range are not listed, so the closing balance assumes there were none');
  }

  // Reconciliation against the providers.
  let exceptions: ReconciliationException[] = [];
  /** NOT_IN_LEDGER payouts the listing found under an order id of the scope. */
  let listedUnaccounted = 0;
  let coverage: ComparisonCoverage[] | undefined;
  let notCompared: string | undefined;
  let notComparedEs: string | undefined;
  if (options.sessions) {
    const compared = await compareWithProviders({
      ledger,
      // Read again as the comparison needs them, not held: a million rows are a few GB as objects.
      rows: {
        rows: async function* () {
          for await (const row of scopeRows(ledger, scope, options.environment, options.provider)) if (row.providerPayoutId !== undefined || row.status === 'unknown' || row.status === 'sending') yield row;
        },
        inScope: rowInScope(scope, options.environment, options.provider),
      },
      providers: [...providers].sort(),
      sessions: options.sessions,
      period: listingPeriod(scope, batches, now),
      ...(options.environment ? { environment: options.environment } : {}),
      concurrencyOf: (id) => config.providers[id].concurrency,
    });
    exceptions = compared.exceptions;
    coverage = compared.coverage;
    warnings.push(...compared.warnings);
    listedUnaccounted = compared.unaccounted;
    if (compared.unaccounted > 0) {
      warnings.push(`${compared.unaccounted} payout(s) the providers list under order ids of this scope are accounted for by no ledger row: the beneficiary may have been paid twice; see NOT_IN_LEDGER in the Exceptions sheet`);
    }
  } else {
    notCompared = options.notComparedReason ?? 'the providers were not asked (no credentials or connection)';
    notComparedEs = options.notComparedReasonEs ?? (options.notComparedReason === undefined ? 'no se consultó a los proveedores (sin credenciales ni conexión)' : undefined);
    warnings.push(`the Exceptions sheet could not compare the ledger with the providers: ${notCompared}`);
  }
  // Payouts a provider event showed under one of the scope's order ids that no row holds: exceptions whatever the
  // listing window (and also when the providers could not be compared, as last seen).
  let unaccountedCount = listedUnaccounted;
  if (options.environment) {
    const unaccounted = await unaccountedExceptions({
      ledger,
      environment: options.environment,
      batchIds,
      ...(options.provider !== undefined ? { provider: options.provider } : {}),
      ...(options.sessions ? { sessions: options.sessions } : {}),
      already: exceptions,
    });
    unaccountedCount += unaccounted.exceptions.length;
    if (unaccounted.exceptions.length > 0) {
      // Grouped by kind as the comparison sorts them (a stable sort keeps the rest of its order).
      exceptions = [...exceptions, ...unaccounted.exceptions].sort((a, b) => EXCEPTION_TYPES.indexOf(a.type) - EXCEPTION_TYPES.indexOf(b.type));
      warnings.push(`${unaccounted.exceptions.length} payout(s) at the provider under order ids of this scope are accounted for by no ledger row (reported by provider events): see NOT_IN_LEDGER in the Exceptions sheet`);
    }
    warnings.push(...unaccounted.warnings);
  }

  await makePrivateDir(options.outDir);
  const files: string[] = [];
  const scopeLabel = words.lang === 'en' ? describeScope(scope, options.provider) : describeScopeEs(scope, options.provider);
  const write = async (name: string, writer: (path: string) => Promise<void>): Promise<void> => {
    const path = join(options.outDir, name);
    // A new file of its own (0600, never through a symlink), renamed into place once complete.
    await writeOutputFile(path, writer);
    files.push(path);
  };
  if (options.format !== 'xlsx') await write(STATEMENT_CSV, (path) => writeStatementCsv(path, statement, now));
  if (options.format !== 'csv') await write(STATEMENT_XLSX, (path) => writeStatementXlsx(path, statement, { scope: scopeLabel, generatedAt: now, words }));
  // Each detail sheet reads its own statuses only (scopeRowsIn): seven sheets, one read of the scope in all.
  const rowsOf = async function* (sheet: DetailSheet): AsyncGenerator<DetailRecord> {
    const statuses = ROW_STATUSES.filter((s) => SHEET_OF_STATUS[s] === sheet);
    for await (const row of scopeRowsIn(ledger, scope, statuses, options.environment)) yield detailRecord(row, fees);
  };
  // A mixed batch is labelled by the providers its rows go to, not the one it is filed under (its --provider).
  const batchProviders = new Map(await Promise.all(batches.map(async (b) => [b.id, await ledger.batchProviders(b.id)] as const)));
  await write(RECONCILIATION_XLSX, (path) =>
    writeReconciliationXlsx(path, {
      generatedAt: now,
      scope: scopeLabel,
      ...(options.ledgerPath !== undefined ? { ledgerPath: options.ledgerPath } : {}),
      batches,
      batchProviders,
      detail: { totals, rowsOf },
      words,
      exceptions,
      ...(coverage ? { coverage } : {}),
      ...(notCompared !== undefined ? { notCompared } : {}),
      ...(notComparedEs !== undefined ? { notComparedEs } : {}),
      statement,
    }),
  );
  if (options.format !== 'xlsx') await write(EXCEPTIONS_CSV, (path) => writeExceptionsCsv(path, exceptions));

  // Providers the Exceptions sheet does not cover: every one when no session was given.
  const uncovered = coverage ? coverage.filter((c) => !c.compared).map((c) => c.provider) : [...providers].sort();
  const rowExceptions = exceptions.filter((e) => e.type !== 'NOT_IN_LEDGER').length;
  return { files, exceptions: exceptions.length, rowExceptions, unaccounted: unaccountedCount, notCompared: uncovered, warnings };
}
