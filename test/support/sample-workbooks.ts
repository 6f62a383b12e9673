/**
 * Test support: the three workbooks finance keeps (results.xlsx, statement.xlsx, reconciliation.xlsx) made the way
 * an operator makes them: a real SQLite ledger, `run` in-process against the real simulator over HTTP, with the
 * rows a real file has (long names, an invalid CLABE with a long message, an amount written with a "$", a
 * repeated order id, some payouts failing at the provider), then `report` for the batch.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { reportCommand } from '../../src/commands/report/report-command.ts';
import { runCommand } from '../../src/commands/run/run-command.ts';
import type { WorkbookLang } from '../../src/report/workbook-language.ts';
import type { RunningSimulator } from '../../src/simulator/index.ts';
import { clabeCheckDigit } from '../../src/validate/clabe.ts';

function clabe(n: number): string {
  const first17 = `012180${String(n).padStart(11, '0')}`;
  return `${first17}${clabeCheckDigit(first17)}`;
}

/** 40 Openpay rows: 36 payable (ids 20260001…), an invalid CLABE, a negative amount, a text amount, a repeat. */
export function writeSampleFile(dir: string, rows = 36): string {
  const lines = ['order_id,clabe,beneficiario,monto,moneda,concepto'];
  for (let i = 1; i <= rows; i++) {
    const name = i % 7 === 0 ? `Distribuidora Industrial del Norte Número ${i} S.A. de C.V.` : `Beneficiario ${i} Peña`;
    lines.push([`${20260000 + i}`, clabe(1000 + i), `"${name}"`, `"${(i * 1234.57).toFixed(2)}"`, 'MXN', `Pago ${i}`].join(','));
  }
  lines.push(['20269001', '12345', 'Cuenta corta', '"$ 1,500.00"', 'MXN', 'x'].join(','));
  lines.push(['20269002', clabe(2002), 'Monto negativo', '-25.00', 'MXN', 'x'].join(','));
  lines.push(['20269003', clabe(2003), 'Monto en letras', 'mil pesos', 'MXN', 'x'].join(','));
  lines.push([`${20260001}`, clabe(1001), 'Beneficiario 1 Peña', '"1234.57"', 'MXN', 'Pago 1'].join(','));
  const path = join(dir, 'Pagos Proveedores Dic.csv');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

async function quietly<T>(f: () => Promise<T>): Promise<T> {
  const stdout = process.stdout.write;
  // The commands print their summaries; keep the test output readable.
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return await f();
  } finally {
    process.stdout.write = stdout;
  }
}

/** Runs the sample batch once and returns the folder `report` wrote the three workbooks into, per language. */
export async function makeSampleWorkbooks(sim: RunningSimulator, dir: string, langs: readonly WorkbookLang[]): Promise<Map<WorkbookLang, string>> {
  const ledger = join(dir, 'ledger.sqlite');
  const file = writeSampleFile(dir);
  await quietly(() =>
    runCommand({ target: 'simulator', simulatorUrl: sim.url, ledger, out: join(dir, 'run'), format: 'both', json: true, maxAttempts: 5, onInvalid: 'skip', dryRun: false, yes: false, provider: 'openpay', file }),
  );
  const out = new Map<WorkbookLang, string>();
  for (const lang of langs) {
    const folder = join(dir, `report-${lang}`);
    await quietly(() => reportCommand({ all: true, target: 'simulator', simulatorUrl: sim.url, ledger, out: folder, format: 'both', json: true, lang }));
    out.set(lang, folder);
  }
  return out;
}
