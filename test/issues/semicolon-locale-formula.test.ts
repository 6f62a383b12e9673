/**
 * Regression: the name `x;=cmd|' /C calc'!A0;` was written unquoted in results.csv; an Excel whose list separator
 * is `;` (Argentina) split it and got a live `=cmd…` cell. Now fields holding `;` or tab are quoted, and a formula
 * trigger right after any locale's delimiter is escaped: read with `,`, `;` or tab, honouring quotes or not, no
 * cell of results.csv (nor of statement.csv) starts with = + - @ tab or CR.
 */
import { readFileSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../support/cli.ts';

const NAMES = [
  "x;=cmd|' /C calc'!A0;",
  'Ana;+SUM(1,2)',
  'Luis\t=HYPERLINK("http://evil.example")',
  'Eva;"=1+1";',
  'Pablo;-2+3;@SUM(A1)',
  'Sofía,=1+1',
];
const TRIGGERS = ['=', '+', '-', '@', '\t', '\r'];

function payoutFile(dir: string): string {
  const quote = (v: string) => `"${v.replaceAll('"', '""')}"`;
  const lines = ['order_id,amount,clabe,name,description'];
  NAMES.forEach((name, i) => lines.push([`SEMI-${i + 1}`, `${100 + i}.00`, '012180001183597198', quote(name), quote(`pago;=cmd ${i}`)].join(',')));
  const path = join(dir, 'payouts.csv');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** The first characters a spreadsheet would treat as the start of each cell, reading `text` with `delimiter`. */
function cells(text: string, delimiter: string, quotes: boolean): string[] {
  const body = text.replace(/^\uFEFF/, '');
  if (!quotes) return body.split(/\r?\n/).flatMap((line) => line.split(delimiter)).map((cell) => cell.replace(/^"+/, ''));
  return (parse(body, { delimiter, relax_quotes: true, relax_column_count: true, skip_empty_lines: true }) as string[][]).flat();
}

describe('results.csv read with any locale delimiter', () => {
  it('has no cell that starts with a formula trigger, whichever delimiter and quoting the reader uses', async () => {
    const dir = tempDir('payout-semicolon-');
    const out = join(dir, 'out');
    const result = await runCli(['run', payoutFile(dir), '--provider', 'openpay', '--yes', '--out', out, '--ledger', join(dir, 'ledger.sqlite'), '--json']);
    expect(result.code, result.stderr).toBe(0);
    for (const name of ['results.csv', 'statement.csv']) {
      const text = readFileSync(join(out, name), 'utf8');
      for (const delimiter of [',', ';', '\t']) {
        for (const quotes of [true, false]) {
          const bad = cells(text, delimiter, quotes).filter((cell) => TRIGGERS.includes(cell[0] ?? '') && !/^-\d+(\.\d+)?$/.test(cell));
          expect(bad, `${name} read with ${JSON.stringify(delimiter)}, quotes ${quotes}`).toEqual([]);
        }
      }
    }
    // Read as written (`,` and quotes), each name is one cell, shown as typed but for the quotes that keep it text.
    const records = parse(readFileSync(join(out, 'results.csv'), 'utf8'), { bom: true, columns: true }) as Array<Record<string, string>>;
    expect(records.map((r) => r.name)).toEqual(NAMES.map((n) => n.replace(/([,;\t]"*)([=+\-@\t])/g, "$1'$2")));
  });
});
