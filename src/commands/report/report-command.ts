import { join } from 'node:path';
import type { Target } from '../../config/config-types.ts';
import { DEFAULT_TIME_ZONE } from '../../domain/local-time.ts';
import { zoneOf } from '../../report/statement.ts';
import { isProviderId, PROVIDER_IDS, type ProviderId } from '../../domain/provider-id.ts';
import type { ResultRow } from '../../domain/result-row.ts';
import type { ProviderSession } from '../../providers/payout-provider.ts';
import { parseOpeningBalances, parseReportScope } from '../../report/parse-report-options.ts';
import { checkScope, describeOtherEnvironments, describeScope, otherEnvironmentBatches, ReportScopeError, scopeRows, type ReportScopeOption } from '../../report/report-scope.ts';
import { ReportOptionError, writeReports } from '../../report/write-reports.ts';
import { isRunError, RunError } from '../../run-error.ts';
import { resultRowFromLedger } from '../../write/result-row-from-ledger.ts';
import { writeResultsFile, type ResultsFormat } from '../../write/results-writer.ts';
import { withCommandScope } from '../shared/command-scope.ts';
import { providerOfRow } from '../../domain/row-provider.ts';
import { askedZone, displayZone, parseTzOption, showTime } from '../shared/display-zone.ts';
import { decideExitCode } from '../shared/exit-code.ts';
import { createOutputDir } from '../shared/output-dir.ts';
import { createSession } from '../shared/provider-sessions.ts';
import { Tally } from '../shared/tally.ts';
import { UnknownStatusWords } from '../shared/unknown-status-words.ts';
import type { WorkbookLang } from '../../report/workbook-language.ts';
import type { LedgerRow, LedgerStore } from '../../ledger/ledger-store.ts';

export interface ReportArgs {
  batch?: string;
  all: boolean;
  from?: string;
  to?: string;
  out?: string;
  /** --force: use an --out folder that already holds files. */
  force?: boolean;
  /** --opening-balance, repeatable: AMOUNT (one account) or PROVIDER=AMOUNT. */
  openingBalance?: string | string[];
  /** --provider: only this provider's rows and account. */
  provider?: string;
  /** --tz: the zone of every date and of --from/--to (default: config "timeZone", else the provider's country). */
  tz?: string;
  target: Target;
  simulatorUrl?: string;
  ledger?: string;
  config?: string;
  format: ResultsFormat;
  /** --lang: the workbooks' language (default es). */
  lang?: WorkbookLang;
  json: boolean;
}

/**
 * `payout-batch report`: regenerates the results, the statement and the reconciliation of a batch, a date range or
 * the whole ledger, from the ledger and a fresh listing from each provider. Reads only: the ledger is not changed
 * (sync records provider states). The exit code (exit-code.ts) judges the rows in scope and the reconciliation:
 * 3 when the Exceptions sheet lists something or a provider could not be compared (never read as "no exceptions"),
 * as when rows failed or are unknown; 2 when rows are only not payable; 1 when the reports could not be made.
 */
export async function reportCommand(args: ReportArgs): Promise<number> {
  // Usage first, before any file is opened; the range is read again below once the zone (config) is known.
  const usage = parseReportScope(args);
  if ('issue' in usage) throw new RunError('USAGE', usage.message, { hint: 'see payout-batch report --help' });
  let provider: ProviderId | undefined;
  if (args.provider !== undefined) {
    const name = String(args.provider).trim().toLowerCase();
    if (!isProviderId(name)) throw new RunError('USAGE', `--provider ${args.provider}: unknown provider (expected one of ${PROVIDER_IDS.join(', ')})`);
    provider = name;
  }
  const tz = parseTzOption(args.tz);
  const openingValues = args.openingBalance === undefined ? [] : [args.openingBalance].flat().map(String);
  const openingParsed = parseOpeningBalances(openingValues);
  if ('issue' in openingParsed) throw new RunError('USAGE', openingParsed.message);
  const openingBalanceMinor = openingParsed.value.single;
  const openingBalancesByProvider = openingParsed.value.byProvider;
  return withCommandScope({ config: args.config, target: args.target, signals: false }, async (command) => {
    const { config } = command;
    // --from/--to are days where the operators live: --tz, the config's zone, the provider's country, else Mexico's.
    const timeZone = askedZone(tz, config.timeZone);
    const rangeZone = timeZone ?? (provider ? zoneOf(provider) : DEFAULT_TIME_ZONE);
    const scopeParsed = parseReportScope(args, rangeZone);
    if ('issue' in scopeParsed) throw new RunError('USAGE', scopeParsed.message, { hint: 'see payout-batch report --help' });
    const reportScope = scopeParsed.value;
    // Reads only; a missing file would be created empty and report nothing, which reads as "nothing happened".
    const { ledger, ledgerPath } = await command.openLedger({ path: args.ledger, mustExist: { hint: 'pass --ledger with the file run used' } });
    try {
      await checkScope(ledger, reportScope, args.target);
    } catch (error) {
      // The same code as sync's: the batch exists, but was paid on another target than the one asked for.
      if (error instanceof ReportScopeError && error.code === 'BATCH_OF_OTHER_ENVIRONMENT') throw new RunError('BATCH_OF_OTHER_ENVIRONMENT', error.message, { hint: 'pass the --target the batch was paid on' });
      if (error instanceof ReportScopeError) throw new RunError('USAGE', error.message, { hint: 'batch ids are printed in every run summary' });
      throw error;
    }

    // Which providers and batches the scope touches, in one pass that keeps no row: the results files read the
    // ledger again, batch by batch, as they are written.
    const providers = new Set<ProviderId>();
    const batchIds = new Set<string>();
    const tally = new Tally();
    const unknownWords = new UnknownStatusWords();
    for await (const row of scopeRows(ledger, reportScope, args.target, provider)) {
      // A provider only invalid rows name (never sent there) needs no credentials and has nothing to compare.
      const routed = providerOfRow(row);
      if (routed !== undefined && row.status !== 'invalid') providers.add(routed);
      batchIds.add(row.batchId);
      tally.add(row.status, undefined, undefined);
      unknownWords.note(row);
    }

    const warnings = [...command.configWarnings];
    if ('days' in reportScope && reportScope.days && timeZone === undefined) {
      const elsewhere = [...providers].filter((p) => zoneOf(p) !== rangeZone).sort();
      if (elsewhere.length > 0) warnings.push(`--from/--to were read as ${rangeZone} days; ${elsewhere.join(', ')} dates are shown in ${elsewhere.map((p) => zoneOf(p)).join(', ')}: pass --provider or --tz to read the range there`);
    }
    // A ledger shared by several targets: this report covers --target's batches only.
    const others = 'batchId' in reportScope ? new Map<string, number>() : await otherEnvironmentBatches(ledger, args.target);
    if (others.size > 0) warnings.push(`only ${args.target} batches are reported; the ledger also holds ${describeOtherEnvironments(others)}, left out`);
    let sessions: Map<ProviderId, ProviderSession> | undefined;
    let notComparedReason: string | undefined;
    let notComparedReasonEs: string | undefined;
    if (args.target === 'simulator' && !args.simulatorUrl) {
      // An in-process simulator would start empty: it holds none of the ledger's payouts, so comparing with it
      // would report every row as unknown to the provider.
      notComparedReason = '--target simulator without --simulator-url has no provider state (pass the URL of the simulator the batch ran against)';
      notComparedReasonEs = '--target simulator sin --simulator-url no tiene estado de los proveedores (indique la URL del simulador contra el que corrió el lote)';
    } else if (providers.size === 0) {
      notComparedReason = 'the scope has no rows sent to a provider';
      notComparedReasonEs = 'el alcance no tiene filas enviadas a un proveedor';
    } else {
      try {
        const target = await command.connectTarget({ target: args.target, ...(args.simulatorUrl ? { simulatorUrl: args.simulatorUrl } : {}), providers: [...providers] });
        sessions = new Map([...providers].map((id) => [id, createSession(id, target, config)] as const));
      } catch (error) {
        // Either way the reports are still made from the ledger, and the reconciliation says it did not compare.
        if (!(isRunError(error) && (error.code === 'CREDENTIALS_MISSING' || error.code === 'PROVIDER_UNREACHABLE'))) throw error;
        notComparedReason = `${error.message} (${error.hint ?? 'set the provider credentials'})`;
        notComparedReasonEs = `sin conexión con los proveedores: ${error.message}`;
      }
    }

    const outDir = await createOutputDir({ command: 'report', out: args.out, force: args.force, now: command.startedAt });
    const files: string[] = [];
    // results.csv needs one batch's rows in file order; a scope of several batches gets one folder per batch, <out>/<batch>/ as sync writes them.
    const several = batchIds.size > 1;
    for (const batchId of batchIds) {
      const written = await writeResultsFile(several ? join(outDir, batchId) : outDir, args.format, batchResults(ledger, batchId, reportScope, args.target, provider), { ...(args.lang ? { lang: args.lang } : {}) });
      if (written.csvPath) files.push(written.csvPath);
      if (written.xlsxPath) files.push(written.xlsxPath);
    }

    let report;
    try {
      report = await writeReports({
        ledger,
        scope: reportScope,
        environment: args.target,
        outDir,
        format: args.format,
        config,
        ...(sessions ? { sessions } : {}),
        ...(openingBalanceMinor !== undefined ? { openingBalanceMinor } : {}),
        ...(openingBalancesByProvider.size > 0 ? { openingBalancesByProvider } : {}),
        ...(provider !== undefined ? { provider } : {}),
        ...(timeZone !== undefined ? { timeZone } : {}),
        ledgerPath,
        ...(notComparedReason !== undefined ? { notComparedReason } : {}),
        ...(notComparedReasonEs !== undefined ? { notComparedReasonEs } : {}),
        ...(args.lang ? { lang: args.lang } : {}),
      });
    } catch (error) {
      if (error instanceof ReportOptionError) throw new RunError('USAGE', error.message, { hint: 'give one per account, as --opening-balance PROVIDER=AMOUNT, or report one --provider' });
      throw error;
    }
    files.push(...report.files);
    warnings.push(...report.warnings, ...unknownWords.warnings());
    const exitCode = decideExitCode({ counts: tally.countsRecord(), exceptions: report.exceptions, unaccountedPayouts: report.unaccounted, notCompared: report.notCompared.length, unknownProviderStatuses: unknownWords.rows });
    const zones = Object.fromEntries([...providers].sort().map((p) => [p, timeZone ?? zoneOf(p)] as const));
    const summary = {
      command: 'report',
      scope: describeScope(reportScope, provider),
      timeZones: zones,
      ledgerPath,
      outDir,
      files,
      exceptions: report.exceptions,
      notCompared: report.notCompared,
      warnings,
      exitCode,
      startedAt: command.startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
    };
    const shownIn = await displayZone(timeZone, undefined, [...providers]);
    process.stdout.write(args.json ? `${formatJson(summary, reportScope)}\n` : formatText(summary, shownIn));
    return exitCode;
  });
}

/**
 * One batch's results rows of the scope, read page by page in row order (a batch's rows are stored in file order),
 * so results.csv streams from the ledger whatever the batch's size.
 */
async function* batchResults(ledger: LedgerStore, batchId: string, scope: ReportScopeOption, environment: Target, provider?: ProviderId): AsyncGenerator<ResultRow> {
  const inScope = (row: LedgerRow): boolean =>
    row.environment === environment && (provider === undefined || row.provider === provider) && (!('from' in scope) || (row.updatedAt.getTime() >= scope.from.getTime() && row.updatedAt.getTime() < scope.to.getTime()));
  for await (const row of ledger.rowsForReport({ batchId })) if (inScope(row)) yield resultRowFromLedger(row);
}

interface ReportSummary {
  command: string;
  scope: string;
  /** provider → the zone its statement dates are shown in. */
  timeZones: Record<string, string>;
  ledgerPath: string;
  outDir: string;
  files: string[];
  exceptions: number;
  /** Providers of the scope the reconciliation could not compare with: its exception count does not cover them. */
  notCompared: string[];
  warnings: string[];
  exitCode: number;
  startedAt: string;
  finishedAt: string;
}

/** One JSON line, snake_case like the other commands' summaries. */
function formatJson(s: ReportSummary, scope: ReportScopeOption): string {
  return JSON.stringify({
    command: s.command,
    scope: s.scope,
    ...('batchId' in scope ? { batch_id: scope.batchId } : {}),
    time_zones: s.timeZones,
    ledger_path: s.ledgerPath,
    out_dir: s.outDir,
    files: s.files,
    // A count only when every provider was compared: 0 would read as "nothing wrong" where nothing was looked at.
    exceptions: s.notCompared.length > 0 ? NOT_COMPARED : s.exceptions,
    not_compared: s.notCompared,
    warnings: s.warnings,
    exit_code: s.exitCode,
    started_at: s.startedAt,
    finished_at: s.finishedAt,
  });
}

const NOT_COMPARED = 'not compared';

function formatText(s: ReportSummary, zone: string): string {
  const lines = [`report: ${s.scope}`, `ledger   ${s.ledgerPath}`];
  // The zone of the statements' dates, per provider: one line even when they differ.
  const byZone = new Map<string, string[]>();
  for (const [p, zone] of Object.entries(s.timeZones)) byZone.set(zone, [...(byZone.get(zone) ?? []), p]);
  if (byZone.size > 0) lines.push(`dates    ${[...byZone].map(([zone, ps]) => `${zone} (${ps.join(', ')})`).join('; ')}`);
  lines.push('');
  for (const file of s.files) lines.push(`wrote    ${file}`);
  let exceptions = s.exceptions > 0 ? `${s.exceptions} (reconciliation.xlsx, sheet Exceptions)` : 'none';
  if (s.notCompared.length > 0) {
    exceptions = `${NOT_COMPARED} with ${s.notCompared.join(', ')} (see warnings)${s.exceptions > 0 ? `; ${exceptions} with the others` : ''}`;
  }
  lines.push('', `exceptions: ${exceptions}`);
  if (s.warnings.length > 0) {
    lines.push('', 'warnings:');
    for (const w of s.warnings) lines.push(`  - ${w}`);
  }
  lines.push('', `exit ${s.exitCode}  started ${showTime(new Date(s.startedAt), zone)}  finished ${showTime(new Date(s.finishedAt), zone)}`);
  return `${lines.join('\n')}\n`;
}
