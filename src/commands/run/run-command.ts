import { basename, join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { loadConfig } from '../../config/load-config.ts';
import type { Target } from '../../config/config-types.ts';
import { dedupeAgainstLedger } from '../../dedupe/dedupe-against-ledger.ts';
import { dispatchBatch, type ProviderLane } from '../../dispatch/dispatch-batch.ts';
import { withRetries } from '../../dispatch/retry-policy.ts';
import type { DispatchRow } from '../../dispatch/dispatch-types.ts';
import { instructionFromRow } from '../../dispatch/instruction-from-row.ts';
import type { Minor } from '../../domain/money.ts';
import { formatMinor } from '../../domain/money.ts';
import type { CheckedRow } from '../../domain/payout-row.ts';
import type { ProviderId } from '../../domain/provider-id.ts';
import { batchIdFor } from '../../ledger/batch-identity.ts';
import { isLedgerError } from '../../ledger/ledger-error.ts';
import { defaultLedgerPath } from '../../ledger/ledger-path.ts';
import type { LedgerRow, LedgerStore } from '../../ledger/ledger-store.ts';
import { openSqliteLedger } from '../../ledger/sqlite-ledger.ts';
import { closeLogger, createLogger } from '../../log/logger.ts';
import { fundsShortfalls, planTotals, type PlanTotal } from '../../plan/plan-batch.ts';
import { closeHttpAgent } from '../../providers/http-client.ts';
import { getProvider } from '../../providers/registry.ts';
import { parseMapOption } from '../../read/parse-map-option.ts';
import { writeReports } from '../../report/write-reports.ts';
import { EXIT, RunError } from '../../run-error.ts';
import { resultRowFromChecked, writeResultsFile } from '../../write/results-writer.ts';
import type { ResultRow } from '../../domain/result-row.ts';
import { formatMinorGrouped } from '../../write/format-amount.ts';
import { formatSummaryJson, formatSummaryText, type RunSummary } from '../../write/summary.ts';
import { checkFile } from '../shared/check-file.ts';
import { ledgerRowInput, resultRowFromLedger } from '../shared/ledger-rows.ts';
import { Tally } from '../shared/tally.ts';
import { createOutputDir } from '../shared/output-dir.ts';
import { connectTarget, createSession } from '../shared/provider-sessions.ts';
import { createProgressReporter } from './progress.ts';

export interface RunArgs {
  file: string;
  provider: ProviderId;
  target: Target;
  simulatorUrl?: string;
  ledger?: string;
  config?: string;
  sheet?: string;
  map?: string[];
  out?: string;
  format: 'csv' | 'xlsx' | 'both';
  rate?: number;
  concurrency?: number;
  maxAttempts: number;
  onInvalid: 'skip' | 'abort';
  dryRun: boolean;
  yes: boolean;
  json: boolean;
}

/** Rows that have been sent (or may have been): anything in these states is already the provider's. */
const IN_FLIGHT = ['sending', 'unknown'] as const;

/**
 * `payout-batch run`: plan (validate, dedupe in the file and against the ledger, totals, funds), then pay every
 * valid row exactly once, and write the results. Re-running the same file resumes the same batch.
 */
export async function runCommand(args: RunArgs): Promise<number> {
  const startedAt = new Date();
  if (!(args.maxAttempts >= 1)) throw new RunError('USAGE', '--max-attempts must be at least 1');
  for (const [flag, value] of [['--rate', args.rate], ['--concurrency', args.concurrency]] as const) {
    if (value !== undefined && !(value > 0)) throw new RunError('USAGE', `${flag} must be a positive number`);
  }
  const { config, errors: configErrors, warnings: configWarnings } = loadConfig({ path: args.config, target: args.target });
  if (configErrors.length) throw new RunError('CONFIG_INVALID', configErrors.join('; '), { hint: 'fix the config file (see README, "Config file")' });
  if (args.target === 'live' && !args.yes && !process.stdin.isTTY) {
    throw new RunError('CONFIRMATION_REQUIRED', 'a live run needs confirmation', { hint: 'pass --yes to pay without the interactive prompt' });
  }

  // 1. Read and validate the whole file before anything else: a file that cannot be read costs nothing.
  const checkedRows: CheckedRow[] = [];
  const checked = await checkFile({
    file: args.file,
    provider: args.provider,
    target: args.target,
    sheet: args.sheet,
    map: parseMapOption(args.map),
    onRow: (row) => void checkedRows.push(row),
  });
  const byRow = new Map(checkedRows.map((r, i) => [r.row, i]));
  for (const [rowNumber, late] of checked.lateConflicts) {
    const i = byRow.get(rowNumber)!;
    const row = checkedRows[i]!;
    checkedRows[i] = { ...row, status: 'conflict', issues: [...row.issues.filter((x) => x.code !== 'DUPLICATE_ORDER_ID'), late.issue] };
  }
  const providers = [...new Set([args.provider, ...checkedRows.flatMap((r) => (r.payout ? [r.payout.provider] : []))])];

  const ledgerPath = resolve(args.ledger ?? config.ledgerPath ?? defaultLedgerPath());
  const target = await connectTarget({ target: args.target, simulatorUrl: args.simulatorUrl, providers });
  const outDir = await createOutputDir({ command: 'run', file: args.file, out: args.out, now: startedAt });
  const logFile = join(outDir, 'run.log');
  const tty = Boolean(process.stderr.isTTY) && !args.json;
  // The log goes to a file beside the results; stderr stays for the plan, the progress bar and one-line errors.
  const logger = createLogger({ file: logFile, stderr: false, base: { command: 'run' } });
  let ledger: LedgerStore | undefined;
  const controller = new AbortController();
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    logger.warn({ event: 'interrupt', signal }, 'stopping: no new rows are taken; in-flight requests finish or are recorded as unknown');
    if (tty) process.stderr.write(`\n${signal}: stopping after the requests in flight…\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    try {
      ledger = openSqliteLedger(ledgerPath);
    } catch (error) {
      throw new RunError('LEDGER_ERROR', `cannot open the ledger at ${ledgerPath}: ${(error as Error).message}`, { cause: error });
    }
    const batchId = batchIdFor(checked.fileHash, args.provider);
    const existing = ledger.getBatch(batchId);
    logger.info({ event: 'start', batch: batchId, file: args.file, provider: args.provider, target: args.target, ledger: ledgerPath, resumed: Boolean(existing), rows: checkedRows.length });

    // 2. Dedupe against every earlier run (the ledger enforces the same rule again when the rows are written).
    const planned = dedupeWithLedger(ledger, checkedRows, batchId);

    // 3. Plan: what would be sent, totals with fees, funds where the provider reports a balance.
    const sessions = new Map(providers.map((id) => [id, createSession(id, target, config)] as const));
    const toSend = existing ? ledgerPayable(ledger, batchId) : planned.filter((r) => r.status === 'valid' && r.payout).map((r) => r.payout!);
    const totals = planTotals(toSend.map((p) => ({ provider: p.provider, currency: p.currency, amountMinor: p.amountMinor })), feesOf(config));
    const balances = await readBalances(providers, sessions);
    const invalidCount = planned.filter((r) => r.status !== 'valid').length;
    const planText = formatPlan(totals, balances, invalidCount, checkedRows.length, Boolean(existing));
    if (!args.json) process.stderr.write(planText);
    logger.info({ event: 'plan', totals, balances: Object.fromEntries(balances), invalid: invalidCount });

    const shortfalls = fundsShortfalls(totals, balances);
    const finish = async (code: number, extraWarnings: string[] = []) => {
      const inLedger = Boolean(ledger!.getBatch(batchId));
      const tally = new Tally();
      let rows: ResultRow[];
      if (inLedger) {
        const ledgerRows = [...ledger!.rowsForReport({ batchId })];
        for (const r of ledgerRows) tally.add(r.status, r.currency, r.amountMinor);
        rows = ledgerRows.map(resultRowFromLedger);
      } else {
        // Dry run of a new batch: the plan's verdicts; nothing is in the ledger yet.
        for (const r of planned) tally.add(r.status === 'valid' ? 'queued' : r.status, r.payout?.currency ?? r.input.currency, r.payout?.amountMinor);
        rows = planned.map((r) => ({ ...resultRowFromChecked(r), status: r.status === 'valid' ? 'queued' : r.status, note: 'dry run: not sent' }));
      }
      const files = await writeResultsFile(outDir, args.format, rows);
      // Statement and reconciliation as of the end of this run (a dry run of a new batch has nothing in the ledger).
      const reports = inLedger
        ? await writeReports({ ledger: ledger!, scope: { batchId }, outDir, format: args.format, config, sessions, ledgerPath })
        : { files: [], warnings: [] };
      const summary: RunSummary = {
        command: 'run',
        file: args.file,
        provider: args.provider,
        outDir,
        resultsCsv: files.csvPath,
        resultsXlsx: files.xlsxPath,
        ledgerPath,
        batchId,
        counts: tally.countsRecord(),
        totals: tally.totals(),
        reports: reports.files,
        warnings: [...checked.opened.warnings, ...configWarnings, ...extraWarnings, ...reports.warnings],
        plan: totals,
        exitCode: code,
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
      };
      logger.info({ event: 'finish', exitCode: code, counts: summary.counts });
      process.stdout.write(args.json ? `${formatSummaryJson(summary)}\n` : formatSummaryText(summary));
      return code;
    };

    if (shortfalls.length) {
      const what = shortfalls.map((s) => `${s.provider} needs ${s.currency} ${formatMinorGrouped(s.requiredMinor)} (fees included) but has ${formatMinorGrouped(s.balanceMinor)}`).join('; ');
      throw new RunError('INSUFFICIENT_FUNDS', `the batch does not fit the balance: ${what}; nothing was sent`, { hint: 'fund the account or split the file, then run it again' });
    }
    if (args.dryRun) return await finish(invalidCount ? EXIT.ROWS_NEED_ATTENTION : EXIT.OK, ['dry run: nothing was sent']);

    if (args.target === 'live' && !args.yes) await confirmLive(totals);

    // 4. Take the batch for this process, write its rows, and pay.
    let lock;
    try {
      ledger.openBatch({ fileHash: checked.fileHash, provider: args.provider, fileName: basename(args.file), rowCount: checkedRows.length });
      lock = ledger.acquireBatchLock(batchId);
    } catch (error) {
      if (isLedgerError(error) && error.code === 'BATCH_LOCKED') {
        throw new RunError('BATCH_LOCKED', `${error.message}`, { hint: 'another run is paying this batch; wait for it to finish', cause: error });
      }
      throw error;
    }
    try {
      ledger.insertRows(batchId, planned.map(ledgerRowInput));
      ledger.requeueNotSent(batchId);
      for (const [id, balance] of balances) {
        const [provider, currency] = id.split('|') as [ProviderId, 'MXN' | 'ARS'];
        ledger.saveOpeningBalance(batchId, { provider, currency, amountMinor: balance, capturedAt: startedAt });
      }
      const anyInvalid = ledger.countsByStatus(batchId);
      const notPayable = anyInvalid.invalid.count + anyInvalid.duplicate.count + anyInvalid.conflict.count;
      if (args.onInvalid === 'abort' && notPayable > 0) {
        ledger.releaseQueued(batchId, 'aborted');
        lock.release();
        return await finish(EXIT.ROWS_NEED_ATTENTION, [`--on-invalid abort: ${notPayable} row(s) are not payable, so nothing was sent`]);
      }

      ledger.setBatchStatus(batchId, 'dispatching');
      const rows = [...ledger.rowsByStatus(batchId, [...IN_FLIGHT, 'queued'])].map(dispatchRow);
      const lanes = new Map<ProviderId, ProviderLane>();
      for (const id of new Set(rows.map((r) => r.provider))) {
        lanes.set(id, {
          provider: getProvider(id),
          session: sessions.get(id) ?? createSession(id, target, config),
          rate: args.rate ?? config.providers[id].rate,
          concurrency: args.concurrency ?? config.providers[id].concurrency,
        });
      }
      const progress = createProgressReporter({ tty, log: (record) => logger.info(record) });
      const dispatchStarted = performance.now();
      const result = await dispatchBatch({
        rows,
        lanes,
        ledger,
        maxAttempts: args.maxAttempts,
        signal: controller.signal,
        onResult: (r, row, p) => {
          if (r.state !== 'pending' && r.state !== 'paid') logger.warn({ event: 'row', row: row.row, provider: row.provider, state: r.state, cause: r.cause, code: r.errorCode, message: r.errorMessage });
          progress.update(p);
        },
        onHalt: (provider, error) => logger.error({ event: 'provider_halted', provider, kind: error.kind, code: error.providerCode, message: error.message }),
        onLedgerError: (error) => logger.error({ event: 'ledger_error', message: (error as Error).message }),
      });
      progress.finish(result.progress);
      logger.info({ event: 'dispatched', rows: rows.length, ms: Math.round(performance.now() - dispatchStarted), ...result.progress });

      // Rows this run did not send stay visible as not_sent; the next run of the same file requeues them.
      const halt = [...result.halted.values()][0];
      const released = ledger.releaseQueued(batchId, interrupted ? 'interrupted' : halt?.kind === 'insufficient_funds' ? 'insufficient_funds' : 'aborted');
      ledger.setBatchStatus(batchId, interrupted ? 'interrupted' : 'finished');
      lock.release();

      const counts = ledger.countsByStatus(batchId);
      const attention = counts.invalid.count + counts.duplicate.count + counts.conflict.count + counts.failed.count + counts.unknown.count + counts.not_sent.count + counts.sending.count + counts.queued.count;
      const warnings: string[] = [];
      if (released) warnings.push(`${released} row(s) were not sent; run the same file again to send them`);
      for (const [provider, error] of result.halted) warnings.push(`${provider} stopped: ${error.kind}${error.providerMessage ? ` (${error.providerMessage})` : ''}`);
      if (interrupted) return await finish(EXIT.INTERRUPTED, warnings);
      return await finish(attention ? EXIT.ROWS_NEED_ATTENTION : EXIT.OK, warnings);
    } finally {
      lock.release();
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    ledger?.close();
    await closeHttpAgent();
    await target.close();
    await closeLogger(logger);
  }
}

function dedupeWithLedger(ledger: LedgerStore, rows: CheckedRow[], batchId: string): CheckedRow[] {
  const keysByProvider = new Map<ProviderId, string[]>();
  for (const r of rows) {
    if (r.status !== 'valid' || !r.payout) continue;
    const list = keysByProvider.get(r.payout.provider) ?? [];
    list.push(r.payout.orderId);
    keysByProvider.set(r.payout.provider, list);
  }
  const owners = new Map<string, ReturnType<LedgerStore['findKeyOwners']> extends Map<string, infer O> ? O : never>();
  for (const [provider, keys] of keysByProvider) {
    for (const [key, owner] of ledger.findKeyOwners(provider, keys)) owners.set(`${provider}:${key}`, owner);
  }
  return rows.map((r) => (r.payout ? dedupeAgainstLedger(r, owners.get(`${r.payout.provider}:${r.payout.orderId}`), batchId) : r));
}

/** For a batch already in the ledger: what is still to be sent or settled. */
function ledgerPayable(ledger: LedgerStore, batchId: string) {
  return [...ledger.rowsByStatus(batchId, ['queued', 'not_sent', ...IN_FLIGHT])].flatMap((r) =>
    r.amountMinor !== undefined && r.currency ? [{ provider: r.provider, currency: r.currency, amountMinor: r.amountMinor }] : [],
  );
}

function dispatchRow(row: LedgerRow): DispatchRow {
  const instruction = instructionFromRow(row);
  if (!instruction) throw new Error(`ledger row ${row.id} is missing payout fields`);
  return {
    rowId: row.id,
    row: row.rowNumber,
    provider: row.provider,
    status: row.status as DispatchRow['status'],
    attempts: row.attempts,
    ...(row.sentAt ? { sentAt: row.sentAt } : {}),
    instruction,
  };
}

function feesOf(config: ReturnType<typeof loadConfig>['config']) {
  return Object.fromEntries(Object.entries(config.providers).map(([id, p]) => [id, p.fees])) as Record<ProviderId, (typeof config.providers)[ProviderId]['fees']>;
}

/** Balances where the provider reports one; a provider that cannot be reached at the start stops the run (exit 1). */
async function readBalances(providers: ProviderId[], sessions: Map<ProviderId, ReturnType<typeof createSession>>): Promise<Map<string, Minor>> {
  const balances = new Map<string, Minor>();
  for (const id of providers) {
    try {
      const balance = await withRetries(() => getProvider(id).getBalance(sessions.get(id)!), { maxAttempts: 5 });
      if (balance) balances.set(`${id}|${balance.currency}`, balance.amountMinor);
    } catch (error) {
      const e = error as { kind?: string; message?: string };
      if (e.kind === 'authentication') throw new RunError('CREDENTIALS_MISSING', `${id} rejected the credentials: ${e.message}`, { hint: 'check the provider keys in the environment', cause: error });
      throw new RunError('PROVIDER_UNREACHABLE', `${id} could not be reached to read the balance: ${e.message ?? String(error)}`, { hint: 'check the network and the base URL, then run again; nothing was sent', cause: error });
    }
  }
  return balances;
}

function formatPlan(totals: PlanTotal[], balances: Map<string, Minor>, invalid: number, rows: number, resumed: boolean): string {
  const lines = [`plan${resumed ? ' (resuming this batch)' : ''}: ${rows} row(s), ${invalid} not payable`];
  for (const t of totals) {
    const balance = balances.get(`${t.provider}|${t.currency}`);
    lines.push(
      `  ${t.provider.padEnd(13)} ${String(t.count).padStart(7)} payouts  ${t.currency} ${formatMinorGrouped(t.amountMinor).padStart(18)}  fees+IVA ${formatMinorGrouped(t.feeMinor + t.ivaMinor).padStart(12)}${balance !== undefined ? `  balance ${formatMinorGrouped(balance)}` : ''}`,
    );
  }
  if (!totals.length) lines.push('  nothing to send');
  return `${lines.join('\n')}\n`;
}

async function confirmLive(totals: PlanTotal[]): Promise<void> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const what = totals.map((t) => `${t.count} payouts ${t.currency} ${formatMinor(t.debitMinor)} via ${t.provider}`).join(', ');
    const answer = await rl.question(`LIVE: pay ${what || 'nothing'}? Type "pay" to continue: `);
    if (answer.trim().toLowerCase() !== 'pay') throw new RunError('CONFIRMATION_REQUIRED', 'live run not confirmed; nothing was sent');
  } finally {
    rl.close();
  }
}
