import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from '../support/cli.ts';

/**
 * Issue 13: the reconciliation workbook and the statement mixed Spanish and English labels ("Estado de cuenta",
 * "Saldo inicial" beside "Opening balance", "Fee", "finished", "listing … payout(s) listed", the Exceptions' actions).
 * With --lang es (the default) every label is Spanish; with --lang en, English. Read back with exceljs.
 */
const dir = tempDir('issue-13-lang-');
let sim: RecordingSimulator;
beforeAll(async () => {
  sim = await startRecordingSimulator();
});
afterAll(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Words only the other language uses, as labels (matched as whole words, case-insensitively). */
const ENGLISH = ['Opening balance', 'Closing balance', 'Fee', 'Fees', 'Batch', 'Batches', 'Provider', 'Rows', 'Row', 'Status', 'Amount', 'Statement', 'Payouts', 'Returns', 'Summary', 'Generated', 'Scope', 'Ledger', 'not given', 'listing', 'listed', 'looked up', 'payout(s)', 'finished', 'mixed', 'none', 'Sheet', 'Debits', 'Count', 'Type', 'Time zone', 'net change', 'not compared', 'Suggested action', 'Detail', 'Date', 'Balance', 'Currency', 'Beneficiary', 'pending', 'invalid', 'the provider', 'Find who made'];
const SPANISH = ['Saldo inicial', 'Saldo final', 'Saldo', 'Comisión', 'Comisiones', 'Lote', 'Lotes', 'Proveedor', 'Filas', 'Fila', 'Estado', 'Importe', 'Pagos', 'Devoluciones', 'Resumen', 'Generado', 'Alcance', 'Libro', 'no indicado', 'listado', 'consultados', 'terminado', 'mixto', 'ninguno', 'Hoja', 'Cargos', 'Cantidad', 'Tipo', 'Zona horaria', 'variación neta', 'Acción sugerida', 'Detalle', 'Fecha', 'Moneda', 'Beneficiario', 'pendiente', 'inválido', 'el proveedor', 'Averigüe'];

function wordsIn(text: string, words: readonly string[]): string[] {
  // A file the label points to keeps its name (statement.xlsx); so do the command and the flag it says to use.
  const label = text.replace(/\b[\w-]+\.(xlsx|csv)\b/g, '').replace(/payout-batch \w+/g, '').replace(/--[a-z-]+/g, '');
  return words.filter((word) => new RegExp(`(^|[^\\p{L}])${word.replace(/[()]/g, '\\$&')}($|[^\\p{L}])`, 'iu').test(label));
}

/**
 * Every label of a workbook: the text cells of the Summary and of each statement's title block, the headings of every
 * table, the status names, the Exceptions' detail and action. Data the file or a provider wrote (names, ids, the
 * validator's row messages, the provider's own statement concepts and status words) is not a label.
 */
async function labels(path: string): Promise<string[]> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.readFile(path);
  const found: string[] = [];
  const add = (v: unknown) => {
    if (typeof v === 'string' && !/^[A-Z][A-Z_]+$/.test(v)) found.push(v);
  };
  for (const sheet of book.worksheets) {
    const first = sheet.getRow(1).getCell(1).value;
    if (sheet.name === 'Resumen' || sheet.name === 'Summary') {
      // The Summary: labels, plus the file name, hash, path and ids of its Batches table (data).
      sheet.eachRow((row) => {
        const cells = (row.values as unknown[]).slice(1);
        if (typeof cells[0] === 'string' && /^[0-9a-f]{16}$/.test(cells[0])) {
          add(cells[1]);
          add(cells[5]);
          return;
        }
        cells.forEach((v, i) => (i === 1 && String(cells[0]).match(/^(Libro|Ledger|Lib)/) ? undefined : add(v)));
      });
    } else if (typeof first === 'string' && /^(Estado de cuenta|Statement): /.test(first)) {
      // A statement sheet: its title block (rows 1–10) and the table's heading, labels of its lines, statuses.
      sheet.eachRow((row, n) => {
        const cells = (row.values as unknown[]).slice(1);
        if (n <= 12) cells.forEach((v, i) => (n === 2 && i === 1 ? undefined : add(v)));
        else {
          if (cells[1] == null) add(cells[3]); // opening / closing line: its label
          add(cells[11]);
        }
      });
    } else if (sheet.name === 'Excepciones' || sheet.name === 'Exceptions') {
      sheet.eachRow((row, n) => {
        const cells = (row.values as unknown[]).slice(1);
        if (n === 1) cells.forEach(add);
        else [cells[13], cells[14]].forEach(add);
      });
    } else {
      // A detail sheet: its headings and the status column.
      sheet.eachRow((row, n) => {
        const cells = (row.values as unknown[]).slice(1);
        if (n === 1) cells.forEach(add);
        else add(cells[4]);
      });
    }
  }
  return found;
}

it('every label of the reconciliation and the statement is in the workbook\'s one language', { timeout: 180_000 }, async () => {
  // A payout at the provider this ledger does not hold (paid by another ledger): the Exceptions sheet has a line.
  const other = join(dir, 'otro.csv');
  writeFileSync(other, 'order_id,clabe,beneficiario,monto\nFUERA-1,012180001183597198,Ana López,10.00\n');
  expect((await runCli(['run', other, '--provider', 'openpay', '--simulator-url', sim.url, '--ledger', join(dir, 'other.sqlite'), '--out', join(dir, 'other'), '--format', 'csv'])).code).toBe(0);

  // A mixed batch: accounts with and without a reported balance, an invalid row, a row naming an unknown provider.
  const file = join(dir, 'pagos.csv');
  writeFileSync(
    file,
    [
      'proveedor,referencia,cuenta,nombre,correo,importe,moneda',
      'openpay,L-1,012180001183597198,José Peña Núñez,,100.00,MXN',
      'Digital FEMSA,L-2,,Luis Ortega,luis@example.com,300.00,MXN',
      'zenrise,L-3,0170099220000000678120,Juan Pérez,,"1.500,50",ARS',
      'openpay,L-4,12345,Eva Ruiz,,50.00,MXN',
      'paypal,L-5,014180005678123453,Sol Díaz,,60.00,MXN',
    ].join('\n'),
  );
  const ledger = join(dir, 'ledger.sqlite');
  const run = await runCli(['run', file, '--simulator-url', sim.url, '--ledger', ledger, '--out', join(dir, 'run'), '--format', 'csv', '--json']);
  expect(run.code, run.stderr).toBe(2);
  const batchId = run.summary!.batch_id as string;

  for (const [lang, foreign] of [['es', ENGLISH], ['en', SPANISH]] as const) {
    const out = join(dir, `report-${lang}`);
    const args = ['report', '--batch', batchId, '--simulator-url', sim.url, '--ledger', ledger, '--out', out, '--format', 'xlsx', '--json', ...(lang === 'en' ? ['--lang', 'en'] : [])];
    const report = await runCli(args);
    expect(report.summary!.exceptions, report.stderr).toBeGreaterThan(0);
    for (const name of ['reconciliation.xlsx', 'statement.xlsx']) {
      const shown = await labels(join(out, name));
      expect(shown.length, `${lang} ${name}`).toBeGreaterThan(30);
      const mixed = shown.map((label) => ({ label, words: wordsIn(label, foreign) })).filter((m) => m.words.length > 0);
      expect(mixed, `${lang} ${name}: labels of the other language`).toEqual([]);
    }
  }
});
