/**
 * Dispatch benchmark, all figures measured in this one run:
 *  1. payouts/s through `payout-batch run` (durable SQLite ledger) against a simulator process with no latency;
 *  2. achieved rate / configured --rate against a simulator enforcing that same rate (and the 429s we caused);
 *  3. at 50 ms provider latency: `run` at concurrency 32 vs a plain sequential loop (one request at a time, as a
 *     script around an SDK does), both through the same Openpay adapter.
 *
 *   npm run bench:dispatch -- [--rows 20000] [--rate 200] [--latency-rows 3000]
 */
import { spawnSync } from 'node:child_process';
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
  },
});
const work = mkdtempSync(join(tmpdir(), 'payout-bench-'));

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
  {
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
  {
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
  {
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
  console.log(JSON.stringify(report, null, 2));
} finally {
  rmSync(work, { recursive: true, force: true });
}
