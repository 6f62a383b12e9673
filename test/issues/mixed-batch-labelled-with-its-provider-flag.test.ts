import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from '../support/cli.ts';

/**
 * Issue 13: a batch whose rows a provider column routes to several providers was labelled with the one --provider
 * given (summary, reconciliation's Batches table), and its rows naming an unknown provider (or an invalid row of a
 * known one) were filed and counted under that --provider. Here no row goes to openpay, the --provider given.
 */
const dir = tempDir('issue-13-mixed-label-');
let sim: RecordingSimulator;
beforeAll(async () => {
  sim = await startRecordingSimulator();
});
afterAll(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

function mixedFile(): string {
  const file = join(dir, 'pagos-mixtos.csv');
  writeFileSync(
    file,
    [
      'proveedor,referencia,cuenta,nombre,importe,moneda',
      'conekta,MX-1,002180001234567896,Ana López,10.00,MXN',
      'zenrise,AR-1,0170099220000000678120,Juan Pérez,"1.500,50",ARS',
      'paypal,PP-1,012180001183597198,Luis Ortega,20.00,MXN',
      'conekta,MX-2,12345,Eva Ruiz,30.00,MXN',
    ].join('\n'),
  );
  return file;
}

/** results.csv as records keyed by column. */
function results(path: string): Array<Record<string, string>> {
  const [header, ...lines] = readFileSync(path, 'utf8').replace(/^\uFEFF/, '').trim().split('\n');
  const columns = header!.split(',');
  return lines.map((line) => Object.fromEntries(line.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.slice(0, columns.length).map((cell, i) => [columns[i]!, cell.replace(/,$/, '').replace(/^"|"$/g, '')])));
}

/** The Summary sheet's rows as arrays of cell values (a formula's cached result in place of the formula). */
async function summaryRows(path: string): Promise<unknown[][]> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.readFile(path);
  const rows: unknown[][] = [];
  book.worksheets[0]!.eachRow((row) => {
    rows.push((row.values as unknown[]).slice(1).map((v) => (v && typeof v === 'object' && 'formula' in v ? ((v as { result?: unknown }).result ?? 0) : v)));
  });
  return rows;
}

it('a mixed batch run with --provider is labelled mixed, and a row naming an unknown provider counts under none', { timeout: 120_000 }, async () => {
  const file = mixedFile();
  const validated = await runCli(['validate', file, '--provider', 'openpay', '--out', join(dir, 'validate'), '--json']);
  expect(validated.summary).toMatchObject({ provider: 'mixed', providers: ['conekta', 'zenrise'] });

  const ledger = join(dir, 'ledger.sqlite');
  const out = join(dir, 'run');
  const run = await runCli(['run', file, '--provider', 'openpay', '--simulator-url', sim.url, '--ledger', ledger, '--out', out, '--json']);
  expect(run.code).toBe(2);
  expect(run.summary).toMatchObject({ provider: 'mixed', providers: ['conekta', 'zenrise'], issues_by_code: { PROVIDER_UNKNOWN: 1, CLABE_LENGTH: 1 } });
  const batchId = run.summary!.batch_id as string;

  // results: the unknown provider as the file wrote it, the invalid conekta row under conekta; none under openpay.
  const byOrder = new Map(results(join(out, 'results.csv')).map((r) => [r.order_id, r]));
  expect(byOrder.get('PP-1')).toMatchObject({ provider: 'paypal', status: 'invalid', error_code: 'PROVIDER_UNKNOWN' });
  expect(byOrder.get('MX-2')).toMatchObject({ provider: 'conekta', status: 'invalid', error_code: 'CLABE_LENGTH' });
  expect([...byOrder.values()].map((r) => r.provider)).not.toContain('openpay');

  const listed = await runCli(['batches', '--ledger', ledger, '--json']);
  expect(listed.summary!.batches[0]).toMatchObject({ id: batchId, provider: 'mixed', providers: ['conekta', 'zenrise'] });
  const status = await runCli(['status', batchId, '--ledger', ledger, '--json']);
  expect(status.summary!.batch).toMatchObject({ provider: 'mixed', providers: ['conekta', 'zenrise'] });
  const invalid = status.summary!.rows_by_status.invalid.rows as Array<{ order_id: string; provider: string | null }>;
  expect(Object.fromEntries(invalid.map((r) => [r.order_id, r.provider]))).toEqual({ 'PP-1': null, 'MX-2': 'conekta' });
  const text = await runCli(['batches', '--ledger', ledger]);
  expect(text.stdout).toContain('mixed (conekta, zenrise)');

  // The reconciliation: the Batches table names the batch's providers; no line for openpay; the unknown one apart.
  for (const [lang, mixed, none] of [['es', 'mixto (conekta, zenrise)', 'ninguno'], ['en', 'mixed (conekta, zenrise)', 'none']] as const) {
    const reportOut = join(dir, `report-${lang}`);
    const report = await runCli(['report', '--batch', batchId, '--simulator-url', sim.url, '--ledger', ledger, '--out', reportOut, '--lang', lang, '--json']);
    expect(report.summary!.exit_code, report.stderr).toBe(2);
    const rows = await summaryRows(join(reportOut, 'reconciliation.xlsx'));
    expect(rows.find((r) => r[0] === batchId)?.[1]).toBe(mixed);
    // Rows by provider (provider, sheet, rows …): no openpay line; the statement's table may still show its balance.
    expect(rows.some((r) => r[0] === 'openpay' && r[1] !== 'MXN')).toBe(false);
    const noProvider = rows.find((r) => typeof r[0] === 'string' && r[0].startsWith(none));
    expect(noProvider?.[2]).toBe(1);
    expect(rows.filter((r) => r[0] === 'conekta' && r[1] !== 'MXN').reduce((n, r) => n + Number(r[2]), 0)).toBe(2);
  }
});
