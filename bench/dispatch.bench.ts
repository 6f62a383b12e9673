/**
 * Dispatch benchmark, all figures measured in this one run:
 *  1. payouts/s through `payout-batch run` (durable SQLite ledger) against a simulator process with no latency;
 *  2. achieved rate / configured --rate against a simulator enforcing that same rate (and the 429s we caused);
 *  3. at 50 ms provider latency: `run` at concurrency 32 vs a plain sequential loop (one request at a time, as a
 *     script around an SDK does), both through the same Openpay adapter;
 *  4. 429 faults: 1,000 rows at 20–40 ms latency, `--concurrency 16 --rate 200`, with 3 % injected 429s
 *     (Retry-After 1 s) vs the same without them (target ≥ 0.8×);
 *  5. jitter: `--rate 50` against a simulator enforcing 50 on a sliding 1-s window with 5–30 ms latency, quiet and
 *     beside a CPU-bound process (target achieved / configured ≥ 0.95 and zero 429s in both).
 *
 *   npm run bench:dispatch -- [--rows 20000] [--rate 200] [--latency-rows 3000] [--only 4,5]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { requestKey } from '../src/domain/request-key.ts';
import { closeHttpAgent } from '../src/providers/http-client.ts';
import { getProvider } from '../src/providers/registry.ts';
import { providerBaseUrl } from '../src/providers/base-urls.ts';
import { SIMULATOR_CREDENTIALS } from '../src/simulator/index.ts';
import { clabeCheckDigit } from '../src/validate/clabe.ts';
import { generateBatch } from './generate-batch.ts';
import { BIN, startSimulatorProcess } from './sim-process.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '20000' },
    rate: { type: 'string', default: '200' },
    'rate-seconds': { type: 'string', default: '10' },
    'latency-rows': { type: 'string', default: '3000' },
    'sequential-rows': { type: 'string', default: '100' },
    'fault-rows': { type: 'string', default: '1000' },
    'jitter-rate': { type: 'string', default: '50' },
    'jitter-seconds': { type: 'string', default: '12' },
    only: { type: 'string', default: '1,2,3,4,5' },
  },
});
const work = mkdtempSync(join(tmpdir(), 'payout-bench-'));
const only = new Set(values.only.split(',').map((s) => Number(s.trim())));

/** Runs `payout-batch run` on a file and returns the dispatch figures from its log. */
function runBatch(file: string, simulatorUrl: string, extra: string[]): { rows: number; ms: number; exit: number | null } {
  const out = join(work, `out-${Math.random().toString(36).slice(2)}`);
  const result = spawnSync(process.execPath, [BIN, 'run', file, '--provider', 'openpay', '--simulator-url', simulatorUrl, '--ledger', join(out, 'ledger.sqlite'), '--out', out, '--format', 'csv', '--json', ...extra], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`run exited ${result.status}: ${result.stderr.slice(-1500)}`);
  const log = readFileSync(join(out, 'run.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const dispatched = log.find((r) => r.event === 'dispatched') as { rows: number; ms: number } | undefined;
  if (!dispatched) throw new Error('no dispatched record in the run log');
  return { rows: dispatched.rows, ms: dispatched.ms, exit: result.status };
}

const report: Record<string, unknown> = {};
try {
  // 1. Throughput, no latency.
  if (only.has(1)) {
    const rows = Number(values.rows);
    const file = join(work, 'throughput.csv');
    await generateBatch({ path: file, rows, provider: 'openpay', prefix: 'TP' });
    const sim = await startSimulatorProcess(['--seed', '1']);
    try {
      const r = runBatch(file, sim.url, ['--rate', '100000', '--concurrency', '64']);
      const journal = await sim.journal();
      report.throughput = { rows: r.rows, dispatch_seconds: r.ms / 1000, payouts_per_second: Math.round(r.rows / (r.ms / 1000)), target: 2000, journal_entries: journal.length };
    } finally {
      await sim.stop();
    }
  }

  // 2. Rate accuracy against a provider that enforces the same rate.
  if (only.has(2)) {
    const rate = Number(values.rate);
    const rows = rate * Number(values['rate-seconds']);
    const file = join(work, 'rate.csv');
    await generateBatch({ path: file, rows, provider: 'openpay', prefix: 'RT' });
    const sim = await startSimulatorProcess(['--seed', '2', '--rate', String(rate)]);
    try {
      const r = runBatch(file, sim.url, ['--rate', String(rate), '--concurrency', '32']);
      const stats = await sim.stats();
      const achieved = r.rows / (r.ms / 1000);
      report.rate = {
        configured: rate,
        rows: r.rows,
        achieved_per_second: Number(achieved.toFixed(1)),
        ratio: Number((achieved / rate).toFixed(3)),
        target_ratio: 0.95,
        peak_requests_in_one_second: stats.providers.openpay?.peak_requests_per_second,
        responses_429: stats.providers.openpay?.responses_429,
      };
    } finally {
      await sim.stop();
    }
  }

  // 3. 50 ms latency: run (concurrency 32) vs a sequential loop over the same adapter.
  if (only.has(3)) {
    const sim = await startSimulatorProcess(['--seed', '3', '--faults', 'latency=50..50']);
    try {
      const provider = getProvider('openpay');
      const session = { provider: 'openpay' as const, baseUrl: providerBaseUrl('openpay', 'simulator', sim.url), credentials: SIMULATOR_CREDENTIALS, timeoutMs: 10_000, auth: new Map(), now: () => new Date() };
      const sequentialRows = Number(values['sequential-rows']);
      const started = performance.now();
      for (let i = 0; i < sequentialRows; i++) {
        const first17 = `0121800${String(i).padStart(10, '0')}`;
        const orderId = `SEQ-${i}`;
        await provider.createPayout(session, {
          requestKey: requestKey('openpay', orderId),
          orderId,
          amountMinor: 10_000 + i,
          currency: 'MXN',
          account: { kind: 'clabe', number: first17 + clabeCheckDigit(first17), bankCode: '012' },
          name: 'Secuencial',
        });
      }
      const sequentialRate = sequentialRows / ((performance.now() - started) / 1000);
      await closeHttpAgent();

      const file = join(work, 'latency.csv');
      await generateBatch({ path: file, rows: Number(values['latency-rows']), provider: 'openpay', prefix: 'LT' });
      const r = runBatch(file, sim.url, ['--rate', '100000', '--concurrency', '32']);
      const ours = r.rows / (r.ms / 1000);
      report.latency_50ms = {
        sequential_rows: sequentialRows,
        sequential_per_second: Number(sequentialRate.toFixed(1)),
        run_rows: r.rows,
        run_concurrency: 32,
        run_per_second: Number(ours.toFixed(1)),
        ratio: Number((ours / sequentialRate).toFixed(1)),
        target_ratio: 20,
      };
    } finally {
      await sim.stop();
    }
  }

  // 4. 3 % random 429s (Retry-After 1 s) vs none, same rows, latency, concurrency and rate.
  if (only.has(4)) {
    const file = join(work, 'faults.csv');
    await generateBatch({ path: file, rows: Number(values['fault-rows']), provider: 'openpay', prefix: 'FL' });
    const measure = async (faults: string) => {
      const sim = await startSimulatorProcess(['--seed', '4', '--faults', faults]);
      try {
        const r = runBatch(file, sim.url, ['--rate', '200', '--concurrency', '16']);
        const stats = await sim.stats();
        return { per_second: Number((r.rows / (r.ms / 1000)).toFixed(1)), responses_429: stats.providers.openpay?.responses_429 ?? 0 };
      } finally {
        await sim.stop();
      }
    };
    const without = await measure('latency=20..40');
    const withFaults = await measure('latency=20..40,http429=0.03');
    report.faults_429 = {
      rows: Number(values['fault-rows']),
      without_429_per_second: without.per_second,
      with_3pct_429_per_second: withFaults.per_second,
      responses_429: withFaults.responses_429,
      ratio: Number((withFaults.per_second / without.per_second).toFixed(3)),
      target_ratio: 0.8,
    };
  }

  // 5. The rate held under latency jitter, quiet and beside a CPU-bound process.
  if (only.has(5)) {
    const rate = Number(values['jitter-rate']);
    const file = join(work, 'jitter.csv');
    await generateBatch({ path: file, rows: rate * Number(values['jitter-seconds']), provider: 'openpay', prefix: 'JT' });
    const measure = async (loaded: boolean) => {
      const hog = loaded ? spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }) : undefined;
      const sim = await startSimulatorProcess(['--seed', '5', '--rate', String(rate), '--faults', 'latency=5..30']);
      try {
        const r = runBatch(file, sim.url, ['--rate', String(rate), '--concurrency', '32']);
        const stats = await sim.stats();
        const achieved = r.rows / (r.ms / 1000);
        return {
          achieved_per_second: Number(achieved.toFixed(1)),
          ratio: Number((achieved / rate).toFixed(3)),
          peak_requests_in_one_second: stats.providers.openpay?.peak_requests_per_second,
          responses_429: stats.providers.openpay?.responses_429,
        };
      } finally {
        await sim.stop();
        hog?.kill('SIGKILL');
      }
    };
    const quiet = await measure(false);
    const loaded = await measure(true);
    report.jitter = { configured: rate, rows: rate * Number(values['jitter-seconds']), quiet, beside_cpu_bound_process: loaded, loaded_vs_quiet: Number((loaded.ratio / quiet.ratio).toFixed(3)), target_ratio: 0.95, target_429: 0 };
  }
  console.log(JSON.stringify(report, null, 2));
} finally {
  rmSync(work, { recursive: true, force: true });
}
