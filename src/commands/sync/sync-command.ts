import { join } from 'node:path';
import type { Target } from '../../config/config-types.ts';
import type { ProviderId } from '../../domain/provider-id.ts';
import { mapRows } from '../../ledger/collect-rows.ts';
import type { Batch, BatchEnvironment, LedgerRow, LedgerStore } from '../../ledger/ledger-store.ts';
import { baseUrlOrigin } from '../../providers/base-urls.ts';
import { getProvider } from '../../providers/registry.ts';
import { describeOtherEnvironments } from '../../report/report-scope.ts';
import { writeReports } from '../../report/write-reports.ts';
import type { WorkbookLang } from '../../report/workbook-language.ts';
import { EXIT, RunError } from '../../run-error.ts';
import { lookupWouldResend } from '../../sync/lookup-resends.ts';
import { checkWatchPeriod, DEFAULT_RETURN_WINDOW_DAYS, describeWatchPeriod } from '../../config/watch-periods.ts';
import { returnWindowStart } from '../../sync/return-window.ts';
import { SYNC_STATUSES, syncBatches, type SyncReport } from '../../sync/sync-batches.ts';
import { resultRowFromLedger } from '../../write/result-row-from-ledger.ts';
import { writeResultsFile, type ResultsFiles } from '../../write/results-writer.ts';
import { formatSummaryJson, formatSummaryText, type RunSummary } from '../../write/summary.ts';
import { withCommandScope, type CommandScope } from '../shared/command-scope.ts';
import { canPrompt, confirmByTyping } from '../shared/confirm.ts';
import { createOutputDir } from '../shared/output-dir.ts';
import { createSession } from '../shared/provider-sessions.ts';
import { decideExitCode } from '../shared/exit-code.ts';
import { Tally } from '../shared/tally.ts';
import { providerLabel } from '../shared/batch-label.ts';
import { displayZone, parseTzOption } from '../shared/display-zone.ts';
import { UnknownStatusWords } from '../shared/unknown-status-words.ts';
import { messageText } from '../../messages/stored-message.ts';

export interface SyncArgs {
  batch?: string;
  all: boolean;
  untilFinal: boolean;
  /** Seconds --until-final may take. */
  timeout: number;
  maxAttempts: number;
  target: Target;
  simulatorUrl?: string;
  ledger?: string;
  config?: string;
  out?: string;
  /** --force: use an --out folder that already holds files. */
  force?: boolean;
  format: 'csv' | 'xlsx' | 'both';
  /** --lang: the workbooks' language (default es). */
  lang?: WorkbookLang;
  json: boolean;
  /** --tz: the zone of the dates shown (default: config "timeZone", else the providers' country). */
  tz?: string;
  /** On sandbox/live, lets a lookup resend a row's payout request without asking. */
  yes: boolean;
  /**
   * Paid rows that became paid within this many days are asked about again (returns); 0 turns it off. Default: the
   * config's "returnWindowDays", else 30.
   */
  returnWindowDays?: number;
}

/** What tests replace: the wait between --until-final rounds, and the interrupt. */
export interface SyncDeps {
  pause?: (ms: number, signal: AbortSignal) => Promise<void>;
  pauseMs?: number;
  signal?: AbortSignal;
  /** The question before a resend on sandbox/live (default: the terminal, when there is one). */
  prompt?: { canPrompt: () => boolean; confirm: (question: string) => Promise<boolean> };
}

/**
 * `payout-batch sync`: asks the providers for the state of every pending, unknown (and dead run's sending) row of a
 * batch (--batch, --all, or the most recent), records each change in the ledger's history, and writes the batch's
 * results. Paid rows that became paid within --return-window-days (else the config's "returnWindowDays", else 30) are asked about again, once: a return
 * is recorded as the ledger's reversal (paid → failed, RETURNED), a payout the provider no longer has or shows with
 * another amount stays paid flagged PROVIDER_DELETED / AMOUNT_CHANGED. The exit code judges every row of the
 * batches in scope, however it got there (a webhook may have failed a row no sync asked about): 0 when all are paid
 * or pending, 2 when some are not payable, 3 when money needs attention (failed, unknown, not sent, returned, deleted
 * or changed at the provider, a batch held by another process, not final when --until-final ran out of time), 1 when
 * no provider could answer at all (exit-code.ts).
 */
export async function syncCommand(args: SyncArgs, deps: SyncDeps = {}): Promise<number> {
  if (!(args.maxAttempts >= 1)) throw new RunError('USAGE', '--max-attempts must be at least 1');
  if (!(Number.isFinite(args.timeout) && args.timeout >= 0)) throw new RunError('USAGE', '--timeout must be a number of seconds ≥ 0');
  if (args.returnWindowDays !== undefined && checkWatchPeriod('returnWindowDays', args.returnWindowDays) === undefined) {
    throw new RunError('USAGE', `--return-window-days must be ${describeWatchPeriod('returnWindowDays')}`);
  }
  if (args.batch !== undefined && args.all) throw new RunError('USAGE', '--batch and --all cannot be used together');
  const tz = parseTzOption(args.tz);
  if (args.target === 'simulator' && !args.simulatorUrl) {
    // A simulator started here would be empty: it has none of the payouts the ledger asks about.
    throw new RunError('USAGE', 'sync against the simulator needs the simulator the batch was paid against', {
      hint: 'pass --simulator-url of that simulator (e.g. http://127.0.0.1:4010)',
    });
  }
  return withCommandScope({ config: args.config, target: args.target, signal: deps.signal }, async (scope) => {
    const { config, startedAt } = scope;
    const windowDays = args.returnWindowDays ?? config.returnWindowDays ?? DEFAULT_RETURN_WINDOW_DAYS;
    const { ledger, ledgerPath } = await scope.openLedger({ path: args.ledger, mustExist: { hint: 'pass --ledger of the run that paid the batch' } });
    // Assigned once the output folder exists; the interrupt handler, registered first, may run before that.
    // eslint-disable-next-line prefer-const
    let logger: ReturnType<CommandScope['createLogger']> | undefined;
    scope.onInterrupt((signal) => {
      logger?.warn({ event: 'interrupt', signal }, 'stopping after the calls in flight');
      if (!args.json && signal !== 'abort') process.stderr.write(`\n${signal}: stopping after the calls in flight…\n`);
    });

    const { batches, otherEnvironments } = await scopeBatches(ledger, args, ledgerPath);
    // Inside the window, and flagged or PAID_TWICE rows whatever their age (LedgerStore.rowsToRecheck); 0 days turns
    // every re-check off.
    const paidSince = windowDays > 0 ? returnWindowStart(startedAt, windowDays) : undefined;
    const providers = await providersInScope(ledger, batches, paidSince);
    const providersOf = new Map(await Promise.all(batches.map(async (b) => [b.id, await ledger.batchProviders(b.id)] as const)));
    const batchProviders = [...new Set([...providersOf.values()].flat())].sort();
    const target = await scope.connectTarget({ target: args.target, ...(args.simulatorUrl ? { simulatorUrl: args.simulatorUrl } : {}), providers: providers.length ? providers : [batches[0]!.provider] });
    const single = batches.length === 1 ? batches[0] : undefined;
    const outDir = await createOutputDir({ command: 'sync', ...(single ? { file: single.fileName } : {}), out: args.out, force: args.force, now: startedAt });
    logger = scope.createLogger({ file: join(outDir, 'sync.log'), stderr: false, base: { command: 'sync' } });
    const log = logger;
    const hosts = Object.fromEntries(providers.map((id) => [id, baseUrlOrigin(createSession(id, target, config).baseUrl)]));
    log.info({ event: 'start', batches: batches.map((b) => b.id), target: args.target, config: config.source, hosts, ledger: ledgerPath, untilFinal: args.untilFinal, timeoutSeconds: args.timeout });
    const mayResend = await resendPermission(ledger, batches, args, hosts, deps.prompt ?? { canPrompt, confirm: (question) => confirmByTyping(question, 'resend') });

    const report = await syncBatches({
      ledger,
      batchIds: batches.map((b) => b.id),
      environment: args.target,
      lane: (id) => ({
        provider: getProvider(id),
        session: createSession(id, target, config),
        rate: config.providers[id].rate,
        concurrency: config.providers[id].concurrency,
      }),
      maxAttempts: args.maxAttempts,
      ...(paidSince ? { paidSince } : {}),
      ...(mayResend ? { mayResend } : {}),
      untilFinal: args.untilFinal,
      timeoutMs: args.timeout * 1000,
      ...(deps.pause ? { pause: deps.pause } : {}),
      ...(deps.pauseMs !== undefined ? { pauseMs: deps.pauseMs } : {}),
      signal: scope.signal,
      onRow: (r) => {
        const record = { event: 'row', batch: r.batchId, row: r.rowNumber, provider: r.provider, via: r.via, verdict: r.verdict, from: r.before, to: r.after, changed: r.changed, providerStatus: r.providerStatus, code: r.errorCode, message: r.errorMessage === undefined ? undefined : messageText(r.errorMessage, 'en'), ...(r.recheck ? { recheck: true } : {}), ...(r.finding ? { finding: r.finding } : {}), ...(r.cleared ? { cleared: r.cleared } : {}) };
        if (r.finding || r.verdict === 'unknown' || r.verdict === 'skipped') log.warn(record);
        else if (r.changed) log.info(record);
        else log.debug(record);
      },
      onRound: (round) => {
        log.info({ event: 'round', ...round });
        if (!args.json) process.stderr.write(`sync round ${round.round}: asked ${round.asked}, changed ${round.changed}, no answer ${round.unanswered}, not final ${round.notFinal}${round.withheld ? `, not re-sent ${round.withheld}` : ''}\n`);
      },
      onBatchLocked: (batchId, owner) =>
        log.warn({ event: 'batch_locked', batch: batchId, pid: owner.pid, host: owner.host, since: owner.startedAt.toISOString() }, 'a live run holds the batch: its rows without a payout id are left to it'),
    });

    const warnings: string[] = [...scope.configWarnings];
    if (otherEnvironments.size > 0) warnings.push(otherEnvironmentsWarning(args.target, otherEnvironments));
    for (const [batchId, owner] of report.lockedBatches) {
      warnings.push(`batch ${batchId} is being dispatched by pid ${owner.pid} on ${owner.host}: its sending/unknown rows without a payout id were left to that run`);
    }
    if (report.withheld.size) {
      warnings.push(`${report.withheld.size} unknown row(s) were not re-sent and stay unknown: on ${args.target}, settling them sends their payout request again, which needs --yes or a confirmation at the prompt`);
    }
    if (report.rowIds.size === 0 && report.withheld.size === 0) {
      warnings.push(`nothing to sync: no pending or unknown rows in scope${windowDays > 0 ? `, and no row paid in the last ${windowDays} day(s)` : ''}`);
    }
    const found = countFindings(report);
    if (found.returnReversed > 0) {
      warnings.push(`${found.returnReversed} returned row(s) are paid again: the provider shows their payout paid again (the return was reversed), and the ledger now holds them paid`);
    }
    for (const twice of report.paidTwice.values()) {
      warnings.push(
        `money needs attention: the payout of batch ${twice.batchId} row ${twice.rowNumber}, returned earlier, is paid again at the provider, and batch ${twice.owner.batchId} row ${twice.owner.rowNumber} paid the same order id after the return: the order id was paid twice (flagged PAID_TWICE; recover one of the payouts)`,
      );
    }
    if (found.returned + found.deleted + found.amountChanged > 0) {
      warnings.push(
        `money needs attention: ${found.returned} paid row(s) returned (now failed), ${found.deleted} deleted at the provider, ${found.amountChanged} with another amount at the provider (flagged PROVIDER_DELETED / AMOUNT_CHANGED, still paid); see the results file and the reconciliation`,
      );
    }
    if (report.timedOut) warnings.push(`--until-final: some rows were not final after ${args.timeout} s; run sync again later`);

    // Results: one file for one batch; with --all, one per batch in a folder named by its id.
    const tally = new Tally();
    const unknownWords = new UnknownStatusWords();
    let files: ResultsFiles | undefined;
    for (const batch of batches) {
      for await (const row of ledger.rowsForReport({ batchId: batch.id })) {
        tally.add(row.status, row.currency, row.amountMinor);
        unknownWords.note(row);
      }
      const dir = single ? outDir : join(outDir, batch.id);
      const written = await writeResultsFile(dir, args.format, mapRows(ledger.rowsForReport({ batchId: batch.id }), resultRowFromLedger), { ...(args.lang ? { lang: args.lang } : {}) });
      if (single) files = written;
    }
    if (!single) warnings.push(`one results file per batch under ${outDir}/<batch id>/`);
    // Statement and reconciliation of the batches in scope, from the ledger as this sync left it.
    const reports = await writeReports({
      ledger,
      scope: single ? { batchId: single.id } : { all: true },
      environment: args.target,
      outDir,
      format: args.format,
      config,
      // Every provider the batches' rows went to (a mixed batch has several), not only the one each is filed under.
      sessions: new Map([...new Set([...batches.map((b) => b.provider), ...batchProviders, ...providers])].map((id) => [id, createSession(id, target, config)])),
      ledgerPath,
      ...(args.lang ? { lang: args.lang } : {}),
    });
    warnings.push(...reports.warnings, ...unknownWords.warnings());

    const code = decideExitCode({
      unknownProviderStatuses: unknownWords.rows,
      counts: tally.countsRecord(),
      interrupted: report.interrupted,
      nothingDone: report.rowIds.size > 0 && report.neverAnswered === report.rowIds.size,
      lockedBatches: report.lockedBatches.size,
      // Paid rows deleted or changed in amount at the provider: ledger and provider disagree (returns count as failed).
      // A reversed return whose order id another row paid again: two payouts of one order (the row stays failed too).
      exceptions: found.deleted + found.amountChanged + found.paidTwice,
      // Payouts a provider event showed under the batches' order ids that no row holds (the reconciliation lists them).
      unaccountedPayouts: reports.unaccounted,
      notFinalInTime: args.untilFinal && (report.timedOut || tally.count('pending') > 0),
    });
    if (code === EXIT.FATAL) warnings.push('no provider answered: check the network, the credentials and --simulator-url, then run sync again');
    const summary: RunSummary = {
      command: 'sync',
      file: single ? single.fileName : `${batches.length} batches`,
      // Named by the providers the rows go to: a mixed batch is "mixed", not the provider it is filed under.
      provider: single ? providerLabel(batchProviders, single.provider) : [...new Set(batches.map((b) => providerLabel(providersOf.get(b.id) ?? [], b.provider)))].join(','),
      providers: batchProviders.length > 0 ? batchProviders : [...new Set(batches.map((b) => b.provider))].sort(),
      outDir,
      ...(files?.csvPath ? { resultsCsv: files.csvPath } : {}),
      ...(files?.xlsxPath ? { resultsXlsx: files.xlsxPath } : {}),
      ledgerPath,
      reports: reports.files,
      ...(single ? { batchId: single.id } : {}),
      counts: tally.countsRecord(),
      totals: tally.totals(),
      warnings,
      ...(windowDays > 0 ? { returnWindow: { days: windowDays, rechecked: report.rechecked.size, ...found, cleared: report.cleared.size } } : {}),
      exitCode: code,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      timeZone: await displayZone(tz, config.timeZone, batchProviders.length > 0 ? batchProviders : batches.map((b) => b.provider)),
    };
    log.info({ event: 'finish', exit_code: code, rounds: report.rounds, asked: report.rowIds.size, answered: report.answered, changed: report.changed, counts: summary.counts });
    process.stdout.write(args.json ? `${formatSummaryJson(summary)}\n` : formatSummaryText(summary));
    return code;
  });
}

/**
 * The batches of --target's environment only: a simulator batch is never asked about with live credentials (nor a
 * live one against the simulator), and a legacy batch (environment unknown) is not either, since its target is not
 * known. The others are counted per environment for the summary.
 */
async function scopeBatches(ledger: LedgerStore, args: SyncArgs, ledgerPath: string): Promise<{ batches: Batch[]; otherEnvironments: Map<BatchEnvironment, number> }> {
  const all = await ledger.listBatches();
  const otherEnvironments = new Map<BatchEnvironment, number>();
  for (const b of all) if (b.environment !== args.target) otherEnvironments.set(b.environment, (otherEnvironments.get(b.environment) ?? 0) + 1);
  if (args.batch !== undefined) {
    const batch = await ledger.getBatch(args.batch);
    if (!batch) throw new RunError('USAGE', `no batch ${args.batch} in the ledger at ${ledgerPath}`, { hint: 'the batch id is printed in every run summary' });
    if (batch.environment !== args.target) {
      throw new RunError('BATCH_OF_OTHER_ENVIRONMENT', `batch ${batch.id} was paid on ${batch.environment === 'unknown' ? 'an unknown target (recorded before the ledger kept environments)' : batch.environment}, not ${args.target}; nothing was asked`, {
        hint: batch.environment === 'unknown' ? 'its target is not recorded: check it with the providers directly' : `run sync with --target ${batch.environment}`,
      });
    }
    return { batches: [batch], otherEnvironments };
  }
  const mine = all.filter((b) => b.environment === args.target);
  if (mine.length === 0) {
    throw new RunError('USAGE', `the ledger at ${ledgerPath} has no ${args.target} batch to sync${otherEnvironments.size ? ` (${describeOtherEnvironments(otherEnvironments)})` : ''}`, { hint: 'pass --ledger of the run that paid the batch, and its --target' });
  }
  // listBatches is newest first.
  return { batches: args.all ? mine : [mine[0]!], otherEnvironments };
}

function otherEnvironmentsWarning(target: Target, others: ReadonlyMap<BatchEnvironment, number>): string {
  return `only ${target} batches were synced; the ledger also holds ${describeOtherEnvironments(others)}, left as they are`;
}

/**
 * Providers whose rows will be asked about (a `provider` column may route rows away from the batch's provider),
 * paid rows inside the return window included: their credentials and hosts are checked and logged like the others.
 */
async function providersInScope(ledger: LedgerStore, batches: readonly Batch[], paidSince: Date | undefined): Promise<ProviderId[]> {
  const ids = new Set<ProviderId>();
  for (const batch of batches) {
    for await (const row of ledger.rowsByStatus(batch.id, SYNC_STATUSES)) ids.add(row.provider);
    if (paidSince) for await (const row of ledger.rowsToRecheck(batch.id, paidSince)) ids.add(row.provider);
  }
  return [...ids];
}

/**
 * On sandbox and live a lookup that resends moves money (lookup-resends.ts), so it needs --yes or a "resend" typed at
 * the prompt, asked once for the rows in scope now. With no terminal and no --yes, none is resent. The simulator
 * resends freely (undefined: no check).
 */
async function resendPermission(
  ledger: LedgerStore,
  batches: readonly Batch[],
  args: SyncArgs,
  hosts: Record<string, string>,
  prompt: NonNullable<SyncDeps['prompt']>,
): Promise<((row: LedgerRow) => boolean) | undefined> {
  if (args.target === 'simulator' || args.yes) return undefined;
  const candidates = new Map<number, ProviderId>();
  for (const batch of batches) {
    for await (const row of ledger.rowsByStatus(batch.id, ['unknown', 'sending'])) if (lookupWouldResend(row)) candidates.set(row.id, row.provider);
  }
  if (candidates.size === 0 || !prompt.canPrompt()) return () => false;
  const via = [...new Set(candidates.values())].map((id) => `${id} (${hosts[id] ?? '?'})`).join(', ');
  const question = `${args.target.toUpperCase()}: ${candidates.size} row(s) have an unknown outcome; settling them sends their payout request again (same key) to ${via}. Re-send?`;
  const confirmed = await prompt.confirm(question);
  return (row) => confirmed && candidates.has(row.id);
}

function countFindings(report: SyncReport): { returned: number; deleted: number; amountChanged: number; returnReversed: number; paidTwice: number } {
  const kinds = [...report.findings.values()];
  return {
    returned: kinds.filter((k) => k === 'returned').length,
    deleted: kinds.filter((k) => k === 'deleted').length,
    amountChanged: kinds.filter((k) => k === 'amount_changed').length,
    returnReversed: kinds.filter((k) => k === 'return_reversed').length,
    paidTwice: kinds.filter((k) => k === 'paid_twice').length,
  };
}

