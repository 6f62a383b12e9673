import { existsSync } from 'node:fs';
import type { WorkbookLang } from '../../report/workbook-language.ts';
import { rmdir } from 'node:fs/promises';
import type { CanonicalField } from '../../domain/payout-row.ts';
import type { ProviderId } from '../../domain/provider-id.ts';
import { parseMapOption } from '../../read/parse-map-option.ts';
import { createResultsWriter, resultRowFromChecked } from '../../write/results-writer.ts';
import { formatSummaryJson, formatSummaryText, type RunSummary } from '../../write/summary.ts';
import { loadConfig } from '../../config/load-config.ts';
import { RunError } from '../../run-error.ts';
import { checkFile, readLimitsOf } from '../shared/check-file.ts';
import { decideExitCode } from '../shared/exit-code.ts';
import { createOutputDir } from '../shared/output-dir.ts';
import { addCheckedRowIssues, IssueDigest } from '../shared/issue-digest.ts';
import { providerLabel } from '../shared/batch-label.ts';
import { displayZone, parseTzOption } from '../shared/display-zone.ts';

export interface ValidateArgs {
  file: string;
  /** For rows whose provider cell is empty; optional when every row names its provider. */
  provider?: ProviderId;
  sheet?: string;
  map?: string[];
  out?: string;
  /** --force: use an --out folder that already holds files. */
  force?: boolean;
  format: 'csv' | 'xlsx' | 'both';
  /** --lang: the workbooks' language (default es); the CSV columns never change. */
  lang?: WorkbookLang;
  json: boolean;
  target?: 'simulator' | 'sandbox' | 'live';
  config?: string;
  /** --encoding: read the CSV as told. */
  encoding?: string;
  /** --tz: the zone of the dates shown (default: config "timeZone", else the providers' country). */
  tz?: string;
}

/**
 * `payout-batch validate`: read every row, validate it, find duplicates in the file, write results. Pays nothing.
 * Exit 0 when every row is valid, 2 when some are not; a file that cannot be processed throws a RunError (exit 1).
 */
export async function validateCommand(args: ValidateArgs): Promise<number> {
  const startedAt = new Date();
  const tz = parseTzOption(args.tz);
  const map: Partial<Record<CanonicalField, string>> = parseMapOption(args.map);
  // The config's "limits" apply to validate as to run; the rest of it (providers, ledger) is not used here.
  const { config, errors } = loadConfig({ path: args.config, target: args.target ?? 'simulator' });
  if (errors.length) throw new RunError('CONFIG_INVALID', errors.join('; '), { hint: 'fix the config file (see README, "Config file")' });
  const limits = readLimitsOf(config.limits, args);
  // The output folder is made at the first row, so a file that cannot be opened leaves nothing behind; one that
  // fails part-way (an unclosed quote at row 40,000) has its partial results and the folder made for them removed.
  let writer: Awaited<ReturnType<typeof createResultsWriter>> | undefined;
  let outDir = '';
  let madeOutDir = false;
  let checked: Awaited<ReturnType<typeof checkFile>>;
  const digest = new IssueDigest();
  try {
    checked = await checkFile({
      file: args.file,
      provider: args.provider,
      target: args.target ?? 'simulator',
      sheet: args.sheet,
      map,
      encoding: args.encoding,
      limits,
      onRow: async (row) => {
        addCheckedRowIssues(digest, row);
        if (!writer) {
          madeOutDir = args.out === undefined || !existsSync(args.out);
          outDir = await createOutputDir({ command: 'validate', file: args.file, out: args.out, force: args.force, now: startedAt });
          writer = await createResultsWriter(outDir, args.format, { ...(args.lang ? { lang: args.lang } : {}) });
        }
        return writer.write(resultRowFromChecked(row));
      },
    });
  } catch (error) {
    await writer?.abort();
    // Only a folder this run made, and only if nothing else was put in it meanwhile (rmdir refuses a full one).
    if (madeOutDir && outDir !== '') await rmdir(outDir).catch(() => {});
    throw error;
  }
  if (!writer) {
    outDir = await createOutputDir({ command: 'validate', file: args.file, out: args.out, force: args.force, now: startedAt });
    writer = await createResultsWriter(outDir, args.format, { ...(args.lang ? { lang: args.lang } : {}) });
  }
  for (const [row, late] of checked.lateConflicts) {
    writer.patch(row, { status: 'conflict', error_code: late.issue.code, error_message: late.issue.message });
    if (late.previousStatus === 'duplicate') digest.drop(row, 'DUPLICATE_ORDER_ID');
    digest.add({ row, ...(late.issue.field ? { field: late.issue.field } : {}), code: late.issue.code, message: late.issue.message, status: 'conflict' });
  }
  const files = await writer.finish();

  const exitCode = decideExitCode({ counts: checked.tally.countsRecord() });
  const summary: RunSummary = {
    command: 'validate',
    file: args.file,
    // The providers the rows go to, whatever --provider says: a mixed file is "mixed" even with one given.
    provider: providerLabel(checked.providers, args.provider ?? 'none'),
    providers: checked.providers,
    outDir,
    resultsCsv: files.csvPath,
    resultsXlsx: files.xlsxPath,
    counts: checked.tally.countsRecord(),
    totals: checked.tally.totals(),
    warnings: checked.opened.warnings,
    issues: digest.summary(),
    exitCode,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    timeZone: await displayZone(tz, config.timeZone, checked.providers),
  };
  process.stdout.write(args.json ? `${formatSummaryJson(summary)}\n` : formatSummaryText(summary));
  return exitCode;
}
