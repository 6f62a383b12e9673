import { userInfo } from 'node:os';
import { basename, join } from 'node:path';
import type { WorkbookLang } from '../../report/workbook-language.ts';
import { applyRunPlan } from '../../apply/apply-run-plan.ts';
import { forEachPlannedChunk, ledgerPayable, readPlanSnapshot } from '../../apply/read-plan-snapshot.ts';
import type { loadConfig } from '../../config/load-config.ts';
import type { AppConfig, Target } from '../../config/config-types.ts';
import { dispatchBatch, type ProviderLane } from '../../dispatch/dispatch-batch.ts';
import { providerLimiter } from '../../dispatch/provider-limiter.ts';
import { formatMinor, type Minor } from '../../domain/money.ts';
import type { ProviderId } from '../../domain/provider-id.ts';
import { batchIdFor } from '../../ledger/batch-identity.ts';
import { supportsRowLeases, type LedgerStore } from '../../ledger/ledger-store.ts';
import type { PlanTotal } from '../../plan/plan-batch.ts';
import { ledgerRowInput } from '../../plan/ledger-row-input.ts';
import { RunPlanner } from '../../plan/plan-run.ts';
import { baseUrlOrigin } from '../../providers/base-urls.ts';
import { providerAccount } from '../../providers/provider-account.ts';
import { getProvider } from '../../providers/registry.ts';
import { parseMapOption } from '../../read/parse-map-option.ts';
import { writeReports } from '../../report/write-reports.ts';
import { EXIT, RunError } from '../../run-error.ts';
import { formatMinorGrouped } from '../../write/format-amount.ts';
import { resultRowFromLedger } from '../../write/result-row-from-ledger.ts';
import { createResultsWriter, RESULTS_CSV, RESULTS_XLSX, resultRowFromChecked, writeResultsFile, type ResultsWriter } from '../../write/results-writer.ts';
import { storageFailureOf, storageHint, type StorageFailure } from '../../write/storage-failure.ts';
import { logFileFailure } from '../../log/logger.ts';
import { watchLedgerWrites } from '../../apply/watch-ledger-writes.ts';
import { formatSummaryJson, formatSummaryText, type RunSummary } from '../../write/summary.ts';
import { checkFile, readLimitsOf } from '../shared/check-file.ts';
import { canPrompt, confirmByTyping } from '../shared/confirm.ts';
import { withCommandScope } from '../shared/command-scope.ts';
import { createOutputDir } from '../shared/output-dir.ts';
import { createSession } from '../shared/provider-sessions.ts';
import { decideExitCode, type ExitFacts } from '../shared/exit-code.ts';
import { GUARD_DIFFERS_CODE } from '../../dispatch/decide-pay-row.ts';
import { Tally } from '../shared/tally.ts';
import { providerLabel } from '../shared/batch-label.ts';
import { displayZone, parseTzOption, showTime } from '../shared/display-zone.ts';
import { addCheckedRowIssues, IssueDigest } from '../shared/issue-digest.ts';
import { UnknownStatusWords } from '../shared/unknown-status-words.ts';
import { createProgressReporter } from './progress.ts';
import { checkWatchPeriod, DEFAULT_GRACE_SECONDS, describeWatchPeriod } from '../../config/watch-periods.ts';
import { messageText, storedMessage } from '../../messages/stored-message.ts';

export interface RunArgs {
  file: string;
  /** For rows whose provider cell is empty; optional when every row names its provider. */
  provider?: ProviderId;
  target: Target;
  simulatorUrl?: string;
  ledger?: string;
  config?: string;
  sheet?: string;
  map?: string[];
  out?: string;
  /** --force: use an --out folder that already holds files. */
  force?: boolean;
  format: 'csv' | 'xlsx' | 'both';
  /** --lang: the workbooks' language (default es); the CSV columns never change. */
  lang?: WorkbookLang;
  rate?: number;
  concurrency?: number;
  maxAttempts: number;
  /** Seconds the requests in flight have to finish after the first SIGINT / SIGTERM; a second signal cuts them. */
  graceSeconds?: number;
  onInvalid: 'skip' | 'abort';
  dryRun: boolean;
  /** Start a ledger at a path where none is (sandbox / live refuse a missing one without it). */
  newLedger?: boolean;
  yes: boolean;
  json: boolean;
  /** Plan a file whose content was already run under another provider (owned order_ids stay duplicates). */
  allowOtherProvider?: boolean;
  /** --encoding: read the CSV as told. */
  encoding?: string;
  /** --operator: who runs the batch, recorded on it (default: the config's "operator", else the OS user). */
  operator?: string;
  /** --tz: the zone of the dates shown (default: config "timeZone", else the providers' country). */
  tz?: string;
}

/**
 * `payout-batch run`: plan (validate, dedupe in the file and against the ledger, totals, funds), then pay every
 * valid row exactly once, and write the results. Re-running the same file resumes the same batch.
 * parse → plan → show → confirm → apply → summary; the plan is pure (plan/plan-run.ts), apply performs it.
 */
export async function runCommand(args: RunArgs): Promise<number> {
  if (!(args.maxAttempts >= 1)) throw new RunError('USAGE', '--max-attempts must be at least 1');
  for (const [flag, value] of [['--rate', args.rate], ['--concurrency', args.concurrency]] as const) {
    if (value !== undefined && !(value > 0)) throw new RunError('USAGE', `${flag} must be a positive number`);
  }
  if (args.graceSeconds !== undefined && checkWatchPeriod('graceSeconds', args.graceSeconds) === undefined) {
    throw new RunError('USAGE', `--grace-seconds must be ${describeWatchPeriod('graceSeconds')}`);
  }
  // The flag, else the config's "graceSeconds", else the default: known once the scope has read the config.
  const graceOf = (config: AppConfig) => args.graceSeconds ?? config.graceSeconds ?? DEFAULT_GRACE_SECONDS;
  const tz = parseTzOption(args.tz);
  // Until the batch is taken for dispatch nothing is in flight: a signal then ends the run at once (exit 130, one line).
  // From there on it stops the dispatch gracefully, and the run still writes what it recorded.
  return withCommandScope({ config: args.config, target: args.target, graceMs: (config) => graceOf(config) * 1000, signals: 'when-held' }, async (scope) => {
    const { config, startedAt } = scope;
    const graceSeconds = graceOf(config);
    if (args.target === 'live' && !args.yes && !canPrompt()) {
      throw new RunError('CONFIRMATION_REQUIRED', 'a live run needs confirmation', { hint: 'pass --yes to pay without the interactive prompt' });
    }

    // 1. Read and validate the whole file before anything else: a file that cannot be read costs nothing. The rows
    // are not kept: this pass learns the providers and the late conflicts; planning and writing read the file again.
    const fileOptions = { file: args.file, provider: args.provider, target: args.target, sheet: args.sheet, map: parseMapOption(args.map), encoding: args.encoding, limits: readLimitsOf(config.limits, args) };
    const rowProviders = new Set<ProviderId>(args.provider ? [args.provider] : []);
    const checked = await checkFile({
      ...fileOptions,
      onRow: (row) => void (row.payout && rowProviders.add(row.payout.provider)),
    });
    const rowCount = checked.tally.total;
    const providers = [...rowProviders];
    // The provider the batch is filed under (its id and account): --provider, else the first the file names.
    const batchProvider = args.provider ?? providers[0];
    if (batchProvider === undefined) {
      throw new RunError('PROVIDER_MISSING', 'no row names a provider we pay through, and no --provider was given; nothing was done', { hint: 'fix the provider column, or pass --provider' });
    }
    // How the batch is named: by the providers its rows go to, whatever --provider says (a mixed file is "mixed").
    const routed = checked.providers;
    const batchLabel = providerLabel(routed, batchProvider);
    const zone = await displayZone(tz, config.timeZone, routed.length > 0 ? routed : [batchProvider]);
    const chunkRows = planChunkRows();
    const pageRows = dispatchPageRows();

    const target = await scope.connectTarget({ target: args.target, ...(args.simulatorUrl ? { simulatorUrl: args.simulatorUrl } : {}), providers });
    const outDir = await createOutputDir({ command: 'run', file: args.file, out: args.out, force: args.force, now: startedAt });
    const tty = Boolean(process.stderr.isTTY) && !args.json;
    // The log goes to a file beside the results; stderr stays for the plan, the progress bar and one-line errors.
    const logger = storageGuard(() => scope.createLogger({ file: join(outDir, 'run.log'), stderr: false, base: { command: 'run' } }), join(outDir, 'run.log'));
    let progress: ReturnType<typeof createProgressReporter> | undefined;
    /** Providers whose guard listing failed: their unguarded rows were not sent. */
    const guardFailures = new Map<ProviderId, string>();
    /** Rows the guard found already made at the provider (recorded with its state, not sent), per provider. */
    const foundAtProvider = new Map<ProviderId, number>();
    scope.onInterrupt((signal) => {
      logger.warn({ event: 'interrupt', signal, graceSeconds }, 'stopping: no new rows are taken; requests in flight have the grace period to finish, then are cut and recorded as unknown');
      // One line on stderr, terminal or not (a scheduler's log shows why the run ended with 130).
      process.stderr.write(`${tty ? '\n' : ''}payout-batch: ${signal}: stopping after the requests in flight (up to ${graceSeconds}s; signal again to stop now)…\n`);
      progress?.stopping();
    });
    scope.onCut((why) => {
      logger.warn({ event: 'cut', why }, 'requests still in flight are cut; their rows stay unknown until the next run settles them');
      if (tty) process.stderr.write(`\n${why === 'second_signal' ? 'second signal' : 'grace period over'}: cutting the requests in flight…\n`);
    });
    // A dry run never creates the ledger: a missing one reads as empty (every row new).
    const opened = await scope.openLedger({ path: args.ledger, newLedger: args.newLedger, readOnly: args.dryRun });
    const { ledger, ledgerPath } = opened;
    // Checked before the results are written and when the dispatch ends: once the path names another file (or none),
    // what this run records is out of reach of the next run, which would pay those rows again.
    let ledgerLost: 'deleted' | 'replaced' | undefined;
    const checkLedgerFile = () => {
      const change = opened.fileChange();
      if (!change || ledgerLost) return;
      ledgerLost = change;
      logger.error({ event: 'ledger_file_changed', ledger: ledgerPath, change }, 'the ledger file was deleted or replaced during the run');
      process.stderr.write(ledgerLostMessage(ledgerPath, change));
    };

    // 2. Plan: dedupe against every earlier run, totals with fees, funds where the provider reports a balance.
    // A batch belongs to the target and the provider account it pays on: a rehearsal on the simulator and the live
    // run of the same file are two batches, and the live run pays every row there.
    const account = providerAccount(batchProvider, target.credentials);
    if (account === undefined) throw new RunError('CREDENTIALS_MISSING', `no ${batchProvider} credentials for ${args.target}`, { hint: 'set the provider keys in the environment' });
    const ledgerScope = { environment: args.target, account };
    const batchId = batchIdFor(checked.fileHash, batchProvider, ledgerScope);
    // The same bytes already run under another provider (on this target, or in a legacy batch whose target is not
    // known) are the same payouts routed elsewhere: refused before planning unless the operator says so (and even then
    // every order_id owned there stays a duplicate).
    const elsewhere = (await ledger.listBatches()).filter(
      (b) => b.fileHash === checked.fileHash && b.provider !== batchProvider && (b.environment === args.target || b.environment === 'unknown'),
    );
    if (elsewhere.length > 0 && !args.allowOtherProvider) {
      const [first] = elsewhere;
      throw new RunError('FILE_RUN_UNDER_OTHER_PROVIDER', `this file was already run as batch ${first!.id} with --provider ${first!.provider} (${showTime(first!.createdAt, zone)}); nothing was sent`, {
        hint: 'its order_ids belong to those payouts; pass --allow-other-provider only to plan it anyway (order_ids already owned stay duplicates)',
      });
    }
    const sessions = new Map(providers.map((id) => [id, createSession(id, target, config)] as const));
    // The plan's balance reads take their turn like every other request: on a shared ledger a worker joining a batch
    // being paid would otherwise send one above the rate. The dispatch wires its own limiter to these sessions.
    for (const [id, session] of sessions) {
      const limiter = providerLimiter(ledger, id, args.rate ?? config.providers[id].rate);
      session.beforeRequest = () => limiter.take(scope.signal);
      session.onRateLimited = (ms) => limiter.onRateLimited(ms);
    }
    // Where the keys go, in the plan, the prompt and the log: every host is shown before any payout is sent (the balance
    // read for the plan already uses them; the config check keeps them to https or loopback).
    const hosts = new Map([...sessions].map(([id, session]) => [id, baseUrlOrigin(session.baseUrl)] as const));
    logger.info({ event: 'start', batch: batchId, file: args.file, provider: batchLabel, target: args.target, config: config.source, hosts: Object.fromEntries(hosts), ledger: ledgerPath, rows: rowCount });
    const snapshot = await readPlanSnapshot({ ledger, batchId, providers, sessions });
    // The plan keeps counts and totals; the rows stream through it. A dry run of a batch not in the ledger writes its
    // results in the same pass (nothing else would hold the verdicts).
    const planner = new RunPlanner(snapshot, feesOf(config));
    // A batch an earlier run finished: this run only says so (and sends whatever is left, normally nothing).
    const earlier = await ledger.getBatch(batchId);
    const finishedBefore = earlier?.status === 'finished' ? earlier.updatedAt : undefined;
    const digest = new IssueDigest();
    const dryResults = args.dryRun && !snapshot.resumed ? { writer: await createResultsWriter(outDir, args.format, { ...(args.lang ? { lang: args.lang } : {}) }), tally: new Tally() } : undefined;
    const planStream = { check: fileOptions, lateConflicts: checked.lateConflicts, deduper: checked.deduper, fileHash: checked.fileHash, ledger, environment: args.target, batchId, chunkRows };
    try {
      await forEachPlannedChunk({
        ...planStream,
        // The counting pass writes nothing: smaller chunks keep fewer row objects alive at once (measured on 300,000
        // rows: 219 MB peak at 500 per chunk against 270-294 MB at 5,000), one key lookup per chunk all the same.
        chunkRows: Math.min(chunkRows, COUNT_CHUNK_ROWS),
        onChunk: async (rows) => {
          for (const r of rows) {
            planner.add(r);
            if (!dryResults) continue;
            const status = r.status === 'valid' ? 'queued' : r.status;
            dryResults.tally.add(status, r.payout?.currency ?? r.input.currency, r.payout?.amountMinor);
            addCheckedRowIssues(digest, r);
            await dryResults.writer.write({ ...resultRowFromChecked(r), status, note: storedMessage({ code: 'NOTE_DRY_RUN' }) });
          }
        },
      });
    } catch (error) {
      await dryResults?.writer.abort();
      throw notSentOnStorageFailure(error, outDir);
    }
    if (snapshot.planned) for await (const p of ledgerPayable(ledger, batchId)) planner.addLedgerPayable(p);
    const plan = planner.finish();
    if (!args.json) process.stderr.write(formatPlan(plan.totals, snapshot.balances, plan.notPayable, rowCount, plan.resumed, { target: args.target, config: config.source, hosts }));
    logger.info({ event: 'plan', resumed: snapshot.resumed, totals: plan.totals, balances: Object.fromEntries(snapshot.balances), invalid: plan.notPayable });

    /** A write the ledger's storage refused once payouts could leave (disk full, I/O error). */
    let ledgerStorage: StorageFailure | undefined;
    /** Ends the run: `facts` decide the exit code, or 'ledger' for the batch's rows as the ledger holds them now. */
    const finish = async (facts: Omit<ExitFacts, 'ledgerLost' | 'storageFailed'> | 'ledger', extraWarnings: string[] = []) => {
      checkLedgerFile();
      /** Where results could not be written for lack of space (or an I/O error): the summary still goes out. */
      let outputStorage: { path: string; failure: StorageFailure } | undefined;
      const outputFailed = (error: unknown, path: string) => {
        const failure = storageFailureOf(error);
        if (!failure) return false;
        outputStorage ??= { path, failure };
        logger.error({ event: 'output_write_failed', path, reason: failure.reason, code: failure.code });
        return true;
      };
      /** Rows whose request left during this run (the ledger marks a row sending, with the time, before it does). */
      let sentThisRun = 0;
      if (ledgerLost) {
        extraWarnings = [...extraWarnings, `the ledger file ${ledgerPath} was ${ledgerLost} during this run: do not run this batch again before restoring it`];
        // The rows this run recorded live only in the file it has open, gone at exit: keep a copy of it.
        const copy = await saveLedgerCopy(ledger, [ledgerPath, join(outDir, basename(ledgerPath))], startedAt);
        const line = 'path' in copy
          ? `a copy of the ledger as this run left it is at ${copy.path}: compare it with what is at ${ledgerPath} now, and put it there before running this batch again`
          : `no copy of the ledger this run wrote could be saved (${copy.error}): reconcile this run's results.csv with the providers before running this batch again`;
        extraWarnings.push(line);
        logger.error({ event: 'ledger_copy', ...copy });
        process.stderr.write(`MONEY NEEDS ATTENTION: ${line}\n`);
      }
      if (opened.missing) extraWarnings = [...extraWarnings, `no ledger at ${ledgerPath} yet: the plan counts every row as new`];
      const inLedger = Boolean(await ledger.getBatch(batchId));
      let tally = new Tally();
      const unknownWords = new UnknownStatusWords();
      // A conflict the provider-side guard found is an order id the provider already paid differently: money to check.
      let foundDiffering = 0;
      let files: Awaited<ReturnType<typeof writeResultsFile>> = { rows: 0 };
      const resultsPath = join(outDir, args.format === 'xlsx' ? RESULTS_XLSX : RESULTS_CSV);
      if (inLedger) {
        // Streamed from the ledger, page by page: the results of a million rows never sit in memory.
        await dryResults?.writer.abort();
        let writer: ResultsWriter | undefined;
        try {
          writer = await createResultsWriter(outDir, args.format, { ...(args.lang ? { lang: args.lang } : {}) });
        } catch (error) {
          if (!outputFailed(error, resultsPath)) throw error;
        }
        try {
          for await (const r of ledger.rowsForReport({ batchId })) {
            tally.add(r.status, r.currency, r.amountMinor);
            unknownWords.note(r);
            if (r.status === 'conflict' && r.errorCode === GUARD_DIFFERS_CODE) foundDiffering += 1;
            if (r.sentAt !== undefined && r.sentAt >= startedAt) sentThisRun += 1;
            digest.addLedgerRow(r);
            if (!writer) continue;
            try {
              await writer.write(resultRowFromLedger(r));
            } catch (error) {
              if (!outputFailed(error, resultsPath)) throw error;
              // The counts go on: the summary is all the operator gets of this run's results.
              await writer.abort();
              writer = undefined;
            }
          }
        } catch (error) {
          await writer?.abort();
          throw error;
        }
        try {
          if (writer) files = await writer.finish();
        } catch (error) {
          if (!outputFailed(error, resultsPath)) throw error;
        }
      } else if (dryResults) {
        // Dry run of a new batch: the plan's verdicts, written as the plan streamed; nothing is in the ledger yet.
        tally = dryResults.tally;
        try {
          files = await dryResults.writer.finish();
        } catch (error) {
          if (!outputFailed(error, resultsPath)) throw error;
        }
      } else {
        try {
          files = await writeResultsFile(outDir, args.format, [], { ...(args.lang ? { lang: args.lang } : {}) });
        } catch (error) {
          if (!outputFailed(error, resultsPath)) throw error;
        }
      }
      extraWarnings = [...extraWarnings, ...unknownWords.warnings()];
      // Statement and reconciliation as of the end of this run (a dry run of a new batch has nothing in the ledger).
      let reports: { files: string[]; warnings: string[]; unaccounted?: number; rowExceptions?: number } = { files: [], warnings: [] };
      if (inLedger && !outputStorage) {
        try {
          reports = await writeReports({ ledger, scope: { batchId }, environment: args.target, outDir, format: args.format, config, sessions, ledgerPath, ...(args.lang ? { lang: args.lang } : {}) });
        } catch (error) {
          if (!outputFailed(error, outDir)) throw error;
        }
      }
      const logFailure = logFileFailure(logger);
      if (logFailure !== undefined && !outputFailed(logFailure, join(outDir, 'run.log'))) {
        extraWarnings.push(`the log ${join(outDir, 'run.log')} could not be written: ${(logFailure as Error).message}`);
      }
      // What happened and what to do, in one line on stderr and among the summary's warnings.
      const storage = ledgerStorage ? { path: ledgerPath, failure: ledgerStorage } : outputStorage;
      if (storage) {
        const sent = args.dryRun ? 'dry run, nothing was sent' : `${sentThisRun} payout(s) sent`;
        const line = `${sent}; results could not be written to ${storage.path}: ${storage.failure.reason}; ${storageHint(storage.failure.reason)}`;
        extraWarnings.push(line);
        if (ledgerStorage && outputStorage) extraWarnings.push(`results could not be written to ${outputStorage.path} either: ${outputStorage.failure.reason}`);
        process.stderr.write(`${args.dryRun ? 'payout-batch' : 'MONEY NEEDS ATTENTION'}: ${line}\n`);
      }
      const code = decideExitCode({
        // A payout at the provider under one of the batch's order ids that no row accounts for (the reconciliation's
        // listing, or a provider event the ledger kept): money may have left twice, as sync and report say too. And
        // any disagreement the end-of-run reconciliation found about the batch's own rows (a row the provider shows
        // in another state, with another amount, or not at all), as report exits 3 on it. (A provider it could not
        // compare with, and payouts of strangers in the listing, are report's to say: a run is not failed for them.)
        ...(facts === 'ledger'
          ? { counts: tally.countsRecord(), unknownProviderStatuses: unknownWords.rows, exceptions: foundDiffering + (reports.rowExceptions ?? 0), unaccountedPayouts: reports.unaccounted ?? 0 }
          : facts),
        ledgerLost: ledgerLost !== undefined,
        // A dry run that could not write its results did nothing (exit 1); a run that could send did not record it all.
        ...(storage ? (args.dryRun ? { nothingDone: true } : { storageFailed: true }) : {}),
      });
      const summary: RunSummary = {
        command: 'run',
        file: args.file,
        provider: batchLabel,
        providers: routed.length > 0 ? routed : [batchProvider],
        outDir,
        ...(files.csvPath ? { resultsCsv: files.csvPath } : {}),
        ...(files.xlsxPath ? { resultsXlsx: files.xlsxPath } : {}),
        ledgerPath,
        batchId,
        counts: tally.countsRecord(),
        totals: tally.totals(),
        reports: reports.files,
        warnings: [...checked.opened.warnings, ...scope.configWarnings, ...extraWarnings, ...reports.warnings],
        plan: plan.totals,
        issues: digest.summary(),
        ...(reports.unaccounted !== undefined ? { unaccountedPayouts: reports.unaccounted } : {}),
        ...(finishedBefore && !args.dryRun ? { alreadyFinished: { at: finishedBefore.toISOString(), sentNow: sentThisRun } } : {}),
        exitCode: code,
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        timeZone: zone,
      };
      // A signal that came while the results were being written still ends the run with 130.
      if (scope.interrupted()) summary.exitCode = EXIT.INTERRUPTED;
      logger.info({ event: 'finish', exit_code: summary.exitCode, counts: summary.counts });
      process.stdout.write(args.json ? `${formatSummaryJson(summary)}\n` : formatSummaryText(summary));
      return summary.exitCode;
    };

    if (plan.shortfalls.length) {
      await dryResults?.writer.abort();
      const what = plan.shortfalls.map((s) => `${s.provider} needs ${s.currency} ${formatMinorGrouped(s.requiredMinor)} (fees included) but has ${formatMinorGrouped(s.balanceMinor)}`).join('; ');
      throw new RunError('INSUFFICIENT_FUNDS', `the batch does not fit the balance: ${what}; nothing was sent`, { hint: 'fund the account or split the file, then run it again' });
    }
    if (args.dryRun) {
      // Judged by the plan's verdicts: nothing was sent, so the rows it would send are not in doubt.
      const verdicts = Object.fromEntries(Object.entries(plan.verdicts).filter(([, n]) => n !== 0));
      return await finish({ counts: verdicts }, ['dry run: nothing was sent']);
    }

    if (args.target === 'live' && !args.yes) await confirmLive(plan.totals, hosts);
    // The prompt may have waited long: a ledger replaced meanwhile is refused while nothing is sent yet.
    const before = opened.fileChange();
    if (before) throw new RunError('LEDGER_ERROR', `the ledger file ${ledgerPath} was ${before} after it was opened; nothing was sent`, { hint: 'check the file, then run again' });

    // 3. Apply: take the batch for this process, write its rows, and pay. From here a signal stops gracefully.
    scope.holdSignals();
    let dispatchBegan = false;
    let applied: Awaited<ReturnType<typeof applyRunPlan>>;
    try {
      applied = await applyRunPlan({
        ledger,
        plan,
        batch: { fileHash: checked.fileHash, provider: batchProvider, ...ledgerScope, fileName: basename(args.file), rowCount, operator: operatorOf(args.operator, config.operator) },
        writeRows: () => forEachPlannedChunk({ ...planStream, onChunk: async (rows) => void (await ledger.insertRows(batchId, rows.map(ledgerRowInput))) }),
        balances: snapshot.balances,
        capturedAt: startedAt,
        onInvalid: args.onInvalid,
        interrupted: () => scope.interrupted(),
        // Queued rows are read from the ledger page by page as they are sent: never all in memory.
        queuedPageRows: pageRows,
        // On PostgreSQL several `run` workers on the same file share the batch (row leases); on SQLite one pays it.
        shareBatch: supportsRowLeases(ledger),
        dispatch: async (rows, queued, source) => {
          dispatchBegan = true;
          const lanes = new Map<ProviderId, ProviderLane>();
          // Every provider a row of the file routes to (the queued rows are not all read yet), and any an earlier run left in flight.
          for (const id of new Set([...providers, ...rows.map((r) => r.provider)])) {
            lanes.set(id, {
              provider: getProvider(id),
              session: sessions.get(id) ?? createSession(id, target, config),
              rate: args.rate ?? config.providers[id].rate,
              concurrency: args.concurrency ?? config.providers[id].concurrency,
            });
          }
          // Nothing to send (a finished batch run again): no 0/0 bar; the summary says the batch was already finished.
          const reporter = createProgressReporter({ tty: tty && (source !== undefined || (queued?.total ?? rows.length) > 0), log: (record) => logger.info(record) });
          progress = reporter;
          if (scope.interrupted()) reporter.stopping();
          const dispatchStarted = performance.now();
          // A write the storage refuses (disk full) stops the taking of rows as a signal would; requests in flight go on.
          const watched = watchLedgerWrites(ledger);
          watched.stop.addEventListener('abort', () => {
            const first = watched.failure();
            logger.error({ event: 'ledger_write_failed', reason: first?.failure.reason, code: first?.failure.code, message: (first?.error as Error | undefined)?.message }, 'the ledger cannot be written: no new row is taken; requests in flight finish and are recorded where the ledger still can');
            reporter.stopping();
          }, { once: true });
          let leaseLost = 0;
          const result = await dispatchBatch({
            rows,
            ...(queued ? { queued: queued.pages, total: queued.total } : {}),
            ...(source ? { source } : {}),
            onLeaseLost: (row, error) => {
              leaseLost += 1;
              logger.warn({ event: 'lease_lost', row: row.row, provider: row.provider, message: (error as Error).message }, 'another worker took this row (its lease ran out): the write was refused and the row is left to it');
            },
            lanes,
            ledger: watched.ledger,
            environment: args.target,
            maxAttempts: args.maxAttempts,
            signal: AbortSignal.any([scope.signal, watched.stop]),
            cutSignal: scope.cutSignal,
            onResult: (r, row, p) => {
              if (r.cause === 'found_at_provider' || r.cause === 'found_at_provider_differs') foundAtProvider.set(row.provider, (foundAtProvider.get(row.provider) ?? 0) + 1);
              if (r.state !== 'pending' && r.state !== 'paid') logger.warn({ event: 'row', row: row.row, provider: row.provider, state: r.state, cause: r.cause, code: r.errorCode, message: r.errorMessage === undefined ? undefined : messageText(r.errorMessage, 'en') });
              reporter.update(p);
            },
            onHalt: (provider, error) => logger.error({ event: 'provider_halted', provider, kind: error.kind, code: error.providerCode, message: error.message }),
            onLedgerError: (error) => logger.error({ event: 'ledger_error', message: (error as Error).message }),
            onGuard: (provider, outcome) => {
              if ('found' in outcome) logger.info({ event: 'provider_guard', provider, found: outcome.found });
              else {
                const message = (outcome.error as Error)?.message ?? String(outcome.error);
                logger.error({ event: 'provider_guard_failed', provider, message });
                guardFailures.set(provider, message);
              }
            },
          });
          reporter.finish(result.progress, { interrupted: scope.interrupted() });
          checkLedgerFile();
          logger.info({ event: 'dispatched', rows: result.progress.total, ms: Math.round(performance.now() - dispatchStarted), ...result.progress, peak_held: result.peakHeld, ...(source ? { lease_lost: leaseLost } : {}) });
          ledgerStorage ??= watched.failure()?.failure;
          return result;
        },
      });
    } catch (error) {
      const failure = storageFailureOf(error);
      if (!failure) throw error;
      if (!dispatchBegan) throw notSentOnStorageFailure(error, ledgerPath);
      // Payouts may have left: the run still says what it did, from what the ledger holds.
      ledgerStorage ??= failure;
      return await finish('ledger');
    }
    if (applied.kind === 'dispatched' && applied.storageFailure) ledgerStorage ??= applied.storageFailure.failure;
    if (applied.kind === 'aborted') {
      // Nothing was sent on purpose: the not-payable rows are the whole story (its valid rows are released, not lost).
      return await finish({ counts: { invalid: applied.notPayable } }, [`--on-invalid abort: ${applied.notPayable} row(s) are not payable, so nothing was sent`]);
    }

    const warnings: string[] = [];
    for (const [provider, n] of foundAtProvider) {
      warnings.push(`${provider}: ${n} row(s) the ledger had no history of were already at the provider (found by request key): recorded with the provider's state, not sent again`);
    }
    for (const [provider, message] of guardFailures) {
      warnings.push(`${provider}: its payouts could not be listed to check for earlier payments of these rows (${message}), so rows with no history in the ledger were not sent; run the same file again`);
    }
    if (applied.released) warnings.push(`${applied.released} row(s) were not sent; run the same file again to send them`);
    for (const [provider, error] of applied.dispatch.halted) warnings.push(`${provider} stopped: ${error.kind}${error.providerMessage ? ` (${error.providerMessage})` : ''}`);
    if (applied.interrupted) return await finish({ counts: {}, interrupted: true }, warnings);
    if (target.advanceClock && !ledgerStorage && !ledgerLost) {
      // The simulator started for this run stops with it: what it accepted is settled there first, not left pending.
      const { settleInProcess } = await import('./settle-in-process.ts');
      const advanceClock = target.advanceClock.bind(target);
      const settled = await settleInProcess({
        ledger,
        batchId,
        environment: args.target,
        advanceClock,
        lane: (id) => ({ provider: getProvider(id), session: createSession(id, target, config), rate: args.rate ?? config.providers[id].rate, concurrency: args.concurrency ?? config.providers[id].concurrency }),
        maxAttempts: args.maxAttempts,
        signal: scope.signal,
      });
      logger.info({ event: 'settled_in_process', rounds: settled.rounds, asked: settled.rowIds.size, changed: settled.changed });
      if (settled.changed > 0) warnings.push(`the simulator started for this run settled ${settled.changed} payout(s) before it stopped (with --simulator-url they stay pending until sync asks)`);
    }
    return await finish('ledger', warnings);
  });
}

/**
 * A storage failure (disk full, I/O error) before any payout could leave, as the one line the operator acts on; any
 * other error as it is.
 */
function notSentOnStorageFailure(error: unknown, path: string): unknown {
  const failure = storageFailureOf(error);
  if (!failure) return error;
  return new RunError('STORAGE_FAILED', `${path} could not be written: ${failure.reason}; nothing was sent`, { hint: storageHint(failure.reason), cause: error });
}

/** `create()`, with a storage failure turned into STORAGE_FAILED (nothing was sent yet). */
function storageGuard<T>(create: () => T, path: string): T {
  try {
    return create();
  } catch (error) {
    throw notSentOnStorageFailure(error, path);
  }
}

/** Saves the open ledger beside the first path it can write (a new file named by the run's start), or says why not. */
async function saveLedgerCopy(ledger: LedgerStore, besides: readonly string[], startedAt: Date): Promise<{ path: string } | { error: string }> {
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  let error = 'no place to write it';
  for (const near of besides) {
    const path = `${near}.recovered-${stamp}.sqlite`;
    try {
      await ledger.saveCopy(path);
      return { path };
    } catch (failure) {
      error = (failure as Error).message;
    }
  }
  return { error };
}

function ledgerLostMessage(path: string, change: 'deleted' | 'replaced'): string {
  const bar = '!'.repeat(78);
  return [
    '',
    bar,
    `MONEY NEEDS ATTENTION: the ledger file ${path} was ${change} while this run was paying.`,
    'This run kept writing to the file it had opened, which no later run will find: running this batch again',
    'against the file now at that path (or a new one) may pay its rows a second time.',
    'Do not run this batch again until the ledger at that path holds this run\'s rows (the copy named below),',
    'or has been reconciled with this run\'s results.csv and the providers\' own records.',
    bar,
    '',
  ].join('\n');
}

/** Rows planned and written per ledger transaction; PAYOUT_BATCH_PLAN_CHUNK_ROWS (internal, for tests) overrides it. */
const PLAN_CHUNK_ROWS = 5000;
/**
 * Queued rows read from the ledger per page of the dispatch (the in-flight requests of a page are the lanes' own);
 * PAYOUT_BATCH_DISPATCH_PAGE_ROWS (internal, for tests) overrides it.
 */
const DISPATCH_PAGE_ROWS = 1000;
/** Rows per chunk of the planning pass that only counts (and, on a dry run, writes results): no transaction to fill. */
const COUNT_CHUNK_ROWS = 500;

function planChunkRows(): number {
  return rowsFromEnv('PAYOUT_BATCH_PLAN_CHUNK_ROWS', PLAN_CHUNK_ROWS);
}

function dispatchPageRows(): number {
  return rowsFromEnv('PAYOUT_BATCH_DISPATCH_PAGE_ROWS', DISPATCH_PAGE_ROWS);
}

function rowsFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new RunError('USAGE', `${name} must be an integer >= 1, got ${JSON.stringify(raw)}`);
  return n;
}

function feesOf(config: ReturnType<typeof loadConfig>['config']) {
  return Object.fromEntries(Object.entries(config.providers).map(([id, p]) => [id, p.fees])) as Record<ProviderId, (typeof config.providers)[ProviderId]['fees']>;
}

function formatPlan(
  totals: PlanTotal[],
  balances: ReadonlyMap<string, Minor>,
  invalid: number,
  rows: number,
  resumed: boolean,
  where: { target: Target; config: string; hosts: ReadonlyMap<ProviderId, string> },
): string {
  const lines = [`plan${resumed ? ' (resuming this batch)' : ''}: ${rows} row(s), ${invalid} not payable`];
  for (const t of totals) {
    const balance = balances.get(`${t.provider}|${t.currency}`);
    lines.push(
      `  ${t.provider.padEnd(13)} ${String(t.count).padStart(7)} payouts  ${t.currency} ${formatMinorGrouped(t.amountMinor).padStart(18)}  fees+IVA ${formatMinorGrouped(t.feeMinor + t.ivaMinor).padStart(12)}${balance !== undefined ? `  balance ${formatMinorGrouped(balance)}` : ''}`,
    );
  }
  if (!totals.length) lines.push('  nothing to send');
  lines.push(`${where.target} via (config: ${where.config}):`);
  for (const [id, host] of where.hosts) lines.push(`  ${id.padEnd(13)} ${host}`);
  return `${lines.join('\n')}\n`;
}

async function confirmLive(totals: PlanTotal[], hosts: ReadonlyMap<ProviderId, string>): Promise<void> {
  const what = totals.map((t) => `${t.count} payouts ${t.currency} ${formatMinor(t.debitMinor)} via ${t.provider} (${hosts.get(t.provider) ?? '?'})`).join(', ');
  if (!(await confirmByTyping(`LIVE: pay ${what || 'nothing'}?`, 'pay'))) throw new RunError('CONFIRMATION_REQUIRED', 'live run not confirmed; nothing was sent');
}

/** Who runs the batch: --operator, the config's "operator", else the OS user (none when the OS cannot say). */
function operatorOf(flag: string | undefined, configured: string | undefined): string | undefined {
  if (flag?.trim()) return flag.trim();
  if (configured) return configured;
  try {
    return userInfo().username || undefined;
  } catch {
    return undefined;
  }
}
