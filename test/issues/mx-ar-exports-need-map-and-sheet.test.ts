/**
 * Issue 13, item 7: files as MX/AR back offices export them needed --map ("Folio", "Nro. Orden", "Razón Social");
 * `--sheet Dispersion` did not find "Dispersión"; with an instructions sheet first, the missing-columns error did
 * not mention the other sheets; an invalid alias was masked in its own message, hiding the typo; a "$" currency
 * was rejected. The real CLI (dist/) on a workbook written like one of theirs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { cbuBlock1CheckDigit, cbuBlock2CheckDigit } from '../../src/validate/cbu-cvu.ts';
import { runCli, tempDir } from '../support/cli.ts';

function cbu(bank: string, account: string): string {
  const block1 = `${bank}0001`;
  const block2 = account.padStart(13, '0');
  return `${block1}${cbuBlock1CheckDigit(block1)}${block2}${cbuBlock2CheckDigit(block2)}`;
}

describe('issue 13: MX/AR exports read without --map, sheets found like headers', () => {
  let dir: string;
  let workbook: string;
  const good = cbu('017', '22000000678');
  // The same CBU with one letter O typed for a 0: a mistyped number, kept masked.
  const typoCbu = `${good.slice(0, 20)}O${good.slice(21)}`;

  beforeAll(async () => {
    dir = tempDir('mx-ar-');
    workbook = join(dir, 'Pagos Proveedores Nov.xlsx');
    const book = new ExcelJS.Workbook();
    const help = book.addWorksheet('Instrucciones');
    help.addRow(['Complete la hoja Dispersión: una transferencia por fila.']);
    help.addRow(['Moneda: $ (pesos)']);
    const sheet = book.addWorksheet('Dispersión');
    sheet.addRow(['Nro. Orden', 'Alias CBU', 'Titular de la cuenta', 'Importe neto', 'Moneda', 'Concepto']);
    sheet.addRow(['AR-1', good, 'Juan Pérez', '15.000,00', '$', 'Honorarios']);
    sheet.addRow(['AR-2', 'casa perro.sol', 'Lucía Fernández', '2500,50', '$', 'Honorarios']);
    sheet.addRow(['AR-3', typoCbu, 'Marta Gómez', '100,00', 'ARS', 'Honorarios']);
    await book.xlsx.writeFile(workbook);
  });

  it('without --sheet, names the instructions sheet, lists the other sheet\'s headers and says which --sheet to pass', async () => {
    const result = await runCli(['validate', workbook, '--provider', 'zenrise', '--out', join(dir, 'none'), '--json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('sheet "Instrucciones"');
    expect(result.stderr).toContain('"Dispersión": "Nro. Orden", "Alias CBU", "Titular de la cuenta", "Importe neto", "Moneda", "Concepto"');
    expect(result.stderr).toContain('--sheet "Dispersión"');
  }, 30_000);

  it('with --sheet Dispersion, reads the headers without --map, takes "$" as ARS, and shows the mistyped alias as typed', async () => {
    const out = join(dir, 'out');
    const result = await runCli(['validate', workbook, '--provider', 'zenrise', '--sheet', 'Dispersion', '--format', 'csv', '--out', out, '--json']);
    expect(result.code, result.stderr).toBe(2); // some rows are not payable
    const rows = parse(readFileSync(join(out, 'results.csv')), { bom: true, columns: true }) as Array<Record<string, string>>;
    const byOrder = Object.fromEntries(rows.map((r) => [r.order_id, r]));
    expect(byOrder['AR-1']).toMatchObject({ status: 'valid', currency: 'ARS', amount: '15000.00', name: 'Juan Pérez' });
    expect(byOrder['AR-2']).toMatchObject({ status: 'invalid', error_code: 'ALIAS_FORMAT', account: 'casa perro.sol' });
    // results.csv's messages are in --lang, Spanish by default.
    expect(byOrder['AR-2']!.error_message).toContain('"casa perro.sol" tiene un espacio');
    expect(byOrder['AR-3']).toMatchObject({ status: 'invalid' });
    expect(readFileSync(join(out, 'results.csv'), 'utf8')).not.toContain(typoCbu);
  }, 30_000);
});
