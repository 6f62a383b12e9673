import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterEach, describe, expect, it } from 'vitest';
import { webhooksCommand } from '../../src/commands/webhooks/webhooks-command.ts';
import { collectRows } from '../../src/ledger/collect-rows.ts';
import { openLedger } from '../../src/ledger/open-ledger.ts';
import { EXIT } from '../../src/run-error.ts';
import { runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from '../support/cli.ts';

// A provider event for a payout the ledger does not account for — a second Conekta transfer under the order id of a
// paid row — was only a log line of the webhook receiver ("unaccounted_payout"). `report` never saw it unless its
// listing window happened to hold the payout (and Zenrise lists nothing): "exceptions: none", exit 0, while the
// beneficiary may have been paid twice. The receiver now confirms the payout at the provider and keeps it in the
// ledger; report lists it as NOT_IN_LEDGER (workbook, exceptions.csv, terminal) and exits 3, and so does sync.
const DAY_MS = 86_400_000;

describe('a payout only a provider event knows about is a reconciliation exception', () => {
  let sim: RecordingSimulator | undefined;
  let stop: AbortController | undefined;
  afterEach(async () => {
    stop?.abort();
    await sim?.close();
  });

  it('report lists it as NOT_IN_LEDGER in the workbook, exceptions.csv and the summary, exit 3; a forged one adds nothing', async () => {
    sim = await startRecordingSimulator({ settleMs: 1000 });
    const dir = tempDir('payout-unaccounted-');
    const ledgerPath = join(dir, 'ledger.sqlite');
    const file = join(dir, 'ck.csv');
    writeFileSync(file, 'reference,account_number,account_holder_name,amount,currency\nUA-1,072180009876543213,Titular Uno,200.50,MXN\n');
    const common = ['--simulator-url', sim.url, '--ledger', ledgerPath, '--format', 'csv'];
    const run = await runCli(['run', file, '--provider', 'conekta', ...common, '--json', '--out', join(dir, 'run')]);
    expect(run.code).toBe(EXIT.OK);
    const batchId = run.summary!.batch_id as string;
    await sim.advance(5000);
    expect((await runCli(['sync', ...common, '--json', '--out', join(dir, 's1')])).code).toBe(EXIT.OK);
    const report = (out: string, json = true) => runCli(['report', '--batch', batchId, ...common, ...(json ? ['--json'] : []), '--out', join(dir, out)]);
    const clean = await report('r0');
    expect(clean.code).toBe(EXIT.OK);
    expect(clean.summary?.exceptions).toBe(0);

    // Weeks later a second transfer under UA-1 appears at the provider (outside any window the report lists).
    await sim.advance(40 * DAY_MS);
    const created = await fetch(`${sim.url}/__admin/mutate`, {
      method: 'POST',
      body: JSON.stringify({ provider: 'conekta', create: { amount_cents: 20_050, destination: '072180009876543213', reference: 'UA-1' } }),
    });
    expect(created.status).toBe(201);
    const second = ((await created.json()) as { provider_id: string }).provider_id;

    stop = new AbortController();
    const receiver = { done: Promise.resolve(0) };
    const url = await new Promise<string>((resolve, reject) => {
      receiver.done = webhooksCommand({ port: 0, host: '127.0.0.1', ledger: ledgerPath, target: 'simulator', simulatorUrl: sim!.url }, { out: () => {}, signal: stop!.signal, onListening: resolve, env: {} });
      receiver.done.catch(reject);
    });
    const post = (payoutId: string) =>
      fetch(`${url}/webhooks/conekta`, {
        method: 'POST',
        body: JSON.stringify({ type: 'payout.paid_out', id: `evt_${payoutId}`, created_at: 1_700_000_000, data: { object: { id: payoutId, object: 'transfer', status: 'paid_out', amount: 20_050, currency: 'MXN', metadata: { order_id: 'UA-1' } } } }),
      });
    const real = await post(second);
    expect(real.status).toBe(200);
    expect(await real.json()).toMatchObject({ outcome: 'unaccounted_payout' });
    // A forged event under the same order id for a payout the provider does not have is dropped.
    const forged = await post('tr_forged_0000000000000000');
    expect(await forged.json()).toMatchObject({ outcome: 'unknown_payout' });
    stop.abort();
    expect(await receiver.done).toBe(0);

    // The row itself is untouched: still paid, with its own payout id.
    const ledger = await openLedger(ledgerPath);
    try {
      const [row] = await collectRows(ledger.rowsByStatus(batchId, ['paid']));
      expect(row?.providerPayoutId).not.toBe(second);
      expect((await ledger.unaccountedPayouts('simulator')).map((p) => p.providerPayoutId)).toEqual([second]);
    } finally {
      await ledger.close();
    }

    const flagged = await report('r1');
    expect(flagged.code).toBe(EXIT.MONEY_NEEDS_ATTENTION);
    expect(flagged.summary?.exceptions).toBe(1);
    const csv = parse(readFileSync(join(dir, 'r1', 'exceptions.csv'), 'utf8'), { columns: true, bom: true }) as Array<Record<string, string>>;
    expect(csv).toHaveLength(1);
    expect(Object.values(csv[0]!)).toEqual(expect.arrayContaining(['NOT_IN_LEDGER', 'conekta', second, 'UA-1']));
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(join(dir, 'r1', 'reconciliation.xlsx'));
    const sheet = workbook.getWorksheet('Excepciones')!;
    const cells: unknown[] = [];
    sheet.eachRow((r) => r.eachCell((c) => void cells.push(c.value)));
    expect(cells).toEqual(expect.arrayContaining(['NOT_IN_LEDGER', second]));
    // The terminal summary counts it.
    const text = await report('r2', false);
    expect(text.code).toBe(EXIT.MONEY_NEEDS_ATTENTION);
    expect(text.stdout).toMatch(/exceptions: 1 /);

    // sync, which writes the same reconciliation, says money needs attention too.
    expect((await runCli(['sync', ...common, '--json', '--out', join(dir, 's2')])).code).toBe(EXIT.MONEY_NEEDS_ATTENTION);
  }, 180_000);
});
