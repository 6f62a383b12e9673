import type { CanonicalField } from '../../domain/payout-row.ts';
import type { ProviderId } from '../../domain/provider-id.ts';
import { parseMapOption } from '../../read/parse-map-option.ts';
import { EXIT } from '../../run-error.ts';
import { createResultsWriter, resultRowFromChecked } from '../../write/results-writer.ts';
import { formatSummaryJson, formatSummaryText, type RunSummary } from '../../write/summary.ts';
import { checkFile } from '../shared/check-file.ts';
import { createOutputDir } from '../shared/output-dir.ts';

export interface ValidateArgs {
  file: string;
  provider: ProviderId;
  sheet?: string;
  map?: string[];
  out?: string;
  format: 'csv' | 'xlsx' | 'both';
  json: boolean;
  target?: 'simulator' | 'sandbox' | 'live';
}

/**
 * `payout-batch validate`: read every row, validate it, find duplicates in the file, write results. Pays nothing.
 * Exit 0 when every row is valid, 2 when some are not; a file that cannot be processed throws a RunError (exit 1).
 */
export async function validateCommand(args: ValidateArgs): Promise<number> {
  const startedAt = new Date();
  const map: Partial<Record<CanonicalField, string>> = parseMapOption(args.map);
  // Validation runs before any output folder exists, so a file that cannot be read leaves nothing behind.
  let writer: Awaited<ReturnType<typeof createResultsWriter>> | undefined;
  let outDir = '';
  const checked = await checkFile({
    file: args.file,
    provider: args.provider,
    target: args.target ?? 'simulator',
    sheet: args.sheet,
    map,
    onRow: async (row) => {
      if (!writer) {
        outDir = await createOutputDir({ command: 'validate', file: args.file, out: args.out, now: startedAt });
        writer = await createResultsWriter(outDir, args.format);
      }
      return writer.write(resultRowFromChecked(row));
    },
  });
  if (!writer) {
    outDir = await createOutputDir({ command: 'validate', file: args.file, out: args.out, now: startedAt });
    writer = await createResultsWriter(outDir, args.format);
  }
  for (const [row, late] of checked.lateConflicts) {
    writer.patch(row, { status: 'conflict', error_code: late.issue.code, error_message: late.issue.message });
  }
  const files = await writer.finish();

  const allValid = checked.tally.count('valid') === checked.tally.total;
  const exitCode = allValid ? EXIT.OK : EXIT.ROWS_NEED_ATTENTION;
  const summary: RunSummary = {
    command: 'validate',
    file: args.file,
    provider: args.provider,
    outDir,
    resultsCsv: files.csvPath,
    resultsXlsx: files.xlsxPath,
    counts: checked.tally.countsRecord(),
    totals: checked.tally.totals(),
    warnings: checked.opened.warnings,
    exitCode,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
  };
  process.stdout.write(args.json ? `${formatSummaryJson(summary)}\n` : formatSummaryText(summary));
  return exitCode;
}
