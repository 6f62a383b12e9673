import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import type { FaultSpec } from '../../src/simulator/core/fault-spec.ts';
import { runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from '../support/cli.ts';

// Ctrl-C during `run` aborted the one signal every wait listened to: a row already marked `sending` whose request was
// waiting for its rate-limit slot (or about to leave) was cut and recorded `unknown`, although the provider would have
// answered within milliseconds. The first signal now only stops new rows; requests in flight finish within a grace
// period and keep the provider's answer. A second signal cuts them (the rows stay unknown for the next run's lookup).
let sim: RecordingSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

type Result = { order_id: string; status: string };
const results = (dir: string) => parse(readFileSync(join(dir, 'results.csv'), 'utf8'), { columns: true, bom: true }) as Result[];

function batchFile(dir: string, rows: number, prefix: string): string {
  const file = join(dir, 'batch.csv');
  const lines = ['order_id,clabe,nombre,monto'];
  for (let i = 0; i < rows; i++) lines.push(`${prefix}-${i},646180109400135624,Persona ${i},${10 + i}.00`);
  writeFileSync(file, lines.join('\n'));
  return file;
}

function args(file: string, dir: string, out: string, extra: string[] = []): string[] {
  return ['run', file, '--provider', 'openpay', '--simulator-url', sim!.url, '--ledger', join(dir, 'ledger.sqlite'), '--out', join(dir, out), '--format', 'csv', '--json', ...extra];
}

const poll = (ready: () => boolean, then: () => void) => {
  const check = () => (ready() ? then() : setTimeout(check, 20));
  check();
};

const pollAsync = (ready: () => Promise<boolean>, then: () => void) => {
  const check = () => void ready().then((ok) => (ok ? then() : setTimeout(check, 20)), () => setTimeout(check, 20));
  check();
};

describe('an interrupted run lets the requests in flight finish', () => {
  it('first SIGINT: every row the provider created is pending, none unknown; a re-run pays the rest exactly once', async () => {
    sim = await startRecordingSimulator({ faults: 'latency=200..200' });
    const dir = tempDir();
    const rows = 300;
    const file = batchFile(dir, rows, 'GRACE');
    // --rate makes rows marked `sending` wait for their slot, as any provider limit does (sandbox/live: 5/s).
    const first = await runCli(args(file, dir, 'o1', ['--concurrency', '8', '--rate', '20']), {
      onSpawn: (kill) => poll(() => sim!.moneyMoving() >= 8, () => kill('SIGINT')),
    });
    expect(first.code).toBe(130);
    const afterFirst = results(join(dir, 'o1'));
    const created = new Set((await sim.journal()).map((e) => String(e.reference)));
    expect(created.size).toBeGreaterThanOrEqual(8);
    expect(created.size).toBeLessThan(rows);
    for (const r of afterFirst.filter((x) => created.has(x.order_id))) expect(['pending', 'paid']).toContain(r.status);
    expect(afterFirst.filter((r) => r.status === 'unknown')).toHaveLength(0);
    // What was not created was never sent: released for the next run, not left in flight.
    for (const r of afterFirst.filter((x) => !created.has(x.order_id))) expect(r.status).toBe('not_sent');

    const second = await runCli(args(file, dir, 'o2'));
    expect(second.code).toBe(0);
    expect(results(join(dir, 'o2')).every((r) => r.status === 'pending')).toBe(true);
    const journal = await sim.journal();
    expect(journal).toHaveLength(rows);
    expect(new Set(journal.map((e) => e.reference)).size).toBe(rows);
  }, 90_000);

  it('a second SIGINT cuts the grace period: the rows in flight are unknown, and a re-run settles them without paying twice', async () => {
    // Requests held 8 s at the provider (under the simulator target's 10 s request timeout): far longer than the two
    // signals take to arrive, even on a loaded machine (with 3 s, the answers sometimes came back before the second
    // signal). The simulator reads this object on every request, so the re-runs below go without the delay.
    const faults: FaultSpec = { latency: { min: 8_000, max: 8_000 } };
    sim = await startRecordingSimulator({ faults });
    const dir = tempDir();
    const rows = 24;
    const file = batchFile(dir, rows, 'CUT');
    const log = join(dir, 'o1', 'run.log');
    const first = await runCli(args(file, dir, 'o1', ['--concurrency', '8', '--grace-seconds', '60']), {
      onSpawn: (kill, child) =>
        pollAsync(
          // Eight requests at the provider and not answered yet (the simulator counts a request as it arrives and logs
          // it once answered): the first signal must come while they are in flight, not between two waves of them.
          async () => {
            const stats = (await (await fetch(`${sim!.url}/__admin/stats`)).json()) as { providers: Record<string, { requests: number }> };
            return stats.providers.openpay!.requests - sim!.requests.filter((r) => r.provider === 'openpay').length >= 8;
          },
          () => {
            kill('SIGINT');
            // The second signal once the command has seen the first: its stderr line, written at once (the log file is
            // written asynchronously, and on a loaded machine its line came after the requests were answered).
            poll(() => child.stderr().includes('stopping after the requests in flight'), () => kill('SIGINT'));
          },
        ),
    });
    expect(first.code).toBe(130);
    // The second signal cut the requests in flight (rather than their answers coming first).
    expect(readFileSync(log, 'utf8')).toContain('"event":"cut"');
    const afterFirst = results(join(dir, 'o1'));
    // Had the grace period run, the requests in flight would have been answered (3 s) and recorded pending.
    expect(afterFirst.filter((r) => r.status === 'unknown').length).toBeGreaterThan(0);
    expect(afterFirst.every((r) => ['pending', 'unknown', 'not_sent'].includes(r.status))).toBe(true);
    delete faults.latency;

    const runs = [await runCli(args(file, dir, 'o2'))];
    while (runs.at(-1)!.code !== 0 && runs.length < 3) runs.push(await runCli(args(file, dir, `o${runs.length + 2}`)));
    expect(runs.at(-1)!.code).toBe(0);
    expect(results(runs.at(-1)!.summary!.out_dir).every((r) => r.status === 'pending')).toBe(true);
    const journal = await sim.journal();
    expect(journal).toHaveLength(rows);
    expect(new Set(journal.map((e) => e.reference)).size).toBe(rows);
  }, 120_000);
});
