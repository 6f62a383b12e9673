/**
 * The reports end to end: a real SQLite ledger, the run command in-process against the real simulator over HTTP
 * (settlement failures and latency on), rows brought final from the provider's state, then the statement and the
 * reconciliation opened with exceljs and checked against the ledger and the simulator's own balance.
 */
import { collectRows } from '../src/ledger/collect-rows.ts';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../src/commands/run/run-command.ts';
import type { AppConfig } from '../src/config/config-types.ts';
import { loadConfig } from '../src/config/load-config.ts';
import type { Minor } from '../src/domain/money.ts';
import { localDay } from '../src/domain/local-time.ts';
import { PROVIDER_IDS, type ProviderId } from '../src/domain/provider-id.ts';
import type { LedgerStore } from '../src/ledger/ledger-store.ts';
import { openLedger } from '../src/ledger/open-ledger.ts';
import { payoutFee } from '../src/plan/fees.ts';
import { getProvider } from '../src/providers/registry.ts';
import { writeReports } from '../src/report/write-reports.ts';
import { startSimulator, type RunningSimulator } from '../src/simulator/index.ts';
import { clabeCheckDigit } from '../src/validate/clabe.ts';
import { runCli, tempDir } from './support/cli.ts';
import { settleRows, simulatorSession } from './support/settle-rows.ts';
import { evaluateFormula, formulaCells } from './support/summary-formulas.ts';

const START_BALANCE = 150_000_000; // MXN 1,500,000.00 per simulated account
const INJECTION = '=HYPERLINK("http://evil.example","click")';

function clabe(n: number): string {
  const first17 = `012180${String(n).padStart(11, '0')}`;
  return `${first17}${clabeCheckDigit(first17)}`;
}

function csvCell(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** 30 payable Openpay rows (one beneficiary named like a formula), one invalid CLABE, one repeated order_id. */
function openpayFile(dir: string): string {
  const lines = ['order_id,clabe,beneficiario,monto,moneda,concepto'];
  for (let i = 1; i <= 30; i++) {
    const name = i === 3 ? INJECTION : `Beneficiario Número ${i}`;
    lines.push([`OP-${i}`, clabe(1000 + i), csvCell(name), (i * 1234.5).toFixed(2), 'MXN', `Pago ${i}`].join(','));
  }
  lines.push(['OP-BAD', '12345', 'Cuenta corta', '10.00', 'MXN', 'x'].join(','));
  lines.push(['OP-1', clabe(1001), 'Beneficiario Número 1', '1234.50', 'MXN', 'Pago 1'].join(','));
  const path = join(dir, 'openpay-payouts.csv');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

async function runBatch(sim: RunningSimulator, file: string, provider: ProviderId, ledger: string, out: string): Promise<void> {
  const stdout = process.stdout.write;
  // run prints its JSON summary; keep the test output readable.
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    await runCommand({ target: 'simulator', simulatorUrl: sim.url, ledger, out, format: 'csv', json: true, maxAttempts: 5, onInvalid: 'skip', dryRun: false, yes: false, provider, file });
  } finally {
    process.stdout.write = stdout;
  }
}

async function advance(sim: RunningSimulator, ms: number): Promise<void> {
  const response = await fetch(`${sim.url}/__admin/advance?ms=${ms}`, { method: 'POST' });
  expect(response.ok).toBe(true);
}

async function mutate(sim: RunningSimulator, body: object): Promise<Record<string, unknown>> {
  const response = await fetch(`${sim.url}/__admin/mutate`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  expect(response.status, await response.clone().text()).toBeLessThan(300);
  return (await response.json()) as Record<string, unknown>;
}

async function simulatorBalances(sim: RunningSimulator): Promise<Record<string, number>> {
  const stats = (await (await fetch(`${sim.url}/__admin/stats`)).json()) as { balances_cents: Record<string, number> };
  return stats.balances_cents;
}

function withFees(config: AppConfig, fees: AppConfig['providers'][ProviderId]['fees']): AppConfig {
  const providers = Object.fromEntries(PROVIDER_IDS.map((p) => [p, { ...config.providers[p], fees }])) as AppConfig['providers'];
  return { ...config, providers };
}

const ZERO_FEES = { fixedMinor: 0, percentBps: 0, ivaBps: 0 };

async function openWorkbook(path: string): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(path);
  return workbook;
}

/** An amount cell back to centavos: the sheet holds cents / 100 as a double, so rounding recovers them exactly. */
function cents(value: unknown): Minor {
  // A formula cell whose cached result is 0 reads back without one (see the Summary test).
  const v = value && typeof value === 'object' && 'formula' in value ? ((value as { result?: unknown }).result ?? 0) : value;
  if (typeof v !== 'number') throw new Error(`not a number cell: ${JSON.stringify(value)}`);
  return Math.round(v * 100);
}

/** The statement table of one account (English workbook): the header row, then every line up to "Closing balance". */
function statementTable(sheet: ExcelJS.Worksheet): { header: number; lines: ExcelJS.Row[]; closing: ExcelJS.Row; opening: ExcelJS.Row } {
  let header = 0;
  sheet.eachRow((row, n) => {
    if (!header && /^Date \(/.test(String(row.getCell(1).value)) && row.getCell(4).value === 'Description') header = n;
  });
  expect(header).toBeGreaterThan(0);
  const rows: ExcelJS.Row[] = [];
  for (let n = header + 1; n <= sheet.rowCount; n++) rows.push(sheet.getRow(n));
  const opening = rows[0]!;
  const closing = rows.at(-1)!;
  expect(opening.getCell(4).value).toBe('Opening balance');
  expect(closing.getCell(4).value).toBe('Closing balance');
  return { header, lines: rows.slice(1, -1), closing, opening };
}

/** The same rule the statement states, computed here from the ledger rows alone. */
async function expectedClosing(ledger: LedgerStore, batchId: string, opening: Minor, fees: AppConfig['providers'][ProviderId]['fees']): Promise<Minor> {
  let balance = opening;
  for await (const row of ledger.rowsForReport({ batchId })) {
    if (!row.providerPayoutId || !['pending', 'paid', 'failed'].includes(row.status)) continue;
    const { feeMinor, ivaMinor } = payoutFee(row.amountMinor!, fees);
    balance -= row.amountMinor! + feeMinor + ivaMinor;
    // The principal of a failed payout comes back; its fee and IVA do not (FEE_RETURNED_ON_FAILURE).
    if (row.status === 'failed') balance += row.amountMinor!;
  }
  return balance;
}

describe('report of an Openpay batch run against the simulator with settlement failures', () => {
  let sim: RunningSimulator;
  let dir: string;
  let ledgerPath: string;
  let ledger: LedgerStore;
  let batchId: string;
  const config = loadConfig({ target: 'simulator', path: undefined, env: {} }).config;

  beforeAll(async () => {
    dir = tempDir('report-e2e-');
    sim = await startSimulator({ port: 0, seed: 20_261_121, faults: 'settle_fail=0.3,latency=5..20', settleMs: 50, balanceMinor: START_BALANCE });
    ledgerPath = join(dir, 'ledger.sqlite');
    await runBatch(sim, openpayFile(dir), 'openpay', ledgerPath, join(dir, 'run'));
    await advance(sim, 1_000);
    ledger = await openLedger(ledgerPath);
    batchId = (await ledger.listBatches())[0]!.id;
    await settleRows(ledger, batchId, sim.url);
  });

  afterAll(async () => {
    await ledger?.close();
    await sim?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('brought the batch to a mix of paid and failed rows, none left pending', async () => {
    const counts = await ledger.countsByStatus(batchId);
    expect(counts.paid.count).toBeGreaterThan(0);
    expect(counts.failed.count).toBeGreaterThan(0);
    expect(counts.pending.count + counts.unknown.count + counts.sending.count).toBe(0);
    expect(counts.invalid.count).toBeGreaterThan(0);
    expect(counts.duplicate.count).toBe(1);
  });

  it('closes the statement at opening − (amounts + fees + IVA) + returned principal, line by line and in total', async () => {
    const out = join(dir, 'fees');
    const report = await writeReports({ lang: 'en', ledger, scope: { batchId }, outDir: out, format: 'both', config, sessions: new Map([['openpay', simulatorSession(sim.url, 'openpay')]]), ledgerPath });
    expect(report.exceptions).toBe(0);

    const workbook = await openWorkbook(join(out, 'statement.xlsx'));
    const sheet = workbook.getWorksheet('openpay MXN')!;
    const { lines, closing, opening } = statementTable(sheet);
    expect(cents(opening.getCell(10).value)).toBe(START_BALANCE);

    // Every line: balance = previous balance − debit + credit; fees on payouts only, as configured.
    let balance = START_BALANCE;
    let returns = 0;
    for (const line of lines) {
      const debit = line.getCell(8).value === null ? 0 : cents(line.getCell(8).value);
      const credit = line.getCell(9).value === null ? 0 : cents(line.getCell(9).value);
      balance = balance - debit + credit;
      expect(cents(line.getCell(10).value)).toBe(balance);
      if (credit > 0) {
        returns += 1;
        expect(line.getCell(4).value).toBe('Return: payout rejected'); // the return line in the workbook's language (--lang en)
      } else {
        const fee = payoutFee(cents(line.getCell(5).value), config.providers.openpay.fees);
        expect([cents(line.getCell(6).value), cents(line.getCell(7).value)]).toEqual([fee.feeMinor, fee.ivaMinor]);
        expect(debit).toBe(cents(line.getCell(5).value) + fee.feeMinor + fee.ivaMinor);
      }
      // Real dates, not text.
      expect(line.getCell(1).value).toBeInstanceOf(Date);
    }
    const counts = await ledger.countsByStatus(batchId);
    expect(returns).toBe(counts.failed.count);
    expect(lines.length).toBe(counts.paid.count + 2 * counts.failed.count);

    const expected = await expectedClosing(ledger, batchId, START_BALANCE, config.providers.openpay.fees);
    expect(cents(closing.getCell(10).value)).toBe(expected);
    expect(balance).toBe(expected);
    // With real fees the statement is below the simulator, which charges none, by exactly the fees and IVA.
    const fees = lines.reduce((sum, l) => sum + (l.getCell(6).value === null ? 0 : cents(l.getCell(6).value) + cents(l.getCell(7).value)), 0);
    expect(fees).toBeGreaterThan(0);
    expect(expected).toBe((await simulatorBalances(sim))['openpay:msimpayoutbatch00001']! - fees);

    // statement.csv: the same closing, as an exact decimal.
    const records = parse(readFileSync(join(out, 'statement.csv')), { bom: true, columns: true }) as Array<Record<string, string>>;
    const closingLine = records.find((r) => r.line === 'closing' && r.provider === 'openpay')!;
    expect(closingLine.balance).toBe((expected / 100).toFixed(2));
    expect(records.filter((r) => r.line === 'return')).toHaveLength(counts.failed.count);
  });

  it('with fees of 0 closes at the simulator\'s own balance for the account', async () => {
    const out = join(dir, 'no-fees');
    await writeReports({ lang: 'en', ledger, scope: { batchId }, outDir: out, format: 'xlsx', config: withFees(config, ZERO_FEES) });
    const sheet = (await openWorkbook(join(out, 'statement.xlsx'))).getWorksheet('openpay MXN')!;
    const closing = cents(statementTable(sheet).closing.getCell(10).value);
    const simulated = (await simulatorBalances(sim))['openpay:msimpayoutbatch00001'];
    const reported = await getProvider('openpay').getBalance(simulatorSession(sim.url, 'openpay'));
    expect(closing).toBe(simulated);
    expect(closing).toBe(reported?.amountMinor);
    expect(closing).toBeLessThan(START_BALANCE);
  });

  it('writes a Summary whose formulas count and sum the detail sheets, cached results included, agreeing with the ledger', async () => {
    const out = join(dir, 'recon');
    await writeReports({ lang: 'en', ledger, scope: { batchId }, outDir: out, format: 'xlsx', config, sessions: new Map([['openpay', simulatorSession(sim.url, 'openpay')]]), ledgerPath });
    const workbook = await openWorkbook(join(out, 'reconciliation.xlsx'));
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['Summary', 'Paid', 'Pending', 'Failed', 'Unknown', 'Not sent', 'Invalid', 'Duplicates & conflicts', 'Exceptions']);
    const summary = workbook.getWorksheet('Summary')!;

    const formulas = formulaCells(summary);
    expect(formulas.length).toBeGreaterThan(30);
    for (const { address, formula, result } of formulas) {
      const evaluated = evaluateFormula(workbook, summary, formula);
      // exceljs reads a cached result of 0 back as undefined (its reader copies only truthy results; the file holds
      // <v>0</v>), so undefined stands for 0 here and nowhere else.
      const cached = result === undefined ? 0 : (result as number);
      expect(Math.round(evaluated * 100), `${address} ${formula}`).toBe(Math.round(cached * 100));
    }

    // The figures a finance person reads, against the ledger.
    const counts = await ledger.countsByStatus(batchId);
    const rowOf = (label: string, from = 1): ExcelJS.Row => {
      for (let n = from; n <= summary.rowCount; n++) if (summary.getRow(n).getCell(1).value === label) return summary.getRow(n);
      throw new Error(`no Summary row ${label}`);
    };
    const statusTable = rowOf('Rows by status').number;
    const line = (label: string) => rowOf(label, statusTable);
    const value = (row: ExcelJS.Row, col: number) => (row.getCell(col).value as { result?: number }).result ?? 0;
    expect(value(line('Paid'), 3)).toBe(counts.paid.count);
    expect(cents(line('Paid').getCell(4).value)).toBe(counts.paid.amountMinor);
    expect(value(line('Failed'), 3)).toBe(counts.failed.count);
    expect(cents(line('Failed').getCell(4).value)).toBe(counts.failed.amountMinor);
    expect(value(line('Invalid'), 3)).toBe(counts.invalid.count);
    expect(value(line('Duplicates & conflicts'), 3)).toBe(counts.duplicate.count + counts.conflict.count);
    const ledgerRows = Object.values(counts).reduce((sum, c) => sum + c.count, 0);
    expect(value(line('Total rows'), 3)).toBe(ledgerRows);
    const paidFees = counts.paid.count * (payoutFee(0, config.providers.openpay.fees).feeMinor);
    expect(cents(line('Paid').getCell(5).value)).toBe(paidFees);
    expect(value(rowOf('Total', rowOf('Exceptions').number), 3)).toBe(0);

    // Batch facts on the Summary: id, file, hash, ledger path.
    const batch = (await ledger.getBatch(batchId))!;
    const texts: unknown[] = [];
    summary.eachRow((row) => row.eachCell((cell) => texts.push(cell.value)));
    expect(texts).toEqual(expect.arrayContaining([batch.id, batch.fileName, batch.fileHash, ledgerPath]));

    // The detail sheets hold no formula at all, and input text that looks like one stays text.
    for (const sheet of workbook.worksheets.slice(1)) expect(formulaCells(sheet), sheet.name).toEqual([]);
    const names: unknown[] = [];
    for (const sheet of ['Paid', 'Failed']) workbook.getWorksheet(sheet)!.eachRow((row) => names.push(row.getCell(11).value));
    expect(names).toContain(`'${INJECTION}`);
  });

  it('writes workbooks a finance team keeps: bold frozen header, autofilter, currency formats, real dates, escaped text', async () => {
    const out = join(dir, 'style');
    await writeReports({ lang: 'en', ledger, scope: { batchId }, outDir: out, format: 'xlsx', config });
    const recon = await openWorkbook(join(out, 'reconciliation.xlsx'));
    const paid = recon.getWorksheet('Paid')!;
    expect(paid.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(paid.autoFilter).toBeTruthy();
    expect(paid.getRow(1).getCell(1).font?.bold).toBe(true);
    const first = paid.getRow(2);
    expect(first.getCell(7).numFmt).toContain('[$MXN]');
    expect(typeof first.getCell(7).value).toBe('number');
    expect(first.getCell(20).value).toBeInstanceOf(Date);
    expect(first.getCell(20).numFmt).toContain('yyyy-mm-dd');
    // Widths fit: every heading, and the widest amount as shown ("MXN 37,035.00").
    for (let c = 1; c <= 20; c++) {
      // exceljs leaves out a width equal to its default (9), and reads it back as undefined.
      const width = paid.getColumn(c).width ?? 9;
      expect(width, String(paid.getRow(1).getCell(c).value)).toBeGreaterThan(String(paid.getRow(1).getCell(c).value).length);
    }
    let widest = 0;
    paid.eachRow((row, n) => {
      if (n > 1) widest = Math.max(widest, `MXN ${(row.getCell(7).value as number).toLocaleString('en-US', { minimumFractionDigits: 2 })}`.length);
    });
    expect(paid.getColumn(7).width).toBeGreaterThanOrEqual(widest);

    const statement = (await openWorkbook(join(out, 'statement.xlsx'))).getWorksheet('openpay MXN')!;
    const { header } = statementTable(statement);
    expect(statement.views[0]).toMatchObject({ state: 'frozen', ySplit: header });
    const beneficiaries: unknown[] = [];
    statement.eachRow((row) => beneficiaries.push(row.getCell(3).value));
    expect(beneficiaries).toContain(`'${INJECTION}`);
    expect(formulaCells(statement)).toEqual([]);
  });

  it('payout-batch report regenerates every file from the ledger, and says when it cannot compare with the provider', async () => {
    const out = join(dir, 'cli-ledger-only');
    const alone = await runCli(['report', '--lang', 'en', '--batch', batchId, '--ledger', ledgerPath, '--out', out, '--json']);
    expect(alone.code, alone.stderr).toBe(3);
    expect(alone.summary?.warnings.join(' ')).toMatch(/could not compare/);
    // Not compared is never "no exceptions".
    expect(alone.summary).toMatchObject({ exceptions: 'not compared', not_compared: ['openpay'], exit_code: 3 });
    for (const file of ['results.csv', 'results.xlsx', 'statement.csv', 'statement.xlsx', 'reconciliation.xlsx', 'exceptions.csv']) {
      expect(existsSync(join(out, file)), file).toBe(true);
    }
    const exceptions = (await openWorkbook(join(out, 'reconciliation.xlsx'))).getWorksheet('Exceptions')!;
    expect(String(exceptions.getRow(1).getCell(17).value)).toMatch(/^Not compared with the providers/);

    const compared = await runCli(['report', '--lang', 'en', '--batch', batchId, '--ledger', ledgerPath, '--out', join(dir, 'cli'), '--simulator-url', sim.url, '--format', 'csv', '--json']);
    expect(compared.code, compared.stderr).toBe(3); // compared, no exceptions, but the batch has failed payouts
    expect(compared.summary).toMatchObject({ command: 'report', batch_id: batchId, exceptions: 0, not_compared: [] });
    expect(compared.summary?.warnings).toEqual([]);

    const usage = await runCli(['report', '--lang', 'en', '--ledger', ledgerPath]);
    expect(usage.code).toBe(64);
    expect(usage.stderr).toMatch(/--batch ID, --all, or --from DATE --to DATE/);
  });
});

describe('the Exceptions sheet against a provider changed behind the ledger\'s back', () => {
  let sim: RunningSimulator;
  let dir: string;
  let ledger: LedgerStore;

  afterAll(async () => {
    await ledger?.close();
    await sim?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reports an extra payout, a changed amount and a vanished payout, each with an action, and nothing else', async () => {
    dir = tempDir('report-exceptions-');
    sim = await startSimulator({ port: 0, seed: 7, faults: 'latency=5..20', settleMs: 50, balanceMinor: START_BALANCE });
    const ledgerPath = join(dir, 'ledger.sqlite');
    await runBatch(sim, openpayFile(dir), 'openpay', ledgerPath, join(dir, 'run'));
    await advance(sim, 1_000);
    ledger = await openLedger(ledgerPath);
    const batchId = (await ledger.listBatches())[0]!.id;
    await settleRows(ledger, batchId, sim.url);
    const [changed, vanished] = (await collectRows(ledger.rowsByStatus(batchId, ['paid'])));
    expect(changed?.providerPayoutId && vanished?.providerPayoutId).toBeTruthy();

    const extra = await mutate(sim, { provider: 'openpay', create: { amount_cents: 77_700, destination: clabe(9_999), reference: 'NOT-OURS-1' } });
    await mutate(sim, { provider: 'openpay', provider_id: changed!.providerPayoutId, amount_cents: changed!.amountMinor! + 100 });
    await mutate(sim, { provider: 'openpay', provider_id: vanished!.providerPayoutId, delete: true });

    const out = join(dir, 'report');
    const config = loadConfig({ target: 'simulator', env: {} }).config;
    const report = await writeReports({ lang: 'en', ledger, scope: { batchId }, outDir: out, format: 'both', config, sessions: new Map([['openpay', simulatorSession(sim.url, 'openpay')]]) });
    expect(report.exceptions).toBe(3);

    const sheet = (await openWorkbook(join(out, 'reconciliation.xlsx'))).getWorksheet('Exceptions')!;
    const found: Array<{ type: unknown; order: unknown; payout: unknown; ledger: unknown; provider: unknown; action: unknown }> = [];
    sheet.eachRow((row, n) => {
      if (n === 1) return;
      found.push({ type: row.getCell(1).value, order: row.getCell(3).value, payout: row.getCell(4).value, ledger: row.getCell(8).value, provider: row.getCell(9).value, action: row.getCell(14).value });
    });
    const byType = Object.fromEntries(found.map((f) => [f.type, f]));
    expect(Object.keys(byType).sort()).toEqual(['AMOUNT_MISMATCH', 'NOT_IN_LEDGER', 'UNKNOWN_TO_PROVIDER']);
    expect(byType.NOT_IN_LEDGER).toMatchObject({ order: 'NOT-OURS-1', payout: extra.provider_id, provider: 777 });
    expect(byType.AMOUNT_MISMATCH).toMatchObject({ order: changed!.orderKey, payout: changed!.providerPayoutId });
    expect(cents(byType.AMOUNT_MISMATCH!.provider) - cents(byType.AMOUNT_MISMATCH!.ledger)).toBe(100);
    expect(byType.UNKNOWN_TO_PROVIDER).toMatchObject({ order: vanished!.orderKey, payout: vanished!.providerPayoutId });
    for (const f of found) expect(String(f.action)).toMatch(/^[A-Z].{15,}\.$/);

    // exceptions.csv carries the same three, amounts as exact decimals.
    const records = parse(readFileSync(join(out, 'exceptions.csv')), { bom: true, columns: true }) as Array<Record<string, string>>;
    expect(records.map((r) => r.type).sort()).toEqual(['AMOUNT_MISMATCH', 'NOT_IN_LEDGER', 'UNKNOWN_TO_PROVIDER']);
    expect(records.find((r) => r.type === 'NOT_IN_LEDGER')?.provider_amount).toBe('777.00');
  });
});

describe('Digital FEMSA cash-out orders left uncollected past 48 h', () => {
  let sim: RunningSimulator;
  let dir: string;
  let ledger: LedgerStore;

  afterAll(async () => {
    await ledger?.close();
    await sim?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reports each expired order, returns its money on the statement, and closes at the simulator\'s balance', async () => {
    dir = tempDir('report-femsa-');
    sim = await startSimulator({ port: 0, seed: 5, faults: 'settle_fail=0.5,latency=5..20', settleMs: 50, balanceMinor: START_BALANCE });
    const lines = ['order_id,nombre,email,monto,motivo'];
    for (let i = 1; i <= 12; i++) lines.push(`DF-${i},Cliente ${i},cliente${i}@example.com,${i * 100},Retiro`);
    const file = join(dir, 'femsa.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const ledgerPath = join(dir, 'ledger.sqlite');
    await runBatch(sim, file, 'digitalfemsa', ledgerPath, join(dir, 'run'));
    await advance(sim, 1_000);
    await advance(sim, 49 * 3_600_000);
    ledger = await openLedger(ledgerPath);
    const batchId = (await ledger.listBatches())[0]!.id;
    await settleRows(ledger, batchId, sim.url);
    const expired = (await collectRows(ledger.rowsByStatus(batchId, ['failed'])));
    expect(expired.length).toBeGreaterThan(0);
    expect(expired.every((r) => r.providerStatus === 'expired')).toBe(true);
    expect((await ledger.countsByStatus(batchId)).paid.count).toBeGreaterThan(0);

    const out = join(dir, 'report');
    const config = withFees(loadConfig({ target: 'simulator', env: {} }).config, ZERO_FEES);
    const report = await writeReports({ lang: 'en',
      ledger,
      scope: { batchId },
      outDir: out,
      format: 'xlsx',
      config,
      sessions: new Map([['digitalfemsa', simulatorSession(sim.url, 'digitalfemsa')]]),
      // digitalfemsa-cashout.txt has no balance call: the operator gives the opening balance.
      openingBalanceMinor: START_BALANCE,
    });
    expect(report.exceptions).toBe(expired.length);

    const recon = await openWorkbook(join(out, 'reconciliation.xlsx'));
    const types: unknown[] = [];
    const orders: unknown[] = [];
    recon.getWorksheet('Exceptions')!.eachRow((row, n) => {
      if (n === 1) return;
      types.push(row.getCell(1).value);
      orders.push(row.getCell(3).value);
    });
    expect(new Set(types)).toEqual(new Set(['CASHOUT_EXPIRED']));
    expect(orders.sort()).toEqual(expired.map((r) => r.orderKey).sort());

    const statement = (await openWorkbook(join(out, 'statement.xlsx'))).getWorksheet('digitalfemsa MXN')!;
    const table = statementTable(statement);
    expect(table.lines.filter((l) => l.getCell(4).value === 'Return: OXXO cash-out expired uncollected')).toHaveLength(expired.length);
    expect(table.lines.filter((l) => l.getCell(4).value === 'Retiro en efectivo OXXO').length).toBe((await ledger.countsByStatus(batchId)).paid.count + expired.length);
    expect(cents(table.closing.getCell(10).value)).toBe((await simulatorBalances(sim))['digitalfemsa:key_SimPayoutBatchFemsa0001']);
  });
});

describe('Zenrise, which has no list endpoint', () => {
  let sim: RunningSimulator;
  let dir: string;
  let ledger: LedgerStore;

  afterAll(async () => {
    await ledger?.close();
    await sim?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('looks each ledger payout up, finds a changed amount, and says that payouts made elsewhere cannot be seen', async () => {
    dir = tempDir('report-zenrise-');
    sim = await startSimulator({ port: 0, seed: 3, faults: 'latency=5..20', settleMs: 50 });
    const ledgerPath = join(dir, 'ledger.sqlite');
    await runBatch(sim, join(import.meta.dirname, '..', 'samples', 'zenrise-payouts.csv'), 'zenrise', ledgerPath, join(dir, 'run'));
    await advance(sim, 1_000);
    ledger = await openLedger(ledgerPath);
    const batchId = (await ledger.listBatches())[0]!.id;
    await settleRows(ledger, batchId, sim.url);
    const [changed] = (await collectRows(ledger.rowsByStatus(batchId, ['paid'])));
    expect(changed?.providerPayoutId).toBeTruthy();
    await mutate(sim, { provider: 'zenrise', provider_id: changed!.providerPayoutId, amount_cents: changed!.amountMinor! * 2 });
    // Invisible to us: the API has no listing to find it in.
    await mutate(sim, { provider: 'zenrise', create: { amount_cents: 5_000, destination: 'ruben.monitor.po', reference: 'ZR-ELSEWHERE' } });

    const report = await writeReports({ lang: 'en',
      ledger,
      scope: { batchId },
      outDir: join(dir, 'report'),
      format: 'csv',
      config: loadConfig({ target: 'simulator', env: {} }).config,
      sessions: new Map([['zenrise', simulatorSession(sim.url, 'zenrise')]]),
    });
    expect(report.exceptions).toBe(1);
    expect(report.warnings.join(' ')).toMatch(/zenrise: no list endpoint: \d+ ledger payout\(s\) looked up one by one; payouts made outside this tool cannot be seen/);
    const records = parse(readFileSync(join(dir, 'report', 'exceptions.csv')), { bom: true, columns: true }) as Array<Record<string, string>>;
    expect(records).toEqual([expect.objectContaining({ type: 'AMOUNT_MISMATCH', order_id: changed!.orderKey, provider: 'zenrise' })]);
  });
});

describe('a ledger of two batches through two providers', () => {
  let sim: RunningSimulator;
  let dir: string;
  let ledgerPath: string;

  beforeAll(async () => {
    dir = tempDir('report-two-');
    sim = await startSimulator({ port: 0, seed: 42, faults: 'settle_fail=0.3,latency=5..20', settleMs: 50, balanceMinor: START_BALANCE });
    ledgerPath = join(dir, 'ledger.sqlite');
    await runBatch(sim, openpayFile(dir), 'openpay', ledgerPath, join(dir, 'run-openpay'));
    await runBatch(sim, join(import.meta.dirname, '..', 'samples', 'conekta-payouts.csv'), 'conekta', ledgerPath, join(dir, 'run-conekta'));
    await advance(sim, 1_000);
    const ledger = await openLedger(ledgerPath);
    try {
      for (const batch of await ledger.listBatches()) await settleRows(ledger, batch.id, sim.url);
    } finally {
      await ledger.close();
    }
  });

  afterAll(async () => {
    await sim?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('--all and a date range give one statement section per account, closing at each simulator balance, and results per batch', async () => {
    const fees0 = join(dir, 'fees0.json');
    writeFileSync(fees0, JSON.stringify({ providers: Object.fromEntries(PROVIDER_IDS.map((p) => [p, { fees: { fixed: '0.00', percent: '0', iva: '0' } }])) }));
    const all = await runCli(['report', '--lang', 'en', '--all', '--ledger', ledgerPath, '--simulator-url', sim.url, '--config', fees0, '--out', join(dir, 'all'), '--json']);
    expect(all.code, all.stderr).toBe(3); // settle_fail: some payouts failed
    expect(all.summary).toMatchObject({ exceptions: 0, not_compared: [], warnings: [] });
    const results = (all.summary?.files as string[]).filter((f) => /results\.csv$/.test(f));
    expect(results).toHaveLength(2);
    // One folder scheme for every command: <out>/<batch>/results.csv, as sync --all writes them.
    expect(results.every((f) => /\/[0-9a-f]{16}\/results\.csv$/.test(f))).toBe(true);

    const balances = await simulatorBalances(sim);
    const closings = (out: string) => {
      const records = parse(readFileSync(join(out, 'statement.csv')), { bom: true, columns: true }) as Array<Record<string, string>>;
      return Object.fromEntries(records.filter((r) => r.line === 'closing').map((r) => [r.provider, Math.round(Number(r.balance) * 100)]));
    };
    expect(closings(join(dir, 'all'))).toEqual({ openpay: balances['openpay:msimpayoutbatch00001'], conekta: balances['conekta:key_SimPayoutBatchConekta01'] });

    // The range spans the local days the two batches were recorded on (read from the ledger, not the wall clock), and
    // the day after, where a settlement recorded just past midnight falls.
    const ledger = await openLedger(ledgerPath);
    const recorded = (await ledger.listBatches()).map((b) => b.createdAt.getTime()).sort((a, b) => a - b);
    await ledger.close();
    // Days as Mexico City lives them: report reads --from/--to in the providers' zone (both are Mexican).
    const utcDay = (ms: number) => localDay(new Date(ms), 'America/Mexico_City');
    const range = await runCli(['report', '--lang', 'en', '--from', utcDay(recorded[0]!), '--to', utcDay(recorded.at(-1)! + 86_400_000), '--ledger', ledgerPath, '--simulator-url', sim.url, '--config', fees0, '--out', join(dir, 'range'), '--format', 'csv', '--json']);
    expect(range.code, range.stderr).toBe(3);
    expect(closings(join(dir, 'range'))).toEqual(closings(join(dir, 'all')));
    expect(range.summary?.warnings.join(' ')).toMatch(/date range: the opening balance is the one captured/);

    const empty = await runCli(['report', '--lang', 'en', '--from', '2020-01-01', '--to', '2020-01-31', '--ledger', ledgerPath, '--out', join(dir, 'empty'), '--json']);
    expect(empty.code, empty.stderr).toBe(0);
    expect(existsSync(join(dir, 'empty', 'reconciliation.xlsx'))).toBe(true);
  });

  it('refuses one --opening-balance for two accounts, and an unknown batch', async () => {
    const ambiguous = await runCli(['report', '--lang', 'en', '--all', '--opening-balance', '1000.00', '--ledger', ledgerPath, '--out', join(dir, 'x')]);
    expect(ambiguous.code).toBe(64);
    expect(ambiguous.stderr).toMatch(/--opening-balance is one amount, but this scope covers 2 provider accounts/);
    const unknown = await runCli(['report', '--lang', 'en', '--batch', 'nope', '--ledger', ledgerPath]);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toMatch(/no batch nope in the ledger/);
  });
});
