/**
 * Crash test: pays a batch of thousands of rows against a separate simulator process with faults, killing the
 * `run` process with SIGKILL at random moments again and again, then resumes it to completion. Finally the
 * simulator's journal (what was really paid) is compared with the ledger: every valid row paid exactly once, none
 * twice, none lost. Prints the figures; exits 1 on any violation.
 *
 * With `--ledger postgres` the ledger is a throwaway PostgreSQL (test/support/throwaway-postgres.ts) and `--workers N`
 * run processes share the batch: a random worker is SIGKILLed and restarted again and again; then the partition
 * case: one worker is paused (SIGSTOP) past its row leases while the others take its rows, then resumed (SIGCONT) —
 * its late writes must be refused by the fence (counted from its log's lease_lost events).
 *
 * Prints where the time went (phases_ms: start-up, kills, the resume rounds; runs_ms: each run's wall time and when its
 * log says it started, planned, dispatched and finished). With `--baseline DIR` (a checkout of an earlier version,
 * built) the same test runs first with DIR's `payout-batch`, then with this one, and the two times and their ratio are
 * printed: the figures are measured in the same run, on the same machine load.
 *
 *   npm run torture -- [--rows 4000] [--kills 12] [--seed 7] [--faults SPEC] [--ledger sqlite|postgres] [--workers 4]
 *                      [--baseline DIR]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import pg from 'pg';
import { parseArgs } from 'node:util';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../test/support/throwaway-postgres.ts';
import { checkExactlyOnce, type JournalEntry, type LedgerPayoutRow } from './exactly-once.ts';
import { generateBatch } from './generate-batch.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '4000' },
    kills: { type: 'string', default: '12' },
    seed: { type: 'string', default: '7' },
    faults: { type: 'string', default: 'http500=0.03,http503=0.03,http429=0.03,timeout=0.01,drop_after_commit=0.03' },
    keep: { type: 'boolean', default: false },
    ledger: { type: 'string', default: 'sqlite' },
    workers: { type: 'string', default: '1' },
    /** Row lease of the PostgreSQL workers (PAYOUT_BATCH_ROW_LEASE_MS): short, so the partition case stays short. */
    'lease-ms': { type: 'string', default: '6000' },
    /** A checkout of an earlier version (built): run the same test with it first, then with this one, and compare. */
    baseline: { type: 'string' },
    /** The checkout whose `payout-batch` runs the batch (default this one); --baseline sets it for its child. */
    root: { type: 'string' },
    /** First of two ports to use (the simulator's, then PostgreSQL's); default: free ports the system picks. */
    port: { type: 'string' },
  },
});
if (values.baseline !== undefined) {
  process.exitCode = await compareWithBaseline(resolve(values.baseline));
  process.exit();
}
if (values.ledger !== 'sqlite' && values.ledger !== 'postgres') throw new Error('--ledger is sqlite or postgres');
const shared = values.ledger === 'postgres';
const workers = Number(values.workers);
if (!Number.isSafeInteger(workers) || workers < 1) throw new Error('--workers must be an integer >= 1');
if (workers > 1 && !shared) throw new Error('--workers > 1 needs --ledger postgres (a SQLite batch has one dispatcher)');
const leaseMs = Number(values['lease-ms']);
const rows = Number(values.rows);
const kills = Number(values.kills);
const seed = Number(values.seed);
const root = resolve(values.root ?? join(import.meta.dirname, '..'));
const bin = join(root, 'bin', 'payout-batch.js');
// The command under test is the installed one, which runs the compiled build.
if (!existsSync(join(root, 'dist', 'main.js'))) throw new Error('dist/main.js is missing: run `npm run build` first');
const work = mkdtempSync(join(tmpdir(), 'payout-torture-'));
const file = join(work, 'batch.csv');
let ledger = join(work, 'ledger.sqlite');
let postgres: ThrowawayPostgres | undefined;
const journal = join(work, 'journal.jsonl');
const config = join(work, 'config.json');

let random = seed >>> 0 || 1;
const next = () => {
  random ^= random << 13;
  random ^= random >>> 17;
  random ^= random << 5;
  return (random >>> 0) / 0x1_0000_0000;
};

function startSimulator(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [bin, 'simulator', '--port', String(basePort ?? 0), '--seed', String(seed), '--faults', values.faults!, '--journal', journal, '--settle-ms', '200'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return new Promise((resolveUrl, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolveUrl({ child, url: m[1]! });
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}: ${out}`)));
  });
}

let runNumber = 0;
/** Each run's wall time and, from its log, when its phases began (ms after the process was spawned). */
const runTimes: Array<Record<string, unknown>> = [];
/** Where each phase of the crash test went (ms). */
const phases: Record<string, number> = {};
const phase = (name: string, since: number) => (phases[name] = Math.round(performance.now() - since));

/** When a run's log events happened, in ms after its process was spawned: start-up, planning, dispatch, the end. */
function phasesOf(out: string, spawnedAt: number): Record<string, number> {
  const at: Record<string, number> = {};
  try {
    const origin = performance.timeOrigin + spawnedAt;
    for (const line of readFileSync(join(out, 'run.log'), 'utf8').split('\n')) {
      if (!line) continue;
      const record = JSON.parse(line) as { event?: string; time?: string | number; ms?: number };
      const time = typeof record.time === 'string' ? Date.parse(record.time) : record.time;
      if (record.event && ['start', 'plan', 'dispatched', 'finish'].includes(record.event) && time !== undefined && Number.isFinite(time)) {
        at[`${record.event}_at`] = Math.round(time - origin);
        if (record.event === 'dispatched' && typeof record.ms === 'number') at.dispatch_ms = record.ms;
      }
    }
  } catch {
    // a run killed mid-line leaves a partial log: what was read is kept
  }
  return at;
}

interface Worker {
  child: ChildProcess;
  out: string;
  exited: Promise<{ code: number | null; killed: boolean }>;
  kill(signal: NodeJS.Signals): void;
}

function run(url: string, killAfterMs?: number): Promise<{ code: number | null; killed: boolean }> {
  return startWorker(url, killAfterMs).exited;
}

function startWorker(url: string, killAfterMs?: number): Worker {
  // Each run writes into a folder of its own, as an operator re-running a file names a new --out (a used one is refused).
  runNumber += 1;
  const out = join(work, `out-${runNumber}`);
  const child = spawn(process.execPath, [bin, 'run', file, '--provider', 'openpay', '--simulator-url', url, '--ledger', ledger, '--config', config, '--out', out, '--format', 'csv', '--json', '--max-attempts', '6'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, PAYOUT_BATCH_ROW_LEASE_MS: String(leaseMs) },
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const started = performance.now();
  let killed = false;
  const timer = killAfterMs === undefined ? undefined : setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, killAfterMs);
  const exited = new Promise<{ code: number | null; killed: boolean }>((resolveRun) =>
    child.once('exit', (code) => {
      if (timer) clearTimeout(timer);
      if (!killed && code !== 0 && code !== 2) process.stderr.write(`run exited ${code}: ${stderr.slice(-2000)}\n`);
      runTimes.push({ run: runNumber, ms: Math.round(performance.now() - started), killed, code, ...phasesOf(out, started) });
      resolveRun({ code, killed });
    }),
  );
  return {
    child,
    out,
    exited,
    kill(signal) {
      if (signal === 'SIGKILL') killed = true;
      child.kill(signal);
    },
  };
}

function logHas(out: string, text: string): boolean {
  try {
    return readFileSync(join(out, 'run.log'), 'utf8').includes(text);
  } catch {
    return false;
  }
}

/** lease_lost events in a worker's log: writes the fence refused. */
function leaseLostIn(out: string): number {
  try {
    return readFileSync(join(out, 'run.log'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"event":"lease_lost"')).length;
  } catch {
    return 0;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const basePort = values.port === undefined ? undefined : Number(values.port);
const t0 = performance.now();
// A short request timeout so the injected `timeout` fault (a request never answered) costs seconds, not minutes.
writeFileSync(config, JSON.stringify({ providers: Object.fromEntries(['openpay', 'conekta', 'digitalfemsa', 'zenrise'].map((p) => [p, { timeoutMs: 1500, rate: 2000, concurrency: shared ? 8 : 32 }])) }));
let since = performance.now();
await generateBatch({ path: file, rows, provider: 'mixed', seed, destinations: Math.ceil(rows / 3), prefix: `T${seed}` });
phase('generate', since);
if (shared) {
  since = performance.now();
  postgres = await startThrowawayPostgres(basePort === undefined ? {} : { port: basePort + 1 });
  ledger = postgres.url;
  phase('postgres', since);
}
since = performance.now();
const sim = await startSimulator();
phase('simulator', since);
let killed = 0;
let runs = 0;
let partition = undefined as
  | { paused_ms: number; open_at_pause: number; held_at_pause: number; taken_over: number; settled_by_others_meanwhile: number; refused_writes: number; transaction_ended: boolean }
  | undefined;
try {
  since = performance.now();
  if (workers === 1) {
    for (let i = 0; i < kills; i++) {
      const r = await run(sim.url, 300 + Math.floor(next() * 2500));
      runs++;
      if (r.killed) killed++;
      else if (r.code === 0) break;
    }
  } else {
    // N workers on the batch; a random one is killed, and restarted at once, again and again.
    const live: Worker[] = [];
    const spared = new Set<Worker>();
    const spawnOne = () => {
      const w = startWorker(sim.url);
      runs++;
      live.push(w);
      void w.exited.then(() => live.splice(live.indexOf(w), 1));
      return w;
    };
    for (let i = 0; i < workers; i++) spawnOne();
    // Halfway through the kills, the partition: a worker that is paying is paused past its leases while the others
    // take its rows, then resumed — its late writes must be refused by the fence (its log's lease_lost events), or, if
    // it was stopped inside a ledger transaction, the database must have ended that transaction (so the others were
    // not stalled behind the writers' lock). It is spared the kills until it exits, so its late writes are seen.
    const pausePartway = async () => {
      const paying = () => live.filter((w) => logHas(w.out, '"event":"progress"'));
      for (let waited = 0; paying().length === 0 && waited < 20_000; waited += 100) await sleep(100);
      const paused = paying()[0];
      if (!paused) return;
      spared.add(paused);
      const started = performance.now();
      paused.kill('SIGSTOP');
      const owner = `%/${paused.child.pid}/%`;
      const held = await pgQuery<{ id: string; lease_epoch: string }>(`SELECT id, lease_epoch FROM payout_rows WHERE lease_owner LIKE '${owner}' AND status IN ('queued','sending','unknown')`);
      const settledBefore = await settledCount();
      const openAtPause = Number((await pgQuery<{ n: string }>(`SELECT count(*) AS n FROM payout_rows WHERE status IN ('queued','sending','unknown')`))[0]!.n);
      const ids = held.map((r) => Number(r.id));
      // Taken over: claimed by another worker since (a claim raises the row's lease epoch).
      const takenOverCount = async () =>
        held.length === 0
          ? 0
          : Number((await pgQuery<{ n: string }>(`SELECT count(*) AS n FROM payout_rows p JOIN (VALUES ${held.map((r) => `(${Number(r.id)}, ${Number(r.lease_epoch)})`).join(',')}) AS h(id, epoch) ON p.id = h.id WHERE p.lease_epoch > h.epoch`))[0]!.n);
      // Past two leases, and then until the others have taken some of its rows and settled some (workers restarted
      // after a kill take seconds to start paying on a busy machine), at most a minute more.
      await sleep(leaseMs * 2 + 1000);
      let takenOver = await takenOverCount();
      let settledDuring = (await settledCount()) - settledBefore;
      for (let waited = 0; waited < 60_000 && ((held.length > 0 && takenOver === 0) || (openAtPause > held.length && settledDuring === 0)); waited += 500) {
        await sleep(500);
        takenOver = await takenOverCount();
        settledDuring = (await settledCount()) - settledBefore;
      }
      const pausedMs = Math.round(performance.now() - started);
      paused.kill('SIGCONT');
      void paused.exited.then(() => {
        spared.delete(paused);
        partition = {
          paused_ms: pausedMs,
          open_at_pause: openAtPause,
          held_at_pause: ids.length,
          taken_over: takenOver,
          settled_by_others_meanwhile: settledDuring,
          refused_writes: leaseLostIn(paused.out),
          transaction_ended: logHas(paused.out, 'LEDGER_TRANSACTION_ENDED'),
        };
      });
    };
    for (let i = 0; i < kills && live.length > 0; i++) {
      if (i === Math.floor(kills / 2)) await pausePartway();
      await sleep(300 + Math.floor(next() * 2500));
      const candidates = live.filter((w) => !spared.has(w));
      const victim = candidates[Math.floor(next() * candidates.length)];
      if (!victim) break;
      victim.kill('SIGKILL');
      killed++;
      await victim.exited;
      spawnOne();
    }
    await Promise.all(live.map((w) => w.exited));
  }
  phase('kills', since);
  since = performance.now();
  // Resume to completion: rows left sending/unknown are settled first, not_sent rows requeued.
  let finalCode: number | null = null;
  for (let i = 0; i < 8; i++) {
    const round = await Promise.all(Array.from({ length: workers }, () => run(sim.url)));
    runs += round.length;
    finalCode = round.find((r) => r.code !== 0)?.code ?? 0;
    if (!(await openRows())) break;
  }
  phase('resume', since);
  since = performance.now();

  const journalEntries = (await (await fetch(`${sim.url}/__admin/journal`)).json()) as JournalEntry[];
  const stats = (await (await fetch(`${sim.url}/__admin/stats`)).json()) as Record<string, unknown>;
  const ledgerRows = await readLedgerRows();
  const check = checkExactlyOnce(journalEntries, ledgerRows, rows);
  const problems = [...check.problems];
  if (finalCode !== 0) problems.push(`the last run exited ${finalCode}, not 0`);
  if (workers > 1) problems.push(...partitionProblems());
  phase('check', since);
  const seconds = (performance.now() - t0) / 1000;

  const faults = (stats as { faults?: unknown }).faults;
  console.log(
    JSON.stringify(
      {
        ledger: values.ledger,
        workers,
        rows,
        runs,
        killed,
        ...(partition ? { partition } : {}),
        final_exit_code: finalCode,
        journal_entries: journalEntries.length,
        ledger_rows: ledgerRows.length,
        paid_or_pending_rows: check.paidOrPending,
        failed_rows: check.failed,
        paid_twice: check.paidTwice,
        lost: check.lost,
        faults_injected: faults,
        seconds: Math.round(seconds),
        phases_ms: phases,
        runs_ms: runTimes,
      },
      null,
      2,
    ),
  );
  if (problems.length) {
    console.error(`${problems.length} violation(s):\n${problems.slice(0, 50).join('\n')}`);
    process.exitCode = 1;
  } else {
    console.log('exactly once: every row paid once, none twice, none lost');
  }
} finally {
  sim.child.kill('SIGTERM');
  postgres?.stop();
  if (!values.keep) rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
}

/** What the partition case must have shown; an empty list when it showed it. */
function partitionProblems(): string[] {
  if (!partition) return ['the partition case did not run: no worker was paying to be paused, or it never exited'];
  const problems: string[] = [];
  if (partition.held_at_pause > 0 && partition.taken_over === 0) problems.push(`partition: none of the ${partition.held_at_pause} row(s) the paused worker held was taken by another worker during the pause`);
  if (partition.open_at_pause > partition.held_at_pause && partition.settled_by_others_meanwhile === 0) problems.push('partition: no row was settled by the other workers while one was paused (they stalled behind it)');
  if (partition.held_at_pause > 0 && partition.refused_writes === 0 && !partition.transaction_ended) {
    problems.push(`partition: the paused worker held ${partition.held_at_pause} open row(s), yet once resumed none of its writes was refused by the fence and no transaction of it was ended`);
  }
  return problems;
}

/** Rows in a final state (paid, failed …) or otherwise settled: not queued, sending or unknown. */
async function settledCount(): Promise<number> {
  return Number((await pgQuery<{ n: string }>(`SELECT count(*) AS n FROM payout_rows WHERE status NOT IN ('queued','sending','unknown')`))[0]!.n);
}

async function pgQuery<T extends pg.QueryResultRow>(text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: ledger });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

async function readLedgerRows(): Promise<LedgerPayoutRow[]> {
  const text = `SELECT provider, order_key, status, amount_minor, provider_payout_id FROM payout_rows`;
  if (shared) return pgQuery<LedgerPayoutRow>(text);
  const db = new Database(ledger, { readonly: true });
  try {
    return db.prepare(text).all() as LedgerPayoutRow[];
  } finally {
    db.close();
  }
}

async function openRows(): Promise<number> {
  const text = `SELECT count(*) AS n FROM payout_rows WHERE status IN ('queued','sending','unknown','not_sent')`;
  try {
    if (shared) return Number((await pgQuery<{ n: string }>(text))[0]?.n ?? 1);
    const db = new Database(ledger, { readonly: true });
    try {
      return (db.prepare(text).get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 1;
  }
}

/**
 * Runs this test twice as child processes, same arguments: with the earlier checkout's `payout-batch`, then with this
 * one's; prints both results and the ratio of their times. Fails when either run finds a violation.
 */
async function compareWithBaseline(baselineRoot: string): Promise<number> {
  const args = process.argv.slice(2).filter((a, i, all) => a !== '--baseline' && all[i - 1] !== '--baseline' && !a.startsWith('--baseline='));
  const once = (runRoot: string) =>
    new Promise<{ code: number | null; result: Record<string, unknown> | undefined }>((resolveRun) => {
      const child = spawn(process.execPath, [...process.execArgv, import.meta.filename, ...args, '--root', runRoot], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.once('exit', (code) => {
        const json = out.slice(out.indexOf('{'), out.lastIndexOf('}') + 1);
        let result: Record<string, unknown> | undefined;
        try {
          result = JSON.parse(json) as Record<string, unknown>;
        } catch {
          process.stderr.write(out);
        }
        resolveRun({ code, result });
      });
    });
  const before = await once(baselineRoot);
  const after = await once(resolve(import.meta.dirname, '..'));
  const seconds = (r: typeof before) => (typeof r.result?.seconds === 'number' ? r.result.seconds : NaN);
  const brief = (r: typeof before) => ({ exit_code: r.code, ...Object.fromEntries(Object.entries(r.result ?? {}).filter(([k]) => k !== 'runs_ms')) });
  console.log(
    JSON.stringify(
      {
        baseline: { root: baselineRoot, ...brief(before) },
        this_version: brief(after),
        seconds: { baseline: seconds(before), this_version: seconds(after), ratio: Number((seconds(after) / seconds(before)).toFixed(3)) },
      },
      null,
      2,
    ),
  );
  return before.code === 0 && after.code === 0 ? 0 : 1;
}
