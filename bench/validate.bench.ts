/**
 * Validate benchmark, every figure measured in this one run, on files generated here:
 *  1. CSV (1,000,000 Openpay rows): a bare csv-parse read of the file (streaming, counting records) against
 *     `payout-batch validate --format csv` on the same file; target: validate at ≥ 0.8 of csv-parse's rows/s.
 *  2. XLSX (1,000,000 rows) with shared strings, as Excel writes text (amounts as numbers): a bare exceljs
 *     streaming read against validate; target ≥ 1.0 of exceljs's rows/s, peak RSS ≤ 400 MB.
 *  3. Peak RSS of every validate: target ≤ 250 MB for the CSV, ≤ 400 MB for the XLSX.
 *
 * Each side is a child process timed from spawn to exit (the baselines are plain `node -e` scripts, validate is
 * the real CLI), so process start-up counts on both sides. Peak RSS is the child's own
 * process.resourceUsage().maxRSS, written at exit by a preloaded data: module (nothing to install). Runs are
 * interleaved and repeated; the median counts.
 *
 *   npm run bench:validate -- [--rows 1000000] [--xlsx-rows 1000000] [--repeat 3] [--keep]
 */
import { spawn } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse';
import { generateBatch } from './generate-batch.ts';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'payout-batch.js');
if (!existsSync(join(ROOT, 'dist', 'main.js'))) throw new Error('dist/main.js is missing: run `npm run build` first');

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    // Writing a 1,000,000-row workbook takes about 30 s here; --xlsx-rows 200000 for a quicker run.
    'xlsx-rows': { type: 'string', default: '1000000' },
    repeat: { type: 'string', default: '3' },
    keep: { type: 'boolean', default: false },
  },
});
const rows = positiveInteger('rows', values.rows);
const xlsxRows = positiveInteger('xlsx-rows', values['xlsx-rows']);
const repeat = positiveInteger('repeat', values.repeat);
const TARGET_CSV_RATIO = 0.8;
const TARGET_XLSX_RATIO = 1.0;
const TARGET_CSV_RSS_MB = 250;
const TARGET_XLSX_RSS_MB = 400;

function positiveInteger(name: string, text: string): number {
  const n = Number(text.replaceAll('_', ''));
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${JSON.stringify(text)}`);
  return n;
}

const work = mkdtempSync(join(tmpdir(), 'payout-bench-validate-'));

/**
 * Written by every child at exit: its peak RSS in kB. Linux's VmHWM, not process.resourceUsage().maxRSS: a child
 * spawned by this (large, after writing the workbook) process reports the parent's peak as its maxRSS, since
 * the kernel carries it over the fork. Where there is no /proc, maxRSS is all there is.
 */
const RSS_PRELOAD = `data:text/javascript,${encodeURIComponent(`
import { readFileSync, writeFileSync } from 'node:fs';
process.on('exit', () => {
  if (!process.env.BENCH_RSS_FILE) return;
  let kb;
  try { kb = /VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]; } catch {}
  writeFileSync(process.env.BENCH_RSS_FILE, JSON.stringify({ kb: Number(kb ?? process.resourceUsage().maxRSS), source: kb ? 'VmHWM' : 'maxRSS' }));
});
`)}`;

const RAW_CSV = `
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
let records = 0;
for await (const _ of createReadStream(process.argv[1]).pipe(parse())) records++;
console.log(JSON.stringify({ records }));
`;

const RAW_XLSX = `
import ExcelJS from 'exceljs';
let rows = 0;
for await (const sheet of new ExcelJS.stream.xlsx.WorkbookReader(process.argv[1], {})) for await (const _ of sheet) rows++;
console.log(JSON.stringify({ records: rows }));
`;

/** How the children's peak RSS was read: VmHWM on Linux. */
let rssSource = '';

interface Sample {
  seconds: number;
  peakRssMb: number;
  stdout: string;
}

/** Runs node with `args`, timing it from spawn to exit and reading its peak RSS. */
function measure(args: string[]): Promise<Sample> {
  const rssFile = join(work, `rss-${Math.random().toString(36).slice(2)}`);
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', RSS_PRELOAD, ...args], {
    cwd: ROOT,
    env: { ...process.env, BENCH_RSS_FILE: rssFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done, fail) => {
    child.once('error', fail);
    child.once('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0) {
        fail(new Error(`${args.slice(0, 3).join(' ')} … exited ${code}: ${stderr.slice(-2000)}`));
        return;
      }
      const rss = JSON.parse(readFileSync(rssFile, 'utf8')) as { kb: number; source: string };
      rssSource = rss.source;
      done({ seconds, peakRssMb: rss.kb / 1024, stdout });
    });
  });
}

const rawRead = (script: string, file: string) => measure(['--input-type=module', '-e', script, file]);

function validateRun(file: string): Promise<Sample> {
  // A generated workbook holds a shared string per distinct text (about 2 per row: past the default read limits).
  const limits = file.endsWith('.xlsx')
    ? ['--max-shared-strings', String(Math.max(1_000_000, xlsxRows * 4)), '--max-shared-strings-bytes', String(Math.max(64 << 20, xlsxRows * 200))]
    : [];
  return measure([BIN, 'validate', file, '--provider', 'openpay', '--format', 'csv', '--json', ...limits, '--out', join(work, `out-${Math.random().toString(36).slice(2)}`)]);
}

/** The records a baseline counted, and the header row it counted with them. */
function checkRaw(sample: Sample, expected: number): void {
  const { records } = JSON.parse(sample.stdout) as { records: number };
  if (records !== expected + 1) throw new Error(`the baseline read ${records} records, expected ${expected} rows and a header`);
}

function checkValidate(sample: Sample, expected: number): void {
  const summary = JSON.parse(sample.stdout.trim().split('\n').at(-1)!) as { exit_code: number; counts: Record<string, number> };
  if (summary.exit_code !== 0 || summary.counts.valid !== expected) {
    throw new Error(`validate did not find ${expected} valid rows: ${JSON.stringify(summary)}`);
  }
}

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const round = (n: number, digits = 2) => Number(n.toFixed(digits));

function figures(samples: Sample[], count: number) {
  const seconds = median(samples.map((s) => s.seconds));
  return {
    seconds: round(seconds),
    rows_per_second: Math.round(count / seconds),
    peak_rss_mb: round(Math.max(...samples.map((s) => s.peakRssMb)), 1),
    samples_seconds: samples.map((s) => round(s.seconds)),
  };
}

/** Interleaves baseline and validate runs so that a busy moment on the machine falls on both alike. */
async function compare(file: string, count: number, baseline: string) {
  const raw: Sample[] = [];
  const ours: Sample[] = [];
  for (let i = 0; i < repeat; i++) {
    const r = await rawRead(baseline, file);
    checkRaw(r, count);
    raw.push(r);
    const v = await validateRun(file);
    checkValidate(v, count);
    ours.push(v);
  }
  return { raw: figures(raw, count), validate: figures(ours, count) };
}

/** The CSV's rows as a workbook the way Excel stores them: text in the shared-strings table, amounts as numbers. */
async function writeXlsx(csv: string, xlsx: string): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: xlsx, useSharedStrings: true, useStyles: true });
  const sheet = workbook.addWorksheet('Pagos');
  let header = true;
  for await (const record of createReadStream(csv).pipe(parse()) as AsyncIterable<string[]>) {
    const cells: Array<string | number> = [...record];
    if (!header) cells[4] = Number(record[4]); // amount: "9041.65" → 9041.65, as typed into Excel
    header = false;
    sheet.addRow(cells).commit();
  }
  sheet.commit();
  await workbook.commit();
}

const mb = (path: string) => round(statSync(path).size / 1e6, 1);

try {
  const csv = join(work, 'batch.csv');
  let started = performance.now();
  await generateBatch({ path: csv, rows, provider: 'openpay', prefix: 'VB' });
  const csvGenerated = (performance.now() - started) / 1000;

  const xlsxSource = join(work, 'xlsx-source.csv');
  const xlsx = join(work, 'batch.xlsx');
  started = performance.now();
  await generateBatch({ path: xlsxSource, rows: xlsxRows, provider: 'openpay', prefix: 'VX', seed: 7 });
  await writeXlsx(xlsxSource, xlsx);
  const xlsxGenerated = (performance.now() - started) / 1000;

  const csvRun = await compare(csv, rows, RAW_CSV);
  console.error(`csv: ${JSON.stringify(csvRun)}`);
  const xlsxRun = await compare(xlsx, xlsxRows, RAW_XLSX);

  const ratio = (run: typeof csvRun) => round(run.validate.rows_per_second / run.raw.rows_per_second, 3);
  const report = {
    machine: { cpus: availableParallelism(), node: process.version },
    repeat,
    csv: {
      rows,
      file_mb: mb(csv),
      generated_seconds: round(csvGenerated),
      raw_csv_parse: csvRun.raw,
      validate: csvRun.validate,
      ratio: ratio(csvRun),
      target_ratio: TARGET_CSV_RATIO,
    },
    xlsx: {
      rows: xlsxRows,
      file_mb: mb(xlsx),
      generated_seconds: round(xlsxGenerated),
      shared_strings: true,
      raw_exceljs: xlsxRun.raw,
      validate: xlsxRun.validate,
      ratio: ratio(xlsxRun),
      target_ratio: TARGET_XLSX_RATIO,
    },
    // A 1M-row CSV validated in ≤ 250 MB, a 1M-row XLSX in ≤ 400 MB (raw exceljs's own peak is shown beside it: it
    // holds the workbook's shared strings in memory the same way).
    csv_validate_peak_rss_mb: csvRun.validate.peak_rss_mb,
    target_csv_peak_rss_mb: TARGET_CSV_RSS_MB,
    xlsx_validate_peak_rss_mb: xlsxRun.validate.peak_rss_mb,
    target_xlsx_peak_rss_mb: TARGET_XLSX_RSS_MB,
    peak_rss_from: rssSource,
    met: {
      csv_ratio: ratio(csvRun) >= TARGET_CSV_RATIO,
      xlsx_ratio: ratio(xlsxRun) >= TARGET_XLSX_RATIO,
      csv_peak_rss: csvRun.validate.peak_rss_mb <= TARGET_CSV_RSS_MB,
      xlsx_peak_rss: xlsxRun.validate.peak_rss_mb <= TARGET_XLSX_RSS_MB,
    },
  };
  console.log(JSON.stringify(report, null, 2));
} finally {
  if (values.keep) console.error(`files kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
