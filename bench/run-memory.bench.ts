/**
 * Memory of `run` against `validate`, every figure measured in this one run, on a file generated here:
 *  1. CSV of 1,000,000 valid Openpay rows.
 *  2. `validate --format csv` on it: the baseline (the reader, the checks and the in-file dedupe, streaming).
 *  3. `run --dry-run` on the same file (against a simulator process, for the balance): plans every row, writes
 *     the results, creates no ledger. Target: peak RSS ≤ 300 MB.
 *  4. `run` planning into a fresh ledger with the dispatch skipped: a file of the first `--ledger-rows` rows plus one
 *     invalid row, with `--on-invalid abort`, writes every row to the ledger (5,000 per transaction), then sends
 *     nothing (it writes the results, statement and reconciliation from the ledger too). `--ledger-rows 0` skips it:
 *     writing a million durable rows takes minutes here.
 *  5. `run` that pays, against the simulator process, for each size of `--paid-rows` (default 20,000 and 100,000: a
 *     dispatch of a million rows takes most of an hour at the simulator's pace here): two sizes show whether memory
 *     grows with the rows. Each pays a file of its own into a fresh ledger (dispatch, then results, statement and
 *     reconciliation compared with the provider's listing); the journal must grow by exactly its rows. `validate` of
 *     that same file is measured just before it, as its baseline. Target: peak RSS ≤ 300 MB at every size.
 * Each is a child process timed from spawn to exit; peak RSS is the child's own VmHWM (process.resourceUsage().maxRSS
 * where there is no /proc), written at exit by a preloaded data: module. Runs are interleaved and repeated; the
 * median time and the highest peak count.
 *
 *   npm run bench:run-memory -- [--rows 1000000] [--ledger-rows 1000000] [--paid-rows 20000,100000] [--repeat 1] [--keep]
 */
import { spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateBatch } from './generate-batch.ts';
import { BIN, ROOT, startSimulatorProcess } from './sim-process.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    'ledger-rows': { type: 'string' },
    'paid-rows': { type: 'string', default: '20000,100000' },
    repeat: { type: 'string', default: '1' },
    keep: { type: 'boolean', default: false },
  },
});
const rows = positiveInteger('rows', values.rows);
const repeat = positiveInteger('repeat', values.repeat);
const ledgerRows = values['ledger-rows'] === '0' ? 0 : Math.min(rows, positiveInteger('ledger-rows', values['ledger-rows'] ?? String(rows)));
const paidSizes = values['paid-rows'] === '0' ? [] : values['paid-rows'].split(',').map((n) => positiveInteger('paid-rows', n.trim()));
const TARGET_DRY_RUN_MB = 300;
const TARGET_RUN_MB = 300;

function positiveInteger(name: string, text: string): number {
  const n = Number(text.replaceAll('_', ''));
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${JSON.stringify(text)}`);
  return n;
}

const work = mkdtempSync(join(tmpdir(), 'payout-bench-run-memory-'));

/** Written by every child at exit: its peak RSS in kB (VmHWM: a forked child's maxRSS can carry the parent's peak). */
const RSS_PRELOAD = `data:text/javascript,${encodeURIComponent(`
import { readFileSync, writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
// The parse threads load this too: only the process's own thread writes the figures.
if (isMainThread && process.env.BENCH_RSS_FILE) {
  const rssKb = () => Number(/VmRSS:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
  // RSS every 250 ms with the wall clock, to tell the phases of a run apart (peak before / after its dispatch).
  const samples = [];
  let sampling = true;
  try { rssKb(); } catch { sampling = false; }
  if (sampling) setInterval(() => samples.push([Date.now(), rssKb()]), 250).unref();
  process.on('exit', () => {
    let kb;
    try { kb = /VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]; } catch {}
    writeFileSync(process.env.BENCH_RSS_FILE, JSON.stringify({ kb: Number(kb ?? process.resourceUsage().maxRSS), source: kb ? 'VmHWM' : 'maxRSS', samples }));
  });
}
`)}`;

let rssSource = '';

interface Sample {
  seconds: number;
  peakRssMb: number;
  /** [epoch ms, RSS kB] every 250 ms. */
  rssSamples: Array<[number, number]>;
  summary: { exit_code: number; counts: Record<string, number> };
}

/** Runs the CLI with `args`, timing it from spawn to exit and reading its peak RSS and its --json summary. */
function measure(args: string[], expectedExit: number): Promise<Sample> {
  const rssFile = join(work, `rss-${Math.random().toString(36).slice(2)}`);
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', RSS_PRELOAD, BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, BENCH_RSS_FILE: rssFile, PAYOUT_BATCH_CONFIG: '', XDG_CONFIG_HOME: join(work, 'xdg') },
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
      if (code !== expectedExit) {
        fail(new Error(`${args.slice(0, 2).join(' ')} … exited ${code}, expected ${expectedExit}: ${stderr.slice(-2000)}`));
        return;
      }
      const rss = JSON.parse(readFileSync(rssFile, 'utf8')) as { kb: number; source: string; samples?: Array<[number, number]> };
      rssSource = rss.source;
      done({ seconds, peakRssMb: rss.kb / 1024, rssSamples: rss.samples ?? [], summary: JSON.parse(stdout.trim().split('\n').at(-1)!) as Sample['summary'] });
    });
  });
}

const out = () => join(work, `out-${Math.random().toString(36).slice(2)}`);

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const round = (n: number, digits = 2) => Number(n.toFixed(digits));

function figures(samples: Sample[], count = rows) {
  const seconds = median(samples.map((s) => s.seconds));
  return {
    rows: count,
    seconds: round(seconds),
    rows_per_second: Math.round(count / seconds),
    peak_rss_mb: round(Math.max(...samples.map((s) => s.peakRssMb)), 1),
    samples_seconds: samples.map((s) => round(s.seconds)),
  };
}

function expectCounts(what: string, sample: Sample, expected: Record<string, number>): void {
  for (const [status, n] of Object.entries(expected)) {
    if (sample.summary.counts[status] !== n) throw new Error(`${what}: expected ${n} ${status}, got ${JSON.stringify(sample.summary.counts)}`);
  }
}

interface PhasePeaks {
  dispatchMb: number;
  reportsMb: number;
  peakHeld: number;
}

/** The sampled RSS peak of a paying run before and after the end of its dispatch (its log's `dispatched` record). */
function phasePeaks(sample: Sample, outDir: string): PhasePeaks {
  const records = readFileSync(join(outDir, 'run.log'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { event?: string; time?: string | number; peak_held?: number });
  const dispatched = records.find((r) => r.event === 'dispatched');
  if (!dispatched?.time) throw new Error(`${outDir}/run.log has no dispatched record`);
  const at = new Date(dispatched.time).getTime();
  const peak = (keep: (ms: number) => boolean) => Math.max(0, ...sample.rssSamples.filter(([ms]) => keep(ms)).map(([, kb]) => kb)) / 1024;
  return { dispatchMb: peak((ms) => ms <= at), reportsMb: peak((ms) => ms > at), peakHeld: dispatched.peak_held ?? -1 };
}

const sim = await startSimulatorProcess([]);
try {
  const csv = join(work, 'batch.csv');
  const started = performance.now();
  await generateBatch({ path: csv, rows, provider: 'openpay', prefix: 'RM' });
  const generated = (performance.now() - started) / 1000;
  // The same rows and one that is not payable: with --on-invalid abort the run writes every row, then sends nothing.
  const withInvalid = join(work, 'batch-plus-invalid.csv');
  if (ledgerRows === rows) copyFileSync(csv, withInvalid);
  else if (ledgerRows > 0) await generateBatch({ path: withInvalid, rows: ledgerRows, provider: 'openpay', prefix: 'RM' });
  appendFileSync(withInvalid, 'RM-INVALID,123,Nadie,nadie@example.com,"1.00",MXN,no payable\n');

  const validate: Sample[] = [];
  const dryRun: Sample[] = [];
  const planned: Sample[] = [];
  for (let i = 0; i < repeat; i++) {
    const v = await measure(['validate', csv, '--provider', 'openpay', '--format', 'csv', '--json', '--out', out()], 0);
    expectCounts('validate', v, { valid: rows });
    validate.push(v);
    const d = await measure(['run', csv, '--provider', 'openpay', '--simulator-url', sim.url, '--ledger', join(work, `none-${i}.sqlite`), '--dry-run', '--format', 'csv', '--json', '--out', out()], 0);
    expectCounts('run --dry-run', d, { queued: rows });
    dryRun.push(d);
    if (ledgerRows === 0) continue;
    const ledger = join(work, `ledger-${i}.sqlite`);
    const p = await measure(['run', withInvalid, '--provider', 'openpay', '--simulator-url', sim.url, '--ledger', ledger, '--on-invalid', 'abort', '--format', 'csv', '--json', '--out', out()], 2);
    expectCounts('run (planned, not dispatched)', p, { invalid: 1 });
    planned.push(p);
    rmSync(ledger, { force: true });
  }
  if ((await sim.journal()).length !== 0) throw new Error('a payout was sent: the benchmark must not dispatch');

  const paid = new Map<number, Sample[]>(paidSizes.map((n) => [n, []]));
  const paidValidate = new Map<number, Sample[]>(paidSizes.map((n) => [n, []]));
  const phases = new Map<number, PhasePeaks[]>(paidSizes.map((n) => [n, []]));
  for (let i = 0; i < repeat; i++) {
    for (const size of paidSizes) {
      const file = join(work, `paid-${size}-${i}.csv`);
      await generateBatch({ path: file, rows: size, provider: 'openpay', prefix: `RP${size}x${i}` });
      const v = await measure(['validate', file, '--provider', 'openpay', '--format', 'csv', '--json', '--out', out()], 0);
      expectCounts(`validate of the ${size}-row file`, v, { valid: size });
      paidValidate.get(size)!.push(v);
      const before = (await sim.journal()).length;
      const ledger = join(work, `paid-${size}-${i}.sqlite`);
      const runOut = out();
      const r = await measure(['run', file, '--provider', 'openpay', '--simulator-url', sim.url, '--ledger', ledger, '--format', 'csv', '--json', '--out', runOut], 0);
      phases.get(size)!.push(phasePeaks(r, runOut));
      const settled = (r.summary.counts.pending ?? 0) + (r.summary.counts.paid ?? 0);
      if (settled !== size) throw new Error(`run of ${size} rows: expected every row pending or paid, got ${JSON.stringify(r.summary.counts)}`);
      const sent = (await sim.journal()).length - before;
      if (sent !== size) throw new Error(`run of ${size} rows: the simulator journaled ${sent} payouts`);
      paid.get(size)!.push(r);
      rmSync(ledger, { force: true });
      rmSync(file, { force: true });
    }
  }
  const paidFigures = [...paid].map(([size, samples]) => {
    const split = phases.get(size)!;
    return {
      ...figures(samples, size),
      // Sampled every 250 ms, so a little under the true peak; split at the run log's `dispatched` record.
      sampled_peak_rss_mb: {
        plan_and_dispatch: round(Math.max(...split.map((p) => p.dispatchMb)), 1),
        results_and_reports: round(Math.max(...split.map((p) => p.reportsMb)), 1),
      },
      dispatch_peak_held_rows: Math.max(...split.map((p) => p.peakHeld)),
      validate: figures(paidValidate.get(size)!, size),
    };
  });

  const base = figures(validate);
  const dry = figures(dryRun);
  const plan = planned.length ? figures(planned, ledgerRows) : undefined;
  const report = {
    machine: { cpus: availableParallelism(), node: process.version },
    repeat,
    rows,
    file_mb: round(statSync(csv).size / 1e6, 1),
    generated_seconds: round(generated),
    validate: base,
    run_dry_run: { ...dry, rss_vs_validate: round(dry.peak_rss_mb / base.peak_rss_mb), time_vs_validate: round(dry.seconds / base.seconds) },
    run_planned_into_ledger: plan ? { ...plan, rss_vs_validate: round(plan.peak_rss_mb / base.peak_rss_mb) } : 'skipped (--ledger-rows 0)',
    run_paid: paidFigures.length
      ? paidFigures.map((f) => ({
          ...f,
          rss_vs_validate_same_file: round(f.peak_rss_mb / f.validate.peak_rss_mb),
          rss_vs_validate: round(f.peak_rss_mb / base.peak_rss_mb),
          rss_vs_smallest_paid: round(f.peak_rss_mb / paidFigures[0]!.peak_rss_mb),
        }))
      : 'skipped (--paid-rows 0)',
    target_dry_run_peak_rss_mb: TARGET_DRY_RUN_MB,
    target_run_peak_rss_mb: TARGET_RUN_MB,
    peak_rss_from: rssSource,
    met: { dry_run_peak_rss: dry.peak_rss_mb <= TARGET_DRY_RUN_MB, ...(paidFigures.length ? { run_paid_peak_rss: paidFigures.every((f) => f.peak_rss_mb <= TARGET_RUN_MB) } : {}) },
  };
  console.log(JSON.stringify(report, null, 2));
} finally {
  await sim.stop();
  if (values.keep) console.error(`files kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
