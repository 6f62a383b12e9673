/**
 * Issue 13 (local time): every date was UTC, and `report --from/--to` took UTC days. A payout made at 21:30 in
 * Mexico City on 30 November (03:30 UTC on 1 December) was dated the next day and fell into December's statement,
 * while Openpay itself lists it on 30 November. Now report reads days in the provider's country (--tz overrides),
 * dates the statement in that zone, names it in the headers, and keeps the UTC instant in the CSV's `date`.
 *
 * The payouts are real (CLI → simulator over HTTP → SQLite ledger); only the ledger's clock is moved afterwards,
 * every stored time by the same amount, so that the first payout was accepted at 2026-12-01T03:30:00Z.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { clabeCheckDigit } from '../../src/validate/clabe.ts';
import { runCli, tempDir } from '../support/cli.ts';

const EVENING_UTC = '2026-12-01T03:30:00.000Z'; // 2026-11-30 21:30 in Mexico City (UTC−6)

function clabe(n: number): string {
  const first17 = `012180${String(n).padStart(11, '0')}`;
  return `${first17}${clabeCheckDigit(first17)}`;
}

/** Moves every stored time of the ledger by the same amount: the first accepted payout lands at `target`. */
function moveLedgerClock(path: string, target: string): void {
  const db = new Database(path);
  try {
    const first = db.prepare("SELECT min(at) AS at FROM row_history WHERE to_status IN ('pending', 'paid')").get() as { at: string };
    const delta = Date.parse(target) - Date.parse(first.at);
    db.function('shifted', (t: unknown) => (typeof t === 'string' ? new Date(Date.parse(t) + delta).toISOString() : t));
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as Array<{ name: string }>;
    for (const { name } of tables) {
      const columns = (db.prepare(`PRAGMA table_info("${name}")`).all() as Array<{ name: string }>).map((c) => c.name).filter((c) => /_at$|^at$/.test(c));
      for (const c of columns) db.prepare(`UPDATE "${name}" SET "${c}" = shifted("${c}")`).run();
    }
  } finally {
    db.close();
  }
}

describe('issue 13: a Mexico City evening payout is reported on its local day', () => {
  let sim: RunningSimulator;
  let dir: string;
  let ledger: string;

  beforeAll(async () => {
    dir = tempDir('evening-');
    sim = await startSimulator({ port: 0, seed: 3 });
    const file = join(dir, 'pagos.csv');
    writeFileSync(file, ['order_id,clabe,beneficiario,monto,moneda,concepto', `EV-1,${clabe(1)},Ana Noche,1500.00,MXN,Pago`, `EV-2,${clabe(2)},Luis Tarde,250.00,MXN,Pago`, ''].join('\n'));
    ledger = join(dir, 'ledger.sqlite');
    const run = await runCli(['run', file, '--provider', 'openpay', '--simulator-url', sim.url, '--ledger', ledger, '--out', join(dir, 'run'), '--format', 'csv', '--json']);
    expect(run.code, run.stderr).toBe(0);
    moveLedgerClock(ledger, EVENING_UTC);
  }, 60_000);

  afterAll(async () => {
    await sim?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const statementLines = (out: string) =>
    (parse(readFileSync(join(out, 'statement.csv')), { bom: true, columns: true }) as Array<Record<string, string>>).filter((r) => r.line === 'payout');

  it("is in November's statement, dated 30 November 21:30 Mexico City time, with the UTC instant kept", async () => {
    const out = join(dir, 'november');
    const nov = await runCli(['report', '--lang', 'en', '--from', '2026-11-01', '--to', '2026-11-30', '--ledger', ledger, '--out', out, '--json']);
    expect(nov.code, nov.stderr).toBe(3); // not compared with the provider (no --simulator-url), never "no exceptions"
    expect(nov.summary?.scope).toBe('rows changed from 2026-11-01 to 2026-11-30 (days in America/Mexico_City, both included)');
    const lines = statementLines(out);
    expect(lines.map((l) => l.order_id).sort()).toEqual(['EV-1', 'EV-2']);
    const first = lines.find((l) => l.order_id === 'EV-1')!;
    expect(first).toMatchObject({ date: EVENING_UTC, date_local: '2026-11-30 21:30:00', time_zone: 'America/Mexico_City' });

    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(join(out, 'statement.xlsx'));
    const sheet = workbook.getWorksheet('openpay MXN')!;
    let header = 0;
    sheet.eachRow((row, n) => {
      if (!header && row.getCell(4).value === 'Description') header = n;
    });
    expect(sheet.getRow(header).getCell(1).value).toBe('Date (America/Mexico_City)');
    const cell = [...Array(sheet.rowCount - header).keys()].map((i) => sheet.getRow(header + 1 + i)).find((r) => r.getCell(2).value === 'EV-1')!.getCell(1);
    // A spreadsheet date has no zone: the cell holds the Mexico City wall clock, shown without a UTC label.
    expect((cell.value as Date).toISOString()).toBe('2026-11-30T21:30:00.000Z');
    expect(cell.numFmt).toBe('yyyy-mm-dd hh:mm:ss');
  }, 60_000);

  it("is not in December's, and --tz UTC reads the days as UTC ones again", async () => {
    const dec = await runCli(['report', '--from', '2026-12-01', '--to', '2026-12-31', '--ledger', ledger, '--out', join(dir, 'december'), '--format', 'csv', '--json']);
    expect(dec.code, dec.stderr).toBe(0); // nothing in scope
    expect(statementLines(join(dir, 'december'))).toEqual([]);

    const utc = await runCli(['report', '--from', '2026-12-01', '--to', '2026-12-01', '--tz', 'UTC', '--ledger', ledger, '--out', join(dir, 'utc'), '--format', 'csv', '--json']);
    expect(utc.code, utc.stderr).toBe(3);
    expect(statementLines(join(dir, 'utc')).map((l) => [l.order_id, l.date_local, l.time_zone])).toContainEqual(['EV-1', '2026-12-01 03:30:00', 'UTC']);

    const bad = await runCli(['report', '--all', '--tz', 'CDMX', '--ledger', ledger]);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toMatch(/IANA time zone/);
  }, 60_000);
});
