/**
 * Crash test: pays a batch of thousands of rows against a separate simulator process with faults, killing the
 * `run` process with SIGKILL at random moments again and again, then resumes it to completion. Finally the
 * simulator's journal (what was really paid) is compared with the ledger: every valid row paid exactly once, none
 * twice, none lost. Prints the figures; exits 1 on any violation.
 *
 *   npm run torture -- [--rows 4000] [--kills 12] [--seed 7] [--faults SPEC]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { parseArgs } from 'node:util';
import { generateBatch } from './generate-batch.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '4000' },
    kills: { type: 'string', default: '12' },
    seed: { type: 'string', default: '7' },
    faults: { type: 'string', default: 'http500=0.03,http503=0.03,http429=0.03,timeout=0.01,drop_after_commit=0.03' },
    keep: { type: 'boolean', default: false },
  },
});
const rows = Number(values.rows);
const kills = Number(values.kills);
const seed = Number(values.seed);
const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin', 'payout-batch.js');
// The command under test is the installed one, which runs the compiled build.
if (!existsSync(join(root, 'dist', 'main.js'))) throw new Error('dist/main.js is missing: run `npm run build` first');
const work = mkdtempSync(join(tmpdir(), 'payout-torture-'));
const file = join(work, 'batch.csv');
const ledger = join(work, 'ledger.sqlite');
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
  const child = spawn(process.execPath, [bin, 'simulator', '--port', '0', '--seed', String(seed), '--faults', values.faults!, '--journal', journal, '--settle-ms', '200'], {
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

function run(url: string, killAfterMs?: number): Promise<{ code: number | null; killed: boolean }> {
  // Each run writes into a folder of its own, as an operator re-running a file names a new --out (a used one is refused).
  runNumber += 1;
  const child = spawn(process.execPath, [bin, 'run', file, '--provider', 'openpay', '--simulator-url', url, '--ledger', ledger, '--config', config, '--out', join(work, `out-${runNumber}`), '--format', 'csv', '--json', '--max-attempts', '6'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  let killed = false;
  const timer = killAfterMs === undefined ? undefined : setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, killAfterMs);
  return new Promise((resolveRun) =>
    child.once('exit', (code) => {
      if (timer) clearTimeout(timer);
      if (!killed && code !== 0 && code !== 2) process.stderr.write(`run exited ${code}: ${stderr.slice(-2000)}\n`);
      resolveRun({ code, killed });
    }),
  );
}

const t0 = performance.now();
// A short request timeout so the injected `timeout` fault (a request never answered) costs seconds, not minutes.
writeFileSync(config, JSON.stringify({ providers: Object.fromEntries(['openpay', 'conekta', 'digitalfemsa', 'zenrise'].map((p) => [p, { timeoutMs: 1500, rate: 2000, concurrency: 32 }])) }));
await generateBatch({ path: file, rows, provider: 'mixed', seed, destinations: Math.ceil(rows / 3), prefix: `T${seed}` });
const sim = await startSimulator();
let killed = 0;
let runs = 0;
try {
  for (let i = 0; i < kills; i++) {
    const r = await run(sim.url, 300 + Math.floor(next() * 2500));
    runs++;
    if (r.killed) killed++;
    else if (r.code === 0) break;
  }
  // Resume to completion: rows left sending/unknown are settled first, not_sent rows requeued.
  let finalCode: number | null = null;
  for (let i = 0; i < 8; i++) {
    const r = await run(sim.url);
    runs++;
    finalCode = r.code;
    if (!openRows()) break;
  }

  const journalEntries = (await (await fetch(`${sim.url}/__admin/journal`)).json()) as Array<{ provider: string; provider_id: string; amount_cents: number; status: string; reference: unknown }>;
  const stats = (await (await fetch(`${sim.url}/__admin/stats`)).json()) as Record<string, unknown>;
  const db = new Database(ledger, { readonly: true });
  const ledgerRows = db.prepare(`SELECT provider, order_key, status, amount_minor, provider_payout_id FROM payout_rows`).all() as Array<{ provider: string; order_key: string; status: string; amount_minor: number; provider_payout_id: string | null }>;
  db.close();

  const byPayoutId = new Map<string, number>();
  for (const e of journalEntries) byPayoutId.set(`${e.provider}:${e.provider_id}`, (byPayoutId.get(`${e.provider}:${e.provider_id}`) ?? 0) + 1);
  const referenced = new Set<string>();
  const problems: string[] = [];
  let paidRows = 0;
  for (const r of ledgerRows) {
    if (['pending', 'paid', 'failed'].includes(r.status) && r.provider_payout_id) {
      const key = `${r.provider}:${r.provider_payout_id}`;
      if (referenced.has(key)) problems.push(`two ledger rows point at ${key}`);
      referenced.add(key);
      if (!byPayoutId.has(key) && r.status !== 'failed') problems.push(`row ${r.order_key} (${r.status}) points at ${key}, absent from the journal`);
      const entry = journalEntries.find((e) => `${e.provider}:${e.provider_id}` === key);
      if (entry && entry.amount_cents !== r.amount_minor) problems.push(`row ${r.order_key}: ledger ${r.amount_minor} vs journal ${entry.amount_cents}`);
      if (r.status !== 'failed') paidRows++;
    } else if (r.status !== 'failed') {
      problems.push(`row ${r.order_key} ended ${r.status}`);
    }
  }
  if (ledgerRows.length !== rows) problems.push(`the ledger holds ${ledgerRows.length} rows, the file ${rows}`);
  if (finalCode !== 0) problems.push(`the last run exited ${finalCode}, not 0`);
  const unreferenced = journalEntries.filter((e) => !referenced.has(`${e.provider}:${e.provider_id}`));
  for (const e of unreferenced) problems.push(`paid at ${e.provider} (${e.provider_id}, ${e.amount_cents}) but not in the ledger: a double payment or a lost row`);
  const seconds = (performance.now() - t0) / 1000;

  const faults = (stats as { faults?: unknown }).faults;
  console.log(
    JSON.stringify(
      {
        rows,
        runs,
        killed,
        final_exit_code: finalCode,
        journal_entries: journalEntries.length,
        ledger_rows: ledgerRows.length,
        paid_or_pending_rows: paidRows,
        failed_rows: ledgerRows.filter((r) => r.status === 'failed').length,
        paid_twice: unreferenced.length,
        lost: ledgerRows.filter((r) => !['pending', 'paid', 'failed'].includes(r.status)).length,
        faults_injected: faults,
        seconds: Math.round(seconds),
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
  if (!values.keep) rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
}

function openRows(): number {
  const db = new Database(ledger, { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM payout_rows WHERE status IN ('queued','sending','unknown','not_sent')`).get() as { n: number }).n;
  } catch {
    return 1;
  } finally {
    db.close();
  }
}
