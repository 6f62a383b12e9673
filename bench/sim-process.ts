/** Starts `payout-batch simulator` as its own process (as a real provider is), for benchmarks and the crash test. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');
export const BIN = join(ROOT, 'bin', 'payout-batch.js');
// The command under test is the installed one, which runs the compiled build.
if (!existsSync(join(ROOT, 'dist', 'main.js'))) throw new Error('dist/main.js is missing: run `npm run build` first');

export interface SimProcess {
  url: string;
  child: ChildProcess;
  stats(): Promise<SimStats>;
  journal(): Promise<Array<{ provider: string; provider_id: string; amount_cents: number; status: string }>>;
  stop(): Promise<void>;
}

export interface SimStats {
  providers: Record<string, { requests: number; peak_requests_per_second: number; responses_429: number; rate_limited: number; faults: Record<string, number> }>;
  faults: Record<string, number>;
}

/** `port` 0 (the default) picks a free one; BENCH_SIM_PORT sets a fixed one where the machine's ports are shared out. */
export function startSimulatorProcess(args: string[], port: number | string = process.env.BENCH_SIM_PORT ?? 0): Promise<SimProcess> {
  const child = spawn(process.execPath, [BIN, 'simulator', '--port', String(port), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolveSim, reject) => {
    let out = '';
    const onExit = (code: number | null) => reject(new Error(`simulator exited with ${code}: ${out}`));
    child.once('exit', onExit);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (!m) return;
      child.off('exit', onExit);
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      const url = m[1]!;
      resolveSim({
        url,
        child,
        stats: async () => (await (await fetch(`${url}/__admin/stats`)).json()) as SimStats,
        journal: async () => (await (await fetch(`${url}/__admin/journal`)).json()) as never,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}
