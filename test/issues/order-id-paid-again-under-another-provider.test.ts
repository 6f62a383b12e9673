import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from '../support/cli.ts';

/**
 * One key for a payout across providers: the merchant's order_id names the payout intent whatever provider carries
 * it. Against the simulator's journal (what the providers actually paid): the same payouts routed to a second
 * provider are never paid twice.
 */
let sim: RecordingSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const ROWS = [
  ['XP-1', '012180001183597198', 'Jon Doe', '150.00'],
  ['XP-2', '072180009876543213', 'Fernanda Ruiz', '1,234.56'],
  ['XP-3', '014180005555555555', 'Proveedora Norte', '99.01'],
];

function write(dir: string, name: string, header: string, rows: string[][]): string {
  const path = join(dir, name);
  writeFileSync(path, [header, ...rows.map((r) => r.map((c) => (c.includes(',') ? `"${c}"` : c)).join(','))].join('\n') + '\n');
  return path;
}

function results(out: string): Array<Record<string, string>> {
  return parse(readFileSync(join(out, 'results.csv')), { bom: true, columns: true }) as Array<Record<string, string>>;
}

describe('the same payouts under another provider', () => {
  it('same bytes: refused before planning (exit 1, naming the earlier batch); with the override, every row is a duplicate', async () => {
    sim = await startRecordingSimulator();
    const dir = tempDir();
    const ledger = join(dir, 'ledger.sqlite');
    const file = write(dir, 'payouts.csv', 'order_id,clabe,name,amount', ROWS);
    const run = (provider: string, out: string, extra: string[] = []) =>
      runCli(['run', file, '--provider', provider, '--simulator-url', sim!.url, '--ledger', ledger, '--out', join(dir, out), '--format', 'csv', '--json', ...extra]);

    expect((await run('openpay', 'o1')).code).toBe(0);
    const again = await run('conekta', 'o2');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already run as batch [0-9a-f]+ with --provider openpay/);
    expect(sim.moneyMoving()).toBe(3);

    const forced = await run('conekta', 'o3', ['--allow-other-provider']);
    expect(forced.code).toBe(2);
    const rows = results(join(dir, 'o3'));
    expect(rows.map((r) => [r.status, r.error_code])).toEqual(ROWS.map(() => ['duplicate', 'DUPLICATE_ORDER_ID']));
    expect(rows[0]!.error_message).toMatch(/openpay/);
    expect((await sim.journal()).map((e) => e.provider)).toEqual(['openpay', 'openpay', 'openpay']);
  }, 60_000);

  it('a re-exported copy (other bytes, other column names) for another provider: duplicates, and a changed amount is a conflict', async () => {
    sim = await startRecordingSimulator();
    const dir = tempDir();
    const ledger = join(dir, 'ledger.sqlite');
    const run = (file: string, provider: string, out: string) =>
      runCli(['run', file, '--provider', provider, '--simulator-url', sim!.url, '--ledger', ledger, '--out', join(dir, out), '--format', 'csv', '--json']);
    expect((await run(write(dir, 'a.csv', 'order_id,clabe,name,amount', ROWS), 'openpay', 'o1')).code).toBe(0);

    const copy = [ROWS[0]!, ROWS[1]!, [ROWS[2]![0]!, ROWS[2]![1]!, ROWS[2]![2]!, '100.00']];
    const second = await run(write(dir, 'b.csv', 'reference,account_number,account_holder_name,amount', copy), 'conekta', 'o2');
    expect(second.code).toBe(2);
    expect(results(join(dir, 'o2')).map((r) => r.status)).toEqual(['duplicate', 'duplicate', 'conflict']);
    expect((await sim.journal()).map((e) => e.provider)).toEqual(['openpay', 'openpay', 'openpay']);
  }, 60_000);

  it('a provider column routing the same order_ids elsewhere: duplicates of the earlier batch, and inside one file the second route is a duplicate', async () => {
    sim = await startRecordingSimulator();
    const dir = tempDir();
    const ledger = join(dir, 'ledger.sqlite');
    const run = (file: string, out: string) =>
      runCli(['run', file, '--provider', 'openpay', '--simulator-url', sim!.url, '--ledger', ledger, '--out', join(dir, out), '--format', 'csv', '--json']);
    expect((await run(write(dir, 'a.csv', 'order_id,clabe,name,amount', ROWS), 'o1')).code).toBe(0);

    const routed = write(dir, 'b.csv', 'order_id,clabe,name,amount,provider', [
      [...ROWS[0]!, 'conekta'],
      [...ROWS[1]!, 'conekta'],
      ['XP-4', '012180001183597198', 'Jon Doe', '10.00', 'conekta'],
      ['XP-4', '012180001183597198', 'Jon Doe', '10.00', 'openpay'],
    ]);
    const second = await run(routed, 'o2');
    expect(second.code).toBe(2);
    expect(results(join(dir, 'o2')).map((r) => r.status)).toEqual(['duplicate', 'duplicate', expect.stringMatching(/^(pending|paid)$/), 'duplicate']);
    const journal = await sim.journal();
    expect(journal).toHaveLength(4);
    expect(journal.filter((e) => e.provider === 'conekta')).toHaveLength(1);
  }, 60_000);
});
