/** Test support: the real CLI as a user runs it, and a simulator that records every request it answers. */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/simulator/index.ts';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'payout-batch.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The --json summary, when the command printed one. */
  summary?: Record<string, any>;
}

/** What onSpawn gets: a way to signal the child, and what it has written to stderr so far. */
export interface SpawnedCli {
  stderr(): string;
}

export function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; onSpawn?: (kill: (signal: NodeJS.Signals) => void, child: SpawnedCli) => void } = {},
): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  options.onSpawn?.((signal) => child.kill(signal), { stderr: () => stderr });
  return new Promise((done) =>
    child.once('close', (code) => {
      let summary: Record<string, any> | undefined;
      const last = stdout.trim().split('\n').at(-1);
      if (last?.startsWith('{')) {
        try {
          summary = JSON.parse(last);
        } catch {
          summary = undefined;
        }
      }
      done({ code, stdout, stderr, ...(summary ? { summary } : {}) });
    }),
  );
}

export interface RecordingSimulator extends RunningSimulator {
  requests: Array<{ provider: string; method: string; path: string; status?: number }>;
  /** Money-moving requests seen so far (payouts, transfers, payout orders, transfer requests). */
  moneyMoving(): number;
  journal(): Promise<Array<{ provider: string; provider_id: string; reference: unknown; destination: string; amount_cents: number; status: string }>>;
  advance(ms: number): Promise<void>;
}

const MONEY_MOVING = [/\/payouts$/, /\/transfers$/, /\/payout_orders$/, /\/transfer-requests\/add$/];

export async function startRecordingSimulator(options: SimulatorOptions = {}): Promise<RecordingSimulator> {
  const requests: RecordingSimulator['requests'] = [];
  const sim = await startSimulator({
    port: 0,
    seed: 1,
    ...options,
    logger: (line: any) => {
      if (line.method && line.path) requests.push({ provider: line.provider, method: line.method, path: line.path, status: line.status });
    },
  });
  return Object.assign(sim, {
    requests,
    moneyMoving: () => requests.filter((r) => r.method === 'POST' && MONEY_MOVING.some((re) => re.test(r.path.split('?')[0]!))).length,
    journal: async () => (await (await fetch(`${sim.url}/__admin/journal`)).json()) as never,
    advance: async (ms: number) => void (await fetch(`${sim.url}/__admin/advance?ms=${ms}`, { method: 'POST' })),
  });
}

export function tempDir(prefix = 'payout-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
