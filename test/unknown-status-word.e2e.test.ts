import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from './support/cli.ts';

/**
 * A provider that starts answering a status word its documentation does not name: the row keeps the word, stays not
 * final, and the command says which word and exits 3 (a person must look) — never a silent `pending` with exit 0.
 * Real CLI, a real ledger file, the simulator over HTTP answering the word through its admin lever.
 */
let sim: RecordingSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('an undocumented provider status word', () => {
  it('sync records it on the row, keeps the row pending, warns naming the word and exits 3; report exits 3 too', async () => {
    sim = await startRecordingSimulator();
    const dir = tempDir();
    const ledger = join(dir, 'ledger.sqlite');
    const common = ['--ledger', ledger, '--simulator-url', sim.url, '--format', 'csv', '--json'];
    const run = await runCli(['run', join(ROOT, 'samples/openpay-payouts.csv'), '--provider', 'openpay', '--out', join(dir, 'run'), ...common]);
    expect(run.code).toBe(2); // the sample holds deliberately bad rows; the valid ones are pending
    const journal = (await sim.journal()).filter((e) => e.provider === 'openpay');
    expect(journal.length).toBeGreaterThan(1);
    const target = journal[0]!;
    const mutated = await fetch(`${sim.url}/__admin/mutate`, { method: 'POST', body: JSON.stringify({ provider: 'openpay', provider_id: target.provider_id, undocumented_status: 'on_hold' }) });
    expect(mutated.status).toBe(200);

    const synced = await runCli(['sync', '--batch', run.summary!.batch_id, '--out', join(dir, 'sync'), ...common]);
    expect(synced.code).toBe(3);
    expect(synced.summary!.exit_code).toBe(3);
    expect(synced.summary!.warnings.join('\n')).toContain('openpay answered the status "on_hold" for 1 row(s)');
    const rows = parse(readFileSync(join(dir, 'sync', 'results.csv')), { bom: true, columns: true }) as Array<Record<string, string>>;
    const held = rows.filter((r) => r.provider_status === 'on_hold');
    expect(held).toHaveLength(1);
    expect(held[0]!.status).toBe('pending');
    expect(held[0]!.provider_id).toBe(target.provider_id);

    const reported = await runCli(['report', '--batch', run.summary!.batch_id, '--out', join(dir, 'report'), ...common]);
    expect(reported.code).toBe(3);
    expect(reported.summary!.warnings.join('\n')).toContain('"on_hold"');
    // Nothing was paid again on the way.
    expect(sim.moneyMoving()).toBe(journal.length);
  });
});
