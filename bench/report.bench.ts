/**
 * `npm run bench:report`: `payout-batch report` on a large ledger scope, in bounded memory, against a baseline
 * measured in the same run. Builds a SQLite ledger of one `--rows` (default 1,000,000) row Openpay batch in the mix
 * a finished run leaves (mostly paid, some pending, failed, unknown, not sent, invalid, duplicates, each with its
 * history; direct inserts in one transaction, report-ledger.ts), then times, each in its own child process:
 *  - baseline: a bare exceljs streaming write of the same number of rows (14 cells each, amounts and dates as
 *    numbers, one style per cell), the least any one xlsx of the report can cost;
 *  - the compiled CLI: `report --batch … --format both` (results.csv + .xlsx, statement.csv + .xlsx,
 *    reconciliation.xlsx, exceptions.csv; the providers not asked).
 * Prints rows/s (wall clock and CPU), peak RSS, and the report's rate as a ratio of the baseline's. Target: the
 * report finishes at 1M rows with peak RSS ≤ 400 MB. --rows N, --keep (leave the files in the printed folder).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import ExcelJS from 'exceljs';
import { buildReportLedger } from './report-ledger.ts';
import { BIN } from './sim-process.ts';

const PRELOAD = join(import.meta.dirname, 'rusage-preload.mjs');
const TARGET_RSS_MB = 400;

interface Measure {
  seconds: number;
  cpuSeconds: number;
  rssMb: number;
}

/** A child process timed from spawn to exit, with its own CPU time and peak RSS. */
function timed(args: string[], rusageFile: string, okCodes: readonly number[] = [0]): Measure & { stdout: string } {
  const started = performance.now();
  const result = spawnSync(process.execPath, ['--import', PRELOAD, ...args], { encoding: 'utf8', maxBuffer: 16 << 20, env: { ...process.env, BENCH_RUSAGE_FILE: rusageFile } });
  const seconds = (performance.now() - started) / 1000;
  if (result.status === null || !okCodes.includes(result.status)) throw new Error(`${args.join(' ')} exited ${result.status ?? result.signal}: ${result.stderr}`);
  const u = JSON.parse(readFileSync(rusageFile, 'utf8')) as { maxRssKb: number; userUs: number; systemUs: number };
  return { seconds, cpuSeconds: (u.userUs + u.systemUs) / 1e6, rssMb: u.maxRssKb / 1024, stdout: result.stdout };
}

/** The baseline's child: n rows straight into exceljs's streaming writer. */
async function rawExcel(path: string, n: number): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: false, useStyles: true });
  const sheet = workbook.addWorksheet('Rows');
  const textStyle = { font: { name: 'Calibri', size: 11 } };
  const amountStyle = { numFmt: '"MXN" #,##0.00', font: { name: 'Calibri', size: 11 } };
  const dateStyle = { numFmt: 'yyyy-mm-dd hh:mm:ss', font: { name: 'Calibri', size: 11 } };
  const t0 = Date.parse('2026-03-02T15:00:00.000Z');
  for (let i = 0; i < n; i++) {
    const row = sheet.addRow([
      i + 2, 'bench-1000000', 'openpay', `B-${i + 2}`, 'paid', 'MXN', (10_000 + (i % 9000)) / 100, 8, 1.28,
      `002 ****${String(i + 2).slice(-4)}`, `Beneficiario ${i + 2}`, `tr${String(i + 1).padStart(12, '0')}`, 'completed', new Date(t0 + i * 10),
    ]);
    row.eachCell((cell, col) => {
      cell.style = col === 7 || col === 8 || col === 9 ? amountStyle : col === 14 ? dateStyle : textStyle;
    });
    row.commit();
    // The same backpressure the product's writers apply (xlsx-backpressure.ts), so the baseline's RSS is comparable.
    if (i % 256 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  sheet.commit();
  await workbook.commit();
}

if (process.argv[2] === '--raw-excel') {
  await rawExcel(process.argv[3]!, Number(process.argv[4]));
} else {
  const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, keep: { type: 'boolean', default: false } } });
  const rows = Number(values.rows.replaceAll('_', ''));
  if (!Number.isSafeInteger(rows) || rows < 1) throw new Error(`--rows must be a positive integer, got ${values.rows}`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
  try {
    const ledgerPath = join(dir, 'ledger.sqlite');
    const t0 = performance.now();
    const { batchId, counts } = buildReportLedger(ledgerPath, rows);
    process.stderr.write(`built ${rows} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${JSON.stringify(counts)}\n`);

    const base = timed(['--import', 'tsx', import.meta.filename, '--raw-excel', join(dir, 'raw.xlsx'), String(rows)], join(dir, 'raw.rusage'));
    process.stderr.write(`baseline (raw exceljs) done in ${base.seconds.toFixed(1)} s\n`);
    // Exit 3: rows failed or unknown, and the providers were not compared — what this ledger holds, not a failure.
    const report = timed([BIN, 'report', '--batch', batchId, '--ledger', ledgerPath, '--out', join(dir, 'out'), '--format', 'both', '--json'], join(dir, 'report.rusage'), [0, 2, 3]);
    const summary = JSON.parse(report.stdout.trim().split('\n').at(-1)!) as { files: string[] };

    const line = (name: string, m: Measure) =>
      `${name.padEnd(22)} ${m.seconds.toFixed(1).padStart(7)} s wall ${m.cpuSeconds.toFixed(1).padStart(7)} s CPU ${String(Math.round(rows / m.seconds)).padStart(8)} rows/s ${String(Math.round(rows / m.cpuSeconds)).padStart(8)} rows/CPU-s  peak RSS ${Math.round(m.rssMb)} MB`;
    console.log(`report on a ${rows}-row batch (${summary.files.length} files written)`);
    console.log(line('raw exceljs (1 xlsx)', base));
    console.log(line('payout-batch report', report));
    console.log(
      `report rows/s: ${(base.seconds / report.seconds).toFixed(2)}x the baseline's (wall), ${(base.cpuSeconds / report.cpuSeconds).toFixed(2)}x (CPU); ` +
        `peak RSS ${Math.round(report.rssMb)} MB, target <= ${TARGET_RSS_MB} MB: ${report.rssMb <= TARGET_RSS_MB ? 'met' : 'NOT met'}`,
    );
    if (values.keep) console.log(`files kept in ${dir}`);
  } finally {
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
  }
}
