/**
 * `npm run bench:report`: report on a large ledger scope, in bounded memory. Builds a SQLite ledger directly
 * through the store (one batch of queued rows, fast), then runs writeReports (statement + reconciliation, xlsx)
 * and the batch's results.xlsx from the ledger in a child process, and prints its peak RSS and rows/s. Baseline
 * measured in the same run: the same report on a tenth of the rows. Bounded memory shows as a peak that does not
 * grow with the rows (target ≤ 400 MB at 1M). --rows N (default 1,000,000).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load-config.ts';
import { openLedger } from '../src/ledger/open-ledger.ts';
import { mapRows } from '../src/ledger/collect-rows.ts';
import { writeReports } from '../src/report/write-reports.ts';
import { resultRowFromLedger } from '../src/write/result-row-from-ledger.ts';
import { writeResultsFile } from '../src/write/results-writer.ts';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

async function buildLedger(path: string, rows: number): Promise<string> {
  const ledger = await openLedger(path, { create: true });
  const { batch } = await ledger.openBatch({ fileHash: createHash('sha256').update(`bench-${rows}`).digest('hex'), provider: 'openpay', environment: 'simulator', account: 'merchant:bench', fileName: 'bench.csv', rowCount: rows });
  const CHUNK = 5000;
  for (let start = 0; start < rows; start += CHUNK) {
    const chunk = [];
    for (let i = start; i < Math.min(rows, start + CHUNK); i++) {
      const n = i + 2;
      chunk.push({
        rowNumber: n,
        status: 'queued' as const,
        orderKey: `B-${n}`,
        amountMinor: 10_000 + (i % 9000),
        currency: 'MXN' as const,
        account: { kind: 'clabe' as const, number: `0021800${String(n).padStart(11, '0')}`, bankCode: '002', bankName: 'BANAMEX' },
        name: `Beneficiario ${n}`,
      });
    }
    await ledger.insertRows(batch.id, chunk);
  }
  await ledger.close();
  return batch.id;
}

async function child(path: string, batchId: string, out: string): Promise<void> {
  const ledger = await openLedger(path);
  const config = loadConfig({ target: 'simulator', env: {} }).config;
  const started = performance.now();
  await writeResultsFile(out, 'xlsx', mapRows(ledger.rowsForReport({ batchId }), resultRowFromLedger));
  await writeReports({ ledger, scope: { batchId }, environment: 'simulator', outDir: out, format: 'xlsx', config, notComparedReason: 'bench' });
  const seconds = (performance.now() - started) / 1000;
  await ledger.close();
  process.stdout.write(`${JSON.stringify({ seconds, maxRssKb: process.resourceUsage().maxRSS })}\n`);
}

async function measure(rows: number, dir: string): Promise<{ rows: number; seconds: number; rssMb: number; rowsPerSecond: number }> {
  const path = join(dir, `ledger-${rows}.sqlite`);
  const t0 = performance.now();
  const batchId = await buildLedger(path, rows);
  process.stderr.write(`built ${rows} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--child', path, batchId, join(dir, `out-${rows}`)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (result.status !== 0) throw new Error(`report child failed: ${result.stderr}`);
  const { seconds, maxRssKb } = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { seconds: number; maxRssKb: number };
  return { rows, seconds, rssMb: maxRssKb / 1024, rowsPerSecond: rows / seconds };
}

if (process.argv[2] === '--child') {
  await child(process.argv[3]!, process.argv[4]!, process.argv[5]!);
} else {
  const rows = arg('--rows', 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
  try {
    const base = await measure(Math.max(1, Math.round(rows / 10)), dir);
    const big = await measure(rows, dir);
    for (const m of [base, big]) console.log(`report ${m.rows} rows: ${m.seconds.toFixed(1)} s, ${Math.round(m.rowsPerSecond)} rows/s, peak RSS ${Math.round(m.rssMb)} MB`);
    console.log(`peak RSS ${Math.round(big.rssMb)} MB at ${big.rows} rows vs ${Math.round(base.rssMb)} MB at ${base.rows} (${(big.rssMb / base.rssMb).toFixed(2)}x for 10x the rows); rows/s ${(big.rowsPerSecond / base.rowsPerSecond).toFixed(2)}x the baseline; target peak <= 400 MB: ${big.rssMb <= 400 ? 'met' : 'NOT met'}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
