/**
 * Start-up benchmark: `payout-batch --help` as installed (bin → compiled dist/) against the same command run from
 * source through the tsx loader (what the command did before it was compiled), with bare `node -e ''` as the floor.
 * Every figure is measured in this one run: each command is a child process timed from spawn to exit, runs are
 * interleaved, and the median and p90 count. Peak RSS is the child's VmHWM, written at exit by a preloaded
 * data: module.
 *
 *   npm run bench:startup -- [--repeat 30]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { repeat: { type: 'string', default: '30' } } });
const repeat = Number(values.repeat);
if (!Number.isSafeInteger(repeat) || repeat < 3) throw new Error(`--repeat must be an integer ≥ 3, got ${values.repeat}`);
if (!existsSync(join(ROOT, 'dist', 'main.js'))) throw new Error('dist/main.js is missing: run npm run build first');

const RSS_PRELOAD = `data:text/javascript,${encodeURIComponent(`
import { readFileSync, writeFileSync } from 'node:fs';
process.on('exit', () => {
  let kb;
  try { kb = /VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]; } catch {}
  writeFileSync(process.env.BENCH_RSS_FILE, String(kb ?? process.resourceUsage().maxRSS));
});`)}`;

interface Side {
  name: string;
  args: string[];
  ms: number[];
  rssKb: number[];
}

const sides: Side[] = [
  { name: 'node -e "" (floor)', args: ['-e', ''], ms: [], rssKb: [] },
  { name: 'compiled (bin → dist/)', args: [join(ROOT, 'bin', 'payout-batch.js'), '--help'], ms: [], rssKb: [] },
  { name: 'from source (tsx)', args: ['--import', 'tsx', join(ROOT, 'src', 'main.ts'), '--help'], ms: [], rssKb: [] },
];

const work = mkdtempSync(join(tmpdir(), 'payout-bench-startup-'));
const rssFile = join(work, 'rss');

function once(side: Side): Promise<void> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, ['--import', RSS_PRELOAD, ...side.args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '', BENCH_RSS_FILE: rssFile },
  });
  let stderr = '';
  child.stdout.resume();
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done, fail) =>
    child.once('close', (code) => {
      if (code !== 0) return fail(new Error(`${side.name} exited ${code}: ${stderr}`));
      side.ms.push(Number(process.hrtime.bigint() - started) / 1e6);
      side.rssKb.push(Number(readFileSync(rssFile, 'utf8')));
      done();
    }),
  );
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

// One warm-up round (file cache), then `repeat` interleaved rounds.
for (const side of sides) await once(side);
for (const side of sides) side.ms.length = side.rssKb.length = 0;
for (let round = 0; round < repeat; round++) for (const side of sides) await once(side);
rmSync(work, { recursive: true, force: true });

console.log(`payout-batch --help start-up, ${repeat} interleaved runs each`);
console.log(`${'command'.padEnd(26)} ${'median ms'.padStart(10)} ${'p90 ms'.padStart(8)} ${'peak RSS MB'.padStart(12)}`);
for (const side of sides) {
  console.log(`${side.name.padEnd(26)} ${quantile(side.ms, 0.5).toFixed(0).padStart(10)} ${quantile(side.ms, 0.9).toFixed(0).padStart(8)} ${(quantile(side.rssKb, 0.5) / 1024).toFixed(1).padStart(12)}`);
}
const [, compiled, source] = sides as [Side, Side, Side];
const ratio = quantile(compiled.ms, 0.5) / quantile(source.ms, 0.5);
const rssSaved = (quantile(source.rssKb, 0.5) - quantile(compiled.rssKb, 0.5)) / 1024;
console.log(`compiled / from source: ${ratio.toFixed(2)}× the time (median), ${rssSaved.toFixed(1)} MB less peak RSS`);
