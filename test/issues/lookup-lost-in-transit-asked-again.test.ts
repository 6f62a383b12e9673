import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from '../support/cli.ts';

// A payout whose answer was lost (a 500 from Openpay on the POST: outcome unknown) is settled by lookup — for Openpay
// a resend of the same order_id. When that resend got a 500 too, the lookup gave up at once and the row ended
// `unknown` (exit 3): a whole second run was needed to ask again, though asking again is safe (the order_id cannot pay
// twice). The lookup is now retried like any read; one run settles every row.
let sim: RecordingSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

type Result = { order_id: string; status: string };

describe('a lookup lost in transit is asked again in the same run', () => {
  it('every row paid exactly once after one run, none left unknown, exit 0', async () => {
    // 35 % of requests answered 500: about a third of the lookups' resends are lost as well.
    sim = await startRecordingSimulator({ seed: 11, faults: 'http500=0.35' });
    const dir = tempDir();
    const rows = 30;
    const file = join(dir, 'batch.csv');
    const lines = ['order_id,clabe,nombre,monto'];
    for (let i = 0; i < rows; i++) lines.push(`LOST-${i},646180109400135624,Persona ${i},${10 + i}.00`);
    writeFileSync(file, lines.join('\n'));

    const run = await runCli(['run', file, '--provider', 'openpay', '--simulator-url', sim.url, '--ledger', join(dir, 'ledger.sqlite'), '--out', join(dir, 'o1'), '--format', 'csv', '--json', '--max-attempts', '6']);
    expect(run.code, run.stderr).toBe(0);
    const results = parse(readFileSync(join(dir, 'o1', 'results.csv'), 'utf8'), { columns: true, bom: true }) as Result[];
    expect(results).toHaveLength(rows);
    expect(results.filter((r) => r.status === 'unknown')).toEqual([]);
    for (const r of results) expect(['pending', 'paid']).toContain(r.status);
    // Resent order_ids were refused (1006): one payout per order_id at the provider, never two.
    const payoutsByOrder = new Map<string, Set<string>>();
    for (const e of await sim.journal()) payoutsByOrder.set(String(e.reference), (payoutsByOrder.get(String(e.reference)) ?? new Set()).add(e.provider_id));
    expect(payoutsByOrder.size).toBe(rows);
    expect([...payoutsByOrder.values()].filter((ids) => ids.size !== 1)).toEqual([]);
    // Lookups were needed (and asked again after a 500), so the case did happen.
    expect(sim.requests.filter((r) => r.method === 'POST' && r.status === 500).length).toBeGreaterThan(rows * 0.2);
  });
});
