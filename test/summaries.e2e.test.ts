import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runCli, startRecordingSimulator, tempDir as makeTempDir, type RecordingSimulator } from './support/cli.ts';

/** End to end: what the summaries of validate and run tell about the rows that are not payable. */

const made: string[] = [];
const tempDir = (): string => {
  const dir = makeTempDir('summaries-e2e-');
  made.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
let sim: RecordingSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** 3 valid rows, then 12 rows with a CLABE checksum error and 2 with an unreadable amount (17 rows in all). */
function fileWithBadRows(dir: string): string {
  const lines = ['order_id,clabe,beneficiario,monto'];
  lines.push('OK-1,012180001183597198,José Peña,100.00', 'OK-2,002180001234567896,Ana López,200.00', 'OK-3,646180109400135624,Eva Ruiz,300.00');
  for (let i = 0; i < 12; i += 1) lines.push(`BAD-${i},012180001183597199,Luis Ortega,10.00`);
  lines.push('AMT-1,014180005678123453,Sol Díaz,"1.500,00"', 'AMT-2,014180005678123453,Sol Díaz,diez');
  const file = join(dir, 'pagos.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('summaries list counts per code and the first problem rows', { timeout: 60_000 }, () => {
  it('validate --json: issues_by_code and first_issues, capped, with the count of the rest', async () => {
    const dir = tempDir();
    const result = await runCli(['validate', fileWithBadRows(dir), '--provider', 'openpay', '--out', join(dir, 'out'), '--json']);
    expect(result.code).toBe(2);
    const s = result.summary!;
    // The fields that were there before stay as they were.
    expect(s.counts).toEqual({ valid: 3, invalid: 14 });
    expect(s.issues_by_code).toEqual({ CLABE_CHECKSUM: 12, AMOUNT_FORMAT: 2 });
    expect(s.first_issues).toHaveLength(10);
    expect(s.first_issues[0]).toMatchObject({ row: 5, field: 'account', code: 'CLABE_CHECKSUM', status: 'invalid' });
    expect(s.first_issues.map((i: { row: number }) => i.row)).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect(s.more_issues).toBe(4);
  });

  it('validate: the readable summary has a line per code and "row N · field · CODE · message", then "and N more in results.xlsx"', async () => {
    const dir = tempDir();
    const result = await runCli(['validate', fileWithBadRows(dir), '--provider', 'openpay', '--out', join(dir, 'out')]);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/^CLABE_CHECKSUM\s+12$/m);
    expect(result.stdout).toMatch(/^AMOUNT_FORMAT\s+2$/m);
    expect(result.stdout).toMatch(/^ {2}row 5 · account · CLABE_CHECKSUM · \S/m);
    expect(result.stdout).toMatch(/^ {2}and 4 more in results\.xlsx$/m);
  });

  it('run: the same fields from the ledger; run again, it says the batch was already finished and sends nothing', async () => {
    sim = await startRecordingSimulator();
    const dir = tempDir();
    const file = fileWithBadRows(dir);
    const args = (out: string, json: boolean) => ['run', file, '--provider', 'openpay', '--simulator-url', sim!.url, '--ledger', join(dir, 'ledger.sqlite'), '--out', join(dir, out), '--format', 'csv', ...(json ? ['--json'] : [])];
    const first = await runCli(args('out1', true));
    expect(first.code).toBe(2);
    expect(first.summary!.issues_by_code).toEqual({ CLABE_CHECKSUM: 12, AMOUNT_FORMAT: 2 });
    expect(first.summary!.first_issues[0]).toMatchObject({ row: 5, field: 'account', code: 'CLABE_CHECKSUM' });
    expect(first.summary!.more_issues).toBe(4);
    expect(first.summary!.already_finished).toBeUndefined();
    const sent = sim.moneyMoving();
    expect(sent).toBe(3);

    const again = await runCli(args('out2', true));
    expect(again.summary!.already_finished).toMatchObject({ sent_now: 0 });
    expect(Date.parse(again.summary!.already_finished.at)).toBeGreaterThanOrEqual(Date.parse(first.summary!.started_at));
    expect(sim.moneyMoving()).toBe(sent);
    const text = await runCli(args('out3', false));
    expect(text.stdout).toMatch(/already finished at .+; 0 sent now/);
    expect(text.stdout).toMatch(/and 4 more in results\.csv/);
  });
});
