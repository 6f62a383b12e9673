/**
 * The ledger at scale, every figure measured in this one run, on files generated here (never committed):
 *  1. A SQLite ledger of `--ledger-rows` (default 10,000,000) rows of earlier batches, `--batch-rows` each, generated
 *     inside SQLite (earlier-batches-ledger.ts: the product's schema, migrated as `payout-batch` does; the statuses,
 *     keys, providers and history real batches leave; `--history none` leaves the history out), and an empty ledger
 *     with the same schema.
 *  2. A `--rows` (default 100,000) row Openpay batch, planned against each: `run --dry-run` (reads the file, checks
 *     every order_id against every earlier run, writes the results), and `run` writing every row into the ledger
 *     (the key claims at insert; a file with one invalid row and `--on-invalid abort`, so nothing is sent) into a
 *     fresh copy of the empty ledger or into the large one.
 *  Target: planning against the large ledger takes ≤ 1.5× its time against the empty one. Before the plans, the large
 *  ledger is opened once (`batches`) and that open timed on its own: a file this tool never closed gets the full
 *  integrity check, which reads every page; an untouched, cleanly closed one skips it.
 * Each side is a child process (the real CLI, compiled) timed from spawn to exit; runs are interleaved and repeated
 * and the median counts.
 *
 *   npm run bench:ledger -- [--ledger-rows 10000000] [--batch-rows 100000] [--rows 100000] [--repeat 3] [--history full|none] [--keep]
 */
import { spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { migrate } from '../src/ledger/sqlite/migrate.ts';
import { buildEarlierBatchesLedger } from './earlier-batches-ledger.ts';
import { generateBatch } from './generate-batch.ts';
import { BIN, ROOT, startSimulatorProcess } from './sim-process.ts';

const { values } = parseArgs({
  options: {
    'ledger-rows': { type: 'string', default: '10000000' },
    'batch-rows': { type: 'string', default: '100000' },
    rows: { type: 'string', default: '100000' },
    repeat: { type: 'string', default: '3' },
    history: { type: 'string', default: 'full' },
    keep: { type: 'boolean', default: false },
  },
});
const ledgerRows = positiveInteger('ledger-rows', values['ledger-rows']);
const batchRows = positiveInteger('batch-rows', values['batch-rows']);
const rows = positiveInteger('rows', values.rows);
const repeat = positiveInteger('repeat', values.repeat);
const TARGET_RATIO = 1.5;
if (values.history !== 'full' && values.history !== 'none') throw new Error(`--history must be full or none, got ${JSON.stringify(values.history)}`);

function positiveInteger(name: string, text: string): number {
  const n = Number(text.replaceAll('_', ''));
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${JSON.stringify(text)}`);
  return n;
}

const work = mkdtempSync(join(tmpdir(), 'payout-bench-ledger-'));
const round = (n: number, digits = 2) => Number(n.toFixed(digits));

/** A ledger with the product's schema and nothing in it. */
function emptyLedger(path: string): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  migrate(db);
  db.close();
}

interface Sample {
  seconds: number;
  counts: Record<string, number>;
}

function cli(args: string[], expectedCode: number): Promise<Sample> {
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done, fail) => {
    child.once('error', fail);
    child.once('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code !== expectedCode) return fail(new Error(`${args.slice(0, 2).join(' ')} … exited ${code}, expected ${expectedCode}: ${stderr.slice(-2000)}`));
      const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as { counts: Record<string, number> };
      done({ seconds, counts: summary.counts });
    });
  });
}

/** A command that must exit 0; its output is not read. */
function cliRaw(args: string[]): Promise<void> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done, fail) => {
    child.once('error', fail);
    child.once('close', (code) => (code === 0 ? done() : fail(new Error(`${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`))));
  });
}

function expectCounts(what: string, sample: Sample, expected: Record<string, number>): void {
  for (const [status, n] of Object.entries(expected)) {
    if (sample.counts[status] !== n) throw new Error(`${what}: expected ${n} ${status}, got ${JSON.stringify(sample.counts)}`);
  }
}

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function figures(samples: Sample[]) {
  const seconds = median(samples.map((s) => s.seconds));
  return { seconds: round(seconds), rows_per_second: Math.round(rows / seconds), samples_seconds: samples.map((s) => round(s.seconds)) };
}

let outs = 0;
const out = () => join(work, `out-${++outs}`);

const sim = await startSimulatorProcess([]);
try {
  const large = join(work, 'large.sqlite');
  const empty = join(work, 'empty.sqlite');
  let started = performance.now();
  const cpuBefore = process.cpuUsage();
  console.error(`building a ${ledgerRows.toLocaleString('en')}-row ledger in ${work}`);
  const earlier = buildEarlierBatchesLedger(large, { rows: ledgerRows, batchRows, history: values.history === 'full', log: (line) => console.error(line) });
  const built = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const builtCpu = (cpu.user + cpu.system) / 1e6;
  console.error(`built in ${round(built)} s, ${round(statSync(large).size / 1e6, 1)} MB`);
  emptyLedger(empty);
  // The first open of a file this tool has never closed runs the full integrity check (every page read); it leaves
  // the stamp that lets later opens of the untouched file skip it. Timed on its own: the plans below are what a
  // ledger in daily use costs.
  started = performance.now();
  await cliRaw(['batches', '--ledger', large, '--json']);
  const firstOpen = (performance.now() - started) / 1000;
  console.error(`first open (full check) ${round(firstOpen)} s`);
  started = performance.now();
  await cliRaw(['batches', '--ledger', large, '--json']);
  const stampedOpen = (performance.now() - started) / 1000;

  const csv = join(work, 'batch.csv');
  started = performance.now();
  await generateBatch({ path: csv, rows, provider: 'openpay', prefix: 'LB' });
  const generated = (performance.now() - started) / 1000;

  const dry = { empty: [] as Sample[], large: [] as Sample[] };
  const write = { empty: [] as Sample[], large: [] as Sample[] };
  const dryRun = async (ledger: string) => {
    const s = await cli(['run', csv, '--provider', 'openpay', '--simulator-url', sim.url, '--ledger', ledger, '--dry-run', '--format', 'csv', '--json', '--out', out()], 0);
    expectCounts('run --dry-run', s, { queued: rows });
    return s;
  };
  // Rows written, nothing sent: each run a file of its own (a new batch), the same rows under new order ids.
  const writeRun = async (ledger: string, i: number, side: string) => {
    const file = join(work, `write-${side}-${i}.csv`);
    await generateBatch({ path: file, rows: rows - 1, provider: 'openpay', prefix: `LW${side}${i}` });
    appendFileSync(file, `LW${side}${i}-INVALID,123,Nadie,nadie@example.com,"1.00",MXN,no payable\n`);
    const s = await cli(['run', file, '--provider', 'openpay', '--simulator-url', sim.url, '--ledger', ledger, '--on-invalid', 'abort', '--format', 'csv', '--json', '--out', out()], 2);
    expectCounts('run (planned, not dispatched)', s, { invalid: 1 });
    return s;
  };
  const progress = (what: string, s: Sample) => console.error(`  ${what}: ${round(s.seconds)} s`);
  for (let i = 0; i < repeat; i++) {
    dry.empty.push(await dryRun(empty));
    progress(`dry run ${i + 1}, empty ledger`, dry.empty.at(-1)!);
    dry.large.push(await dryRun(large));
    progress(`dry run ${i + 1}, large ledger`, dry.large.at(-1)!);
    const fresh = join(work, `fresh-${i}.sqlite`);
    copyFileSync(empty, fresh);
    write.empty.push(await writeRun(fresh, i, 'e'));
    progress(`writing run ${i + 1}, empty ledger`, write.empty.at(-1)!);
    rmSync(fresh, { force: true });
    write.large.push(await writeRun(large, i, 'l'));
    progress(`writing run ${i + 1}, large ledger`, write.large.at(-1)!);
  }
  if ((await sim.journal()).length !== 0) throw new Error('a payout was sent: the benchmark must not dispatch');

  const compare = (side: { empty: Sample[]; large: Sample[] }) => {
    const e = figures(side.empty);
    const l = figures(side.large);
    return { empty_ledger: e, large_ledger: l, ratio: round(l.seconds / e.seconds, 3) };
  };
  const dryFigures = compare(dry);
  const writeFigures = compare(write);
  console.log(
    JSON.stringify(
      {
        machine: { cpus: availableParallelism(), node: process.version },
        repeat,
        ledger: {
          rows: ledgerRows,
          batches: earlier.batches,
          statuses: earlier.counts,
          history_rows: earlier.historyRows,
          file_mb: round(statSync(large).size / 1e6, 1),
          built_seconds: round(built),
          // the build's own CPU time: on a loaded machine the wall time is mostly waiting for a core
          built_cpu_seconds: round(builtCpu),
          // `batches` on the large ledger: the first open (full check) and the next one (stamp vouches, check skipped).
          first_open_full_check_seconds: round(firstOpen),
          next_open_seconds: round(stampedOpen),
        },
        batch: { rows, file_mb: round(statSync(csv).size / 1e6, 1), generated_seconds: round(generated) },
        plan_dry_run: dryFigures,
        plan_writing_rows: writeFigures,
        target_ratio: TARGET_RATIO,
        met: { dry_run: dryFigures.ratio <= TARGET_RATIO, writing_rows: writeFigures.ratio <= TARGET_RATIO },
      },
      null,
      2,
    ),
  );
} finally {
  await sim.stop();
  if (values.keep) console.error(`files kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
