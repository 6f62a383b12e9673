import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Movement } from '../report/movements.ts';
import { buildStatement } from '../report/statement.ts';
import { at } from '../report/test-support/rows.ts';
import { STATEMENT_CSV_COLUMNS, writeStatementCsv } from './statement-csv.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'statement-csv-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const fees = { fixedMinor: 800, percentBps: 0, ivaBps: 1600 };
const FEES = { openpay: fees, conekta: fees, digitalfemsa: fees, zenrise: { fixedMinor: 0, percentBps: 0, ivaBps: 0 } };

function movement(rowId: number, overrides: Partial<Movement> = {}): Movement {
  return {
    rowId,
    batchId: 'b1',
    rowNumber: rowId + 1,
    provider: 'openpay',
    currency: 'MXN',
    orderId: `OP-${rowId}`,
    beneficiary: `Payee ${rowId}`,
    amountMinor: 100_000,
    providerPayoutId: `tr${rowId}`,
    status: 'paid',
    debitedAt: at(rowId),
    ...overrides,
  };
}

describe('writeStatementCsv', () => {
  it('writes one file with a block per account: opening, movements, closing with totals; exact decimals; escaped text', async () => {
    const statement = buildStatement({
      movements: [
        movement(1, { beneficiary: '=HYPERLINK("http://evil.example")' }),
        movement(2, { status: 'failed', returned: { at: at(60), reason: 'failed' } }),
        movement(3, { provider: 'zenrise', currency: 'ARS', beneficiary: 'casa.perro.sol' }),
      ],
      fees: FEES,
      openings: new Map([['openpay|MXN', { amountMinor: 1_000_000, source: 'provider' as const, at: at(0), batchId: 'b1' }]]),
    });
    const path = join(dir, 'statement.csv');
    await writeStatementCsv(path, statement, at(3600));
    const raw = await readFile(path);
    expect(raw.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const records = parse(raw, { bom: true, columns: true }) as Array<Record<string, string>>;
    expect(Object.keys(records[0]!)).toEqual([...STATEMENT_CSV_COLUMNS]);
    expect(records.map((r) => `${r.provider} ${r.currency} ${r.line} ${r.balance}`)).toEqual([
      'openpay MXN opening 10000.00',
      'openpay MXN payout 8990.72',
      'openpay MXN payout 7981.44',
      'openpay MXN return 8981.44',
      'openpay MXN closing 8981.44',
      // No opening balance for Zenrise: movements and totals, no balance (it is not -1000.00).
      'zenrise ARS opening ',
      'zenrise ARS payout ',
      'zenrise ARS closing ',
    ]);
    expect(records[1]).toMatchObject({ beneficiary: `'=HYPERLINK("http://evil.example")`, fee: '8.00', iva: '1.28', debit: '1009.28', description: 'Dispersión a cuenta de tercero' });
    expect(records[4]).toMatchObject({ amount: '2000.00', fee: '16.00', iva: '2.56', debit: '2018.56', credit: '1000.00', note: '2 payout(s), 1 return(s)' });
    expect(records[0]!.note).toBe("openpay's balance when batch b1 started");
    expect(records[5]!.note).toMatch(/^opening balance not given.*--opening-balance zenrise=AMOUNT/);
    expect(records[7]).toMatchObject({ amount: '1000.00', debit: '1000.00', note: '1 payout(s), 0 return(s); opening balance not given: no closing balance; net change -1000.00' });
  });

  it('keeps the UTC instant in `date` and adds the local wall clock with its zone', async () => {
    const evening = new Date('2026-12-01T03:30:00.000Z');
    const statement = buildStatement({
      movements: [movement(1, { debitedAt: evening }), movement(2, { provider: 'zenrise', currency: 'ARS', debitedAt: evening })],
      fees: FEES,
      openings: new Map(),
    });
    const path = join(dir, 'statement.csv');
    await writeStatementCsv(path, statement, evening);
    const records = parse(await readFile(path), { bom: true, columns: true }) as Array<Record<string, string>>;
    const payouts = records.filter((r) => r.line === 'payout');
    expect(payouts.map((r) => [r.provider, r.date, r.date_local, r.time_zone])).toEqual([
      ['openpay', '2026-12-01T03:30:00.000Z', '2026-11-30 21:30:00', 'America/Mexico_City'],
      ['zenrise', '2026-12-01T03:30:00.000Z', '2026-12-01 00:30:00', 'America/Argentina/Buenos_Aires'],
    ]);
  });
});
