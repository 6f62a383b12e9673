/**
 * Issue 13 (statements per provider account). Digital FEMSA and Zenrise report no balance, so their statement
 * started at 0.00 and closed at minus what was paid (-MXN 5,597.44 / -ARS 41,730.89), read as an overdrawn account;
 * --opening-balance, the only way to fix it, was refused for any scope holding more than one provider account, and
 * `report` had no --provider. Now: --opening-balance PROVIDER=AMOUNT per account, `report --provider P` for one
 * account's statement, Openpay and Conekta keep the balance their API gave when the batch started, and an account
 * without an opening balance lists movements and totals and says "opening balance not given", with no balance.
 *
 * End to end: one mixed file (a provider column over all four) run through the CLI against the simulator over
 * HTTP, every payout settled, then `payout-batch report` spawned from dist/, its statement.csv read back and each
 * closing balance checked against the simulator's own balance of that account (fees set to 0 so they are equal).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateBatch } from '../../bench/generate-batch.ts';
import { PROVIDER_IDS } from '../../src/domain/provider-id.ts';
import { openLedger } from '../../src/ledger/open-ledger.ts';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { runCli, tempDir } from '../support/cli.ts';
import { settleRows } from '../support/settle-rows.ts';

const START = 150_000_000; // 1,500,000.00 in every simulated account

type Line = Record<string, string>;
const cents = (text: string | undefined): number => {
  if (text === undefined || text === '') throw new Error('no amount');
  return Math.round(Number(text) * 100);
};

describe('issue 13: statements per provider account, with opening balances', () => {
  let sim: RunningSimulator;
  let dir: string;
  let ledger: string;
  let batchId: string;
  let fees0: string;

  beforeAll(async () => {
    dir = tempDir('accounts-');
    sim = await startSimulator({ port: 0, seed: 9, faults: 'settle_fail=0.3', settleMs: 20, balanceMinor: START });
    const file = join(dir, 'mixed.csv');
    await generateBatch({ path: file, rows: 24, provider: 'mixed', seed: 13, destinations: 12, prefix: 'MIX' });
    ledger = join(dir, 'ledger.sqlite');
    fees0 = join(dir, 'fees0.json');
    writeFileSync(fees0, JSON.stringify({ providers: Object.fromEntries(PROVIDER_IDS.map((p) => [p, { fees: { fixed: '0.00', percent: '0', iva: '0' } }])) }));
    const run = await runCli(['run', file, '--provider', 'openpay', '--simulator-url', sim.url, '--ledger', ledger, '--config', fees0, '--out', join(dir, 'run'), '--format', 'csv', '--json']);
    expect([0, 3], run.stderr).toContain(run.code);
    batchId = run.summary!.batch_id as string;
    await fetch(`${sim.url}/__admin/advance?ms=1000`, { method: 'POST' });
    const store = await openLedger(ledger);
    try {
      await settleRows(store, batchId, sim.url);
    } finally {
      await store.close();
    }
  }, 120_000);

  afterAll(async () => {
    await sim?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const statement = (out: string): Line[] => parse(readFileSync(join(out, 'statement.csv')), { bom: true, columns: true }) as Line[];
  const byAccount = (lines: Line[], line: string) => Object.fromEntries(lines.filter((l) => l.line === line).map((l) => [l.provider, l]));
  async function balances(): Promise<Record<string, number>> {
    const stats = (await (await fetch(`${sim.url}/__admin/stats`)).json()) as { balances_cents: Record<string, number> };
    return stats.balances_cents;
  }
  /** The simulator's account of a provider (one per provider here: one merchant, one key). */
  const simulatorBalance = (all: Record<string, number>, provider: string): number => {
    const keys = Object.keys(all).filter((k) => k.startsWith(`${provider}:`) && all[k] !== START);
    expect(keys, provider).toHaveLength(1);
    return all[keys[0]!]!;
  };

  it('without opening balances, FEMSA and Zenrise list movements and totals, say "opening balance not given", and never close negative', async () => {
    const out = join(dir, 'plain');
    const report = await runCli(['report', '--batch', batchId, '--lang', 'en', '--ledger', ledger, '--config', fees0, '--simulator-url', sim.url, '--out', out, '--format', 'both', '--json']);
    expect([0, 3], report.stderr).toContain(report.code);
    const lines = statement(out);
    const opening = byAccount(lines, 'opening');
    const closing = byAccount(lines, 'closing');
    expect(Object.keys(closing).sort()).toEqual([...PROVIDER_IDS].sort());
    for (const p of ['digitalfemsa', 'zenrise']) {
      expect(opening[p]).toMatchObject({ balance: '' });
      expect(opening[p]!.note).toMatch(/^opening balance not given/);
      expect(closing[p]!.balance, p).toBe('');
      expect(closing[p]!.note).toMatch(/opening balance not given.*net change -\d/);
      expect(cents(closing[p]!.debit)).toBeGreaterThan(0);
      expect(lines.filter((l) => l.provider === p && l.line !== 'opening' && l.line !== 'closing').every((l) => l.balance === '')).toBe(true);
    }
    // Openpay and Conekta: the balance their API gave when the batch started, so their closing is the provider's.
    const sims = await balances();
    for (const p of ['openpay', 'conekta']) {
      expect(opening[p]!.note).toMatch(/balance when batch/);
      expect(cents(closing[p]!.balance), p).toBe(simulatorBalance(sims, p));
    }
    expect(report.summary!.warnings.join(' ')).toMatch(/digitalfemsa MXN: opening balance not given.*--opening-balance digitalfemsa=AMOUNT/);
    expect(report.summary!.time_zones).toEqual({ conekta: 'America/Mexico_City', digitalfemsa: 'America/Mexico_City', openpay: 'America/Mexico_City', zenrise: 'America/Argentina/Buenos_Aires' });
    const text = await runCli(['report', '--batch', batchId, '--ledger', ledger, '--out', join(dir, 'plain-text'), '--format', 'csv']);
    expect(text.stdout).toContain('dates    America/Mexico_City (conekta, digitalfemsa, openpay); America/Argentina/Buenos_Aires (zenrise)');

    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(join(out, 'statement.xlsx'));
    const zenrise = workbook.getWorksheet('zenrise ARS')!;
    const closingRow = [...Array(zenrise.rowCount).keys()].map((i) => zenrise.getRow(i + 1)).find((r) => r.getCell(1).value === 'Closing balance')!;
    expect(closingRow.getCell(2).value).toBeNull();
    expect(String(closingRow.getCell(3).value)).toMatch(/opening balance not given/);
    expect(String(zenrise.getRow(4).getCell(2).value)).toMatch(/^America\/Argentina\/Buenos_Aires/);
  }, 60_000);

  it('--opening-balance PROVIDER=AMOUNT gives each account its own, and closes FEMSA and Zenrise at the simulator balance', async () => {
    const out = join(dir, 'openings');
    const report = await runCli([
      'report', '--batch', batchId, '--ledger', ledger, '--config', fees0, '--simulator-url', sim.url, '--out', out, '--format', 'csv', '--json',
      '--opening-balance', 'digitalfemsa=1,500,000.00', '--opening-balance', 'zenrise=1500000',
    ]);
    expect([0, 3], report.stderr).toContain(report.code);
    expect(report.summary!.warnings.join(' ')).not.toMatch(/opening balance not given/);
    const lines = statement(out);
    const opening = byAccount(lines, 'opening');
    const closing = byAccount(lines, 'closing');
    const sims = await balances();
    for (const p of PROVIDER_IDS) expect(cents(closing[p]!.balance), p).toBe(simulatorBalance(sims, p));
    expect(opening.digitalfemsa).toMatchObject({ balance: '1500000.00', note: 'given with --opening-balance' });
    expect(opening.openpay!.note).toMatch(/balance when batch/); // not overridden: not named
  }, 60_000);

  it('report --provider gives one account\'s statement, where one bare --opening-balance is accepted', async () => {
    const out = join(dir, 'zenrise-only');
    const report = await runCli(['report', '--batch', batchId, '--provider', 'zenrise', '--opening-balance', '1500000.00', '--ledger', ledger, '--config', fees0, '--simulator-url', sim.url, '--out', out, '--format', 'csv', '--json']);
    expect([0, 3], report.stderr).toContain(report.code);
    expect(report.summary!.scope).toBe(`batch ${batchId}, zenrise only`);
    expect(report.summary!.time_zones).toEqual({ zenrise: 'America/Argentina/Buenos_Aires' });
    const lines = statement(out);
    expect(new Set(lines.map((l) => l.provider))).toEqual(new Set(['zenrise']));
    expect(lines.filter((l) => l.line === 'payout').every((l) => l.time_zone === 'America/Argentina/Buenos_Aires')).toBe(true);
    expect(cents(byAccount(lines, 'closing').zenrise!.balance)).toBe(simulatorBalance(await balances(), 'zenrise'));
    const results = parse(readFileSync(join(out, 'results.csv')), { bom: true, columns: true }) as Line[];
    expect(results.length).toBeGreaterThan(0);
    expect(results.every((r) => r.provider === 'zenrise')).toBe(true);

    // Still refused: one bare amount for the four accounts of the whole batch, an unknown provider, one named twice.
    const ambiguous = await runCli(['report', '--batch', batchId, '--opening-balance', '1000.00', '--ledger', ledger, '--out', join(dir, 'x')]);
    expect(ambiguous.code).toBe(64);
    expect(ambiguous.stderr).toMatch(/covers 4 provider accounts/);
    for (const bad of [['--provider', 'femsa'], ['--opening-balance', 'femsa=1'], ['--opening-balance', 'zenrise=1', '--opening-balance', 'zenrise=2']]) {
      const refused = await runCli(['report', '--batch', batchId, ...bad, '--ledger', ledger, '--out', join(dir, 'y')]);
      expect(refused.code, bad.join(' ')).toBe(64);
    }
  }, 60_000);
});
