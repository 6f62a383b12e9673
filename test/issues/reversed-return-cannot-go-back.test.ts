import { readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLedger } from '../../src/ledger/open-ledger.ts';
import { EXIT } from '../../src/run-error.ts';
import { messageText } from '../../src/messages/stored-message.ts';
import { runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from '../support/cli.ts';
import { ledgerRows, mutateAtProvider } from '../support/simulator-admin.ts';

// A paid row the provider returned became failed / RETURNED, and the return released its order id. When the provider
// later showed the payout paid again (the return itself reversed), the ledger could not follow: failed was final, so
// the row stayed failed while the money was with the beneficiary, and nothing said so. And when a later batch had
// paid the same order id after the return (through another provider), that was two payouts of one order, reported
// nowhere. Now sync records the
// reversal (failed → paid, cause return_reversed, the row owns its order id again); if another row owns the order id
// by then, the row stays failed flagged PAID_TWICE, naming that row, and sync exits 3.
describe('a return the provider reverses', () => {
  let sim: RecordingSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
  });

  const mutate = (body: Record<string, unknown>) => mutateAtProvider(sim!.url, body);
  const rowsOf = async (ledgerPath: string, orderKey: string) =>
    (await ledgerRows(ledgerPath, ['paid', 'failed', 'pending', 'duplicate', 'queued'])).filter((r) => r.orderKey === orderKey);

  it('makes the row paid again when nobody took its order id, and reports PAID_TWICE (exit 3) when a later batch paid it', async () => {
    sim = await startRecordingSimulator({ settleMs: 1000 });
    const dir = tempDir('payout-reversed-');
    const ledgerPath = join(dir, 'ledger.sqlite');
    const file = join(dir, 'a.csv');
    writeFileSync(file, 'order_id,clabe,nombre,monto\nREV-1,012180001183597198,Ana,150.00\nREV-2,012180001183597198,Beto,160.00\n');
    const common = ['--simulator-url', sim.url, '--ledger', ledgerPath, '--format', 'csv', '--json'];
    let n = 0;
    const sync = () => runCli(['sync', '--all', ...common, '--out', join(dir, `s${++n}`)]);
    expect((await runCli(['run', file, '--provider', 'openpay', ...common, '--out', join(dir, 'run1')])).code).toBe(EXIT.OK);
    await sim.advance(5000);
    expect((await sync()).code).toBe(EXIT.OK);
    const [one] = await rowsOf(ledgerPath, 'REV-1');
    const [two] = await rowsOf(ledgerPath, 'REV-2');

    // Both are returned.
    await mutate({ provider: 'openpay', provider_id: one!.providerPayoutId, status: 'failed' });
    await mutate({ provider: 'openpay', provider_id: two!.providerPayoutId, status: 'failed' });
    const returned = await sync();
    expect(returned.code).toBe(EXIT.MONEY_NEEDS_ATTENTION);
    expect(returned.summary?.return_window).toMatchObject({ returned: 2 });

    // REV-2 is paid again by a later batch, through Conekta (the return released its order id; Openpay itself would
    // answer the same order_id with the returned payout).
    const later = join(dir, 'b.csv');
    writeFileSync(later, 'reference,account_number,account_holder_name,amount,currency\nREV-2,072180009876543213,Beto,160.00,MXN\n');
    expect((await runCli(['run', later, '--provider', 'conekta', ...common, '--out', join(dir, 'run2')])).code).toBe(EXIT.OK);
    await sim.advance(5000);
    expect((await sync()).code).toBe(EXIT.MONEY_NEEDS_ATTENTION);

    // The provider reverses both returns.
    await mutate({ provider: 'openpay', provider_id: one!.providerPayoutId, status: 'completed' });
    await mutate({ provider: 'openpay', provider_id: two!.providerPayoutId, status: 'completed' });
    const reversed = await sync();
    expect(reversed.code).toBe(EXIT.MONEY_NEEDS_ATTENTION);
    expect(reversed.summary?.return_window).toMatchObject({ return_reversed: 1, paid_twice: 1 });
    const warnings = (reversed.summary?.warnings as string[]).join('\n');
    expect(warnings).toMatch(/paid twice/);

    // REV-1: paid again, the reversal in its history, and it owns its order id again.
    const [oneNow] = await rowsOf(ledgerPath, 'REV-1');
    expect(oneNow).toMatchObject({ status: 'paid', providerStatus: 'completed' });
    expect(oneNow?.errorCode).toBeUndefined();
    // REV-2: the first row stays failed, flagged PAID_TWICE, naming the later batch's row; that row stays paid.
    const twoRows = await rowsOf(ledgerPath, 'REV-2');
    const first = twoRows.find((r) => r.id === two!.id);
    const second = twoRows.find((r) => r.id !== two!.id);
    expect(first).toMatchObject({ status: 'failed', errorCode: 'PAID_TWICE', providerStatus: 'completed' });
    expect(messageText(first?.errorMessage, 'en')).toContain(`${second!.batchId} row ${second!.rowNumber}`);
    expect(second).toMatchObject({ status: 'paid' });
    const ledger = await openLedger(ledgerPath);
    try {
      expect((await ledger.history(one!.id)).at(-1)).toMatchObject({ from: 'failed', to: 'paid', cause: 'return_reversed' });
      expect((await ledger.history(two!.id)).at(-1)).toMatchObject({ from: 'failed', to: 'failed', cause: 'return_reversed', errorCode: 'PAID_TWICE' });
    } finally {
      await ledger.close();
    }

    // It stays reported while it stands (exit 3 again, no new history); the report says so too.
    const again = await sync();
    expect(again.code).toBe(EXIT.MONEY_NEEDS_ATTENTION);
    expect(again.summary?.return_window).toMatchObject({ return_reversed: 0, paid_twice: 1 });
    const batchId = first!.batchId;
    expect((await runCli(['report', '--batch', batchId, ...common, '--out', join(dir, 'r1')])).code).toBe(EXIT.MONEY_NEEDS_ATTENTION);
    const exceptions = parse(readFileSync(join(dir, 'r1', 'exceptions.csv'), 'utf8'), { columns: true, bom: true }) as Array<Record<string, string>>;
    expect(exceptions.filter((e) => Object.values(e).includes(two!.providerPayoutId!)).map((e) => Object.values(e))).toEqual([expect.arrayContaining(['STATE_MISMATCH'])]);

    // REV-1 owns its order id again: the same order id in a new file is a duplicate, not paid a second time.
    const moneyBefore = sim.moneyMoving();
    const third = join(dir, 'c.csv');
    writeFileSync(third, 'order_id,clabe,nombre,monto\nREV-1,012180001183597198,Ana,150.00\n');
    const dup = await runCli(['run', third, '--provider', 'openpay', ...common, '--out', join(dir, 'run3')]);
    expect(dup.summary?.counts).toMatchObject({ duplicate: 1 });
    expect(sim.moneyMoving()).toBe(moneyBefore);
  }, 180_000);
});
