import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { renderMessage, type MessageParam } from '../../src/messages/message-catalogue.ts';
import { everySample } from '../../src/messages/test-support/sample-messages.ts';
import { ROW_STATUSES } from '../../src/domain/row-status.ts';
import { workbookWords, type WorkbookLang } from '../../src/report/workbook-language.ts';
import { runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from '../support/cli.ts';

/**
 * Issue: a Spanish workbook (the default) still held English sentences and words: the validator's row messages
 * ("CLABE … has a wrong check digit"), the run's and the provider's texts around a failed payout, the status words of
 * the Exceptions sheet ("paid"), the statement's return lines. Every sentence is now written from its code and data in
 * the workbook's language, the provider's own words quoted as they came. Read back with exceljs: the Spanish workbooks
 * hold none of the English catalogue's wording or status words, and --lang en gives the English ones.
 */
const dir = tempDir('issue-lang-messages-');
let sim: RecordingSimulator;
beforeAll(async () => {
  sim = await startRecordingSimulator({ faults: 'settle_fail=0.5', settleMs: 1000, seed: 7 });
});
afterAll(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Words that a sentence in the other language does not use: a piece of wording holding one is that language's. */
const FUNCTION_WORDS: Record<WorkbookLang, RegExp> = {
  en: /\b(the|is|has|not|was|of|to|and|or|with|by|at|be|its?|an|only|every|after|before|could|does|needs|pays|any|more|than|like)\b/i,
  es: /(^|[^\p{L}])(el|la|los|las|del|tiene|está|es|se|que|con|para|una|y|sin|más|fue|hay)($|[^\p{L}])/iu,
};

/**
 * The fixed wording of every message of the catalogue in `lang`: each sample sentence cut at its data (the params'
 * values) and its punctuation, keeping the pieces of two words or more that hold one of the language's own words.
 */
function wordingOf(lang: WorkbookLang): string[] {
  const pieces = new Set<string>();
  const values = (v: MessageParam | undefined): string[] => (v === undefined ? [] : typeof v === 'object' ? [] : [String(v)]);
  for (const { code, params } of everySample()) {
    let text = renderMessage({ code, params }, lang);
    for (const value of Object.values(params).flatMap(values).sort((a, b) => b.length - a.length)) if (value.length > 1) text = text.split(value).join('§');
    for (const piece of text.split(/[§.;:()"`,]/)) {
      const words = piece.trim();
      if (words.split(/\s+/).length >= 2 && FUNCTION_WORDS[lang].test(words)) pieces.add(words.toLowerCase());
    }
  }
  return [...pieces];
}

/**
 * Every text cell of a workbook outside the columns that hold the provider's own status words and the Totals'
 * status codes (stable, for formulas and programs, beside each status's name).
 */
async function textCells(path: string): Promise<{ where: string; text: string }[]> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.readFile(path);
  const cells: { where: string; text: string }[] = [];
  for (const sheet of book.worksheets) {
    const dataColumns = new Set<number>();
    sheet.eachRow((row, n) => {
      row.eachCell((cell, col) => {
        const value = cell.value;
        if (typeof value !== 'string') return;
        if (['Estado en el proveedor', 'Provider status', 'Código', 'Code'].includes(value)) dataColumns.add(col);
        else if (!dataColumns.has(col)) cells.push({ where: `${sheet.name}!${cell.address} (row ${n})`, text: value });
      });
    });
  }
  return cells;
}

function statusNames(lang: WorkbookLang): string[] {
  const words = workbookWords(lang);
  return ROW_STATUSES.map((s) => words.statusName(s));
}

/** The wording of the other language found in the cells: "where: piece" for each. */
function foreignIn(cells: { where: string; text: string }[], wording: string[], statuses: string[]): string[] {
  const found: string[] = [];
  for (const { where, text } of cells) {
    const lower = text.toLowerCase();
    if (statuses.includes(text)) found.push(`${where}: status word "${text}"`);
    for (const piece of wording) if (lower.includes(piece)) found.push(`${where}: "${piece}" in ${JSON.stringify(text)}`);
  }
  return found;
}

it('writes the row messages, the run\'s texts and the status words of each workbook in its one language', { timeout: 240_000 }, async () => {
  const file = join(dir, 'pagos.csv');
  writeFileSync(
    file,
    [
      'proveedor,referencia,clabe,beneficiario,monto',
      'openpay,M-1,012180001183597198,José Peña Núñez,100.00',
      'openpay,M-2,014180005678123453,Ana López,200.00',
      'openpay,M-3,002010077777777771,Luis Ortega,300.00',
      'openpay,M-4,032180000118359719,Eva Ruiz,400.00',
      'openpay,M-5,012180001183597199,Sol Díaz,50.00', // CLABE with a wrong check digit
      'openpay,M-6,12345,Juan Pérez,60.00', // too short
      'openpay,M-7,012180001183597198,Marta Gil,"12,5"', // not an amount
      'openpay,,012180001183597198,Sin Orden,70.00', // no order id
      'openpay,M-1,012180001183597198,José Peña Núñez,100.00', // the same payout again
      'paypal,M-8,012180001183597198,Otro Proveedor,80.00', // a provider we do not pay through
      'openpay,M-9,012180001183597198,"Rosa\u0007 Vega",90.00', // a control character, removed (a warning)
    ].join('\n'),
  );
  const ledger = join(dir, 'ledger.sqlite');
  const run = await runCli(['run', file, '--simulator-url', sim.url, '--ledger', ledger, '--out', join(dir, 'run'), '--format', 'csv', '--json']);
  expect(run.code, run.stderr).toBe(2);
  const batchId = run.summary!.batch_id as string;
  // The bank settles the payouts, and rejects some of them: failed, money returned.
  await sim.advance(5_000);
  const sync = await runCli(['sync', '--simulator-url', sim.url, '--ledger', ledger, '--out', join(dir, 'sync'), '--format', 'csv', '--json']);
  expect(sync.summary!.counts.failed, sync.stderr).toBeGreaterThan(0);

  const spanish = wordingOf('es');
  const english = wordingOf('en');
  expect(english.length).toBeGreaterThan(100);
  expect(english).toContain('has a wrong check digit');

  const shown: Record<WorkbookLang, { where: string; text: string }[]> = { es: [], en: [] };
  for (const lang of ['es', 'en'] as const) {
    const out = join(dir, `report-${lang}`);
    const report = await runCli(['report', '--batch', batchId, '--simulator-url', sim.url, '--ledger', ledger, '--out', out, '--format', 'xlsx', '--json', '--lang', lang]);
    expect(report.code === 0 || report.code === 3, report.stderr).toBe(true);
    const books = readdirSync(out, { recursive: true }).map(String).filter((name) => name.endsWith('.xlsx')).sort();
    expect(books).toEqual(['reconciliation.xlsx', 'results.xlsx', 'statement.xlsx']);
    for (const name of books) shown[lang].push(...(await textCells(join(out, name))));
  }

  // Spanish: none of the English catalogue's wording, no English status word; and the Spanish sentences are there.
  expect(foreignIn(shown.es, english, statusNames('en').filter((word) => !statusNames('es').includes(word)))).toEqual([]);
  const es = shown.es.map((c) => c.text).join('\n');
  expect(es).toContain('CLABE 012***********7199 con dígito verificador incorrecto');
  expect(es).toMatch(/La cuenta \S+ tiene 5 dígitos; una CLABE tiene 18\./);
  expect(es).toContain('El importe "12,5" no es un importe en MXN');
  expect(es).toContain('El order_id (order_id en openpay) está vacío');
  expect(es).toContain('repite la fila 2 con el mismo importe, cuenta y moneda');
  expect(es).toContain('No pagamos a través del proveedor "paypal"');
  expect(es).toContain('El nombre tenía caracteres de control');
  // The provider's words, quoted as they came, inside a Spanish sentence; the return line in Spanish.
  expect(es).toMatch(/El proveedor informa el pago como fallido: "[^"]+"/);
  expect(es).toContain('Devolución: pago rechazado');
  for (const word of ['pagado', 'fallido', 'inválido', 'duplicado']) expect(shown.es.some((c) => c.text === word), word).toBe(true);

  // English: the English sentences and status words, and none of the Spanish wording.
  expect(foreignIn(shown.en, spanish, statusNames('es').filter((word) => !statusNames('en').includes(word)))).toEqual([]);
  const en = shown.en.map((c) => c.text).join('\n');
  expect(en).toContain('CLABE 012***********7199 has a wrong check digit');
  expect(en).toContain('Provider "paypal" is not one we pay through');
  expect(en).toMatch(/The provider reports the payout failed: "[^"]+"/);
  expect(en).toContain('Return: payout rejected');
  for (const word of ['paid', 'failed', 'invalid', 'duplicate']) expect(shown.en.some((c) => c.text === word), word).toBe(true);
});
