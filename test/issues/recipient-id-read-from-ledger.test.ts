import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from '../support/cli.ts';

// When the ledger became asynchronous, the dispatcher's "do we already have a payee for this CLABE?" tested the
// pending lookup itself (always truthy) instead of the id it resolves to: a row whose payee was not yet stored was
// sent with no payee id. The rule: a payee is registered once per destination — once for concurrent rows of one
// run, never again in a later run (the id comes from the ledger) — and every transfer carries it.
describe('Conekta payee ids are read from the ledger, and created once per destination', () => {
  let sim: RecordingSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  const file = (dir: string, name: string, refs: string[]) => {
    const path = join(dir, name);
    const lines = ['reference,account_number,account_holder_name,amount,currency'];
    for (const [i, ref] of refs.entries()) lines.push(`${ref},012180001183597198,Jon Doe Account,${100 + i}.00,MXN`);
    writeFileSync(path, lines.join('\n'));
    return path;
  };

  it('two runs, four rows, one CLABE: one payee, four transfers, all accepted', async () => {
    sim = await startRecordingSimulator({ faults: 'latency=10..10' });
    const dir = tempDir();
    const ledger = join(dir, 'ledger.sqlite');
    const run = (path: string, out: string) =>
      runCli(['run', path, '--provider', 'conekta', '--simulator-url', sim!.url, '--ledger', ledger, '--out', join(dir, out), '--format', 'csv', '--json', '--concurrency', '4']);

    const first = await run(file(dir, 'a.csv', ['RCP-1', 'RCP-2']), 'o1');
    expect(first.code, first.stderr).toBe(0);
    const payees = () => sim!.requests.filter((r) => r.method === 'POST' && r.path.split('?')[0]!.endsWith('/payees'));
    expect(payees()).toHaveLength(1);

    const second = await run(file(dir, 'b.csv', ['RCP-3', 'RCP-4']), 'o2');
    expect(second.code, second.stderr).toBe(0);
    expect(payees()).toHaveLength(1);

    const transfers = sim.requests.filter((r) => r.method === 'POST' && r.path.split('?')[0]!.endsWith('/transfers'));
    expect(transfers).toHaveLength(4);
    expect(transfers.every((r) => r.status! >= 200 && r.status! < 300)).toBe(true);
    const journal = await sim.journal();
    // Conekta's journal reference is the transfer's metadata: {"order_id": reference, "request_key": …}.
    expect(journal.map((e) => (JSON.parse(String(e.reference)) as { order_id: string }).order_id).sort()).toEqual(['RCP-1', 'RCP-2', 'RCP-3', 'RCP-4']);
  }, 60_000);
});
