import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { generateBatch } from '../../bench/generate-batch.ts';
import { runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from '../support/cli.ts';

// `run` kept every checked row of the file in memory (and the ledger inputs and the result rows beside them): a
// 1,000,000-row CSV peaked at 1.5 GB under --dry-run where validate of the same file needs about 200 MB, and a
// larger file would not fit. The rows now stream from the reader through the plan (counts and totals) into the
// results and the ledger. On 200,000 rows the old code peaked near 485 MB; now about 240 MB.
const BOUND_MB = 330;

let sim: RecordingSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('run --dry-run does not hold every row in memory', () => {
  it(`plans 200,000 rows in under ${BOUND_MB} MB peak RSS`, async () => {
    sim = await startRecordingSimulator();
    const dir = tempDir();
    const file = join(dir, 'big.csv');
    await generateBatch({ path: file, rows: 200_000, provider: 'openpay', prefix: 'MEM' });
    // The child's own high-water mark (VmHWM), written at exit by a preloaded module.
    const rssFile = join(dir, 'rss.json');
    const preload = join(dir, 'rss.mjs');
    writeFileSync(
      preload,
      `import { readFileSync, writeFileSync } from 'node:fs';
process.on('exit', () => {
  const kb = /VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  writeFileSync(${JSON.stringify(rssFile)}, JSON.stringify({ kb: Number(kb ?? process.resourceUsage().maxRSS) }));
});
`,
    );
    const result = await runCli(
      ['run', file, '--provider', 'openpay', '--simulator-url', sim.url, '--ledger', join(dir, 'ledger.sqlite'), '--dry-run', '--out', join(dir, 'out'), '--format', 'csv', '--json'],
      { env: { NODE_OPTIONS: `--import ${pathToFileURL(preload).href}` } },
    );
    expect(result.code).toBe(0);
    expect(result.summary!.counts).toEqual({ queued: 200_000 });
    const peakMb = (JSON.parse(readFileSync(rssFile, 'utf8')) as { kb: number }).kb / 1024;
    expect(peakMb).toBeLessThan(BOUND_MB);
    expect(sim.moneyMoving()).toBe(0);
  }, 240_000);
});
