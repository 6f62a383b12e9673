/**
 * Cooperating workers benchmark: N = 1, 2, 4 `run` processes share one batch on a PostgreSQL ledger, against a
 * simulator process answering with 50 ms latency. All figures are measured in this one run:
 *  1. without a rate limit: aggregate payouts/s over the busy span (first dispatch start → last dispatch end) for each
 *     N, and the ratio to N = 1 (how it scales);
 *  2. with the simulator enforcing --rate R (a sliding second) and every worker told --rate R: aggregate payouts/s and
 *     its ratio to R (target ≥ 0.95), the simulator's busiest second (≤ R), and the 429s its limit sent (target 0).
 *     The workers share one budget kept in the ledger (rate_slots), so R holds for all of them together.
 * Every round checks the simulator's journal against the ledger: 0 paid twice, 0 lost.
 *
 *   npm run bench:workers -- [--rows 3000] [--rate 100] [--rate-seconds 10] [--concurrency 16] [--workers 1,2,4]
 *                            [--sim-port 0]
 *
 * PAYOUT_BATCH_TEST_PG_URL names a PostgreSQL server to use (a fresh database per round); without it a throwaway one
 * is started.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startThrowawayPostgres } from '../test/support/throwaway-postgres.ts';
import { checkExactlyOnce, type JournalEntry, type LedgerPayoutRow } from './exactly-once.ts';
import { generateBatch } from './generate-batch.ts';
import { BIN, startSimulatorProcess } from './sim-process.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '3000' },
    rate: { type: 'string', default: '100' },
    'rate-seconds': { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '16' },
    workers: { type: 'string', default: '1,2,4' },
    'sim-port': { type: 'string', default: '0' },
  },
});
const counts = values.workers!.split(',').map(Number);
const work = mkdtempSync(join(tmpdir(), 'payout-bench-workers-'));
const givenPg = process.env.PAYOUT_BATCH_TEST_PG_URL;
const postgres = givenPg ? { url: givenPg, stop: () => {} } : await startThrowawayPostgres();

async function admin(sql: string, url = postgres.url): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

let databases = 0;
async function freshDatabase(): Promise<string> {
  const name = `bench_workers_${process.pid}_${(databases += 1)}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(postgres.url);
  url.pathname = `/${name}`;
  return url.toString();
}

interface Dispatched {
  rows: number;
  ms: number;
  /** Epoch ms of the dispatched record (its end). */
  end: number;
}

function worker(file: string, simulatorUrl: string, ledger: string, extra: string[]): Promise<Dispatched> {
  const out = join(work, `out-${Math.random().toString(36).slice(2)}`);
  const child = spawn(process.execPath, [BIN, 'run', file, '--provider', 'openpay', '--simulator-url', simulatorUrl, '--ledger', ledger, '--out', out, '--format', 'csv', '--json', ...extra], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`run exited ${code}: ${stderr.slice(-1500)}`));
      const log = readFileSync(join(out, 'run.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      const d = log.find((r) => r.event === 'dispatched') as { rows: number; ms: number; time: number | string } | undefined;
      if (!d) return reject(new Error('no dispatched record in the run log'));
      resolve({ rows: d.rows, ms: d.ms, end: typeof d.time === 'number' ? d.time : Date.parse(d.time) });
    }),
  );
}

/** N workers on one fresh batch: aggregate payouts/s over the busy span, the simulator's 429s, exactly-once. */
async function round(n: number, rows: number, simArgs: string[], runArgs: string[], prefix: string) {
  const file = join(work, `${prefix}-${n}.csv`);
  await generateBatch({ path: file, rows, provider: 'openpay', prefix: `${prefix}${n}` });
  const ledger = await freshDatabase();
  const sim = await startSimulatorProcess(['--seed', String(n), '--faults', 'latency=50..50', ...simArgs], values['sim-port']);
  try {
    const done = await Promise.all(Array.from({ length: n }, () => worker(file, sim.url, ledger, runArgs)));
    const span = (Math.max(...done.map((d) => d.end)) - Math.min(...done.map((d) => d.end - d.ms))) / 1000;
    const stats = await sim.stats();
    const journal = (await sim.journal()) as unknown as JournalEntry[];
    const ledgerRows = (await admin('SELECT provider, order_key, status, amount_minor, provider_payout_id FROM payout_rows', ledger)) as LedgerPayoutRow[];
    const check = checkExactlyOnce(journal, ledgerRows, rows);
    return {
      workers: n,
      rows,
      rows_per_worker: done.map((d) => d.rows),
      busy_seconds: Number(span.toFixed(2)),
      payouts_per_second: Math.round(rows / span),
      busiest_second: stats.providers.openpay?.peak_requests_per_second ?? 0,
      responses_429: stats.providers.openpay?.responses_429 ?? 0,
      rate_limited_429: stats.providers.openpay?.rate_limited ?? 0,
      paid_twice: check.paidTwice,
      lost: check.lost,
    };
  } finally {
    await sim.stop();
    // A server this run did not start keeps nothing of it.
    if (givenPg) await admin(`DROP DATABASE IF EXISTS ${new URL(ledger).pathname.slice(1)} WITH (FORCE)`);
  }
}

const report: Record<string, unknown> = { load_average_at_start: loadavg().map((l) => Number(l.toFixed(1))) };
try {
  const concurrency = values.concurrency!;
  const free = [];
  for (const n of counts) free.push(await round(n, Number(values.rows), [], ['--rate', '100000', '--concurrency', concurrency], 'NR'));
  const base = free[0]!.payouts_per_second;
  report.no_rate = free.map((r) => ({ ...r, ratio_to_first: Number((r.payouts_per_second / base).toFixed(2)) }));

  const rate = Number(values.rate);
  const limited = [];
  for (const n of counts) limited.push(await round(n, rate * Number(values['rate-seconds']), ['--rate', String(rate)], ['--rate', String(rate), '--concurrency', concurrency], 'RL'));
  report.rate = { configured: rate, target_ratio: 0.95, rounds: limited.map((r) => ({ ...r, ratio_to_rate: Number((r.payouts_per_second / rate).toFixed(3)) })) };
  report.load_average_at_end = loadavg().map((l) => Number(l.toFixed(1)));
  console.log(JSON.stringify(report, null, 2));
} finally {
  postgres.stop();
  rmSync(work, { recursive: true, force: true });
}

