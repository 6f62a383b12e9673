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
      'zenrise ARS opening 0.00',
      'zenrise ARS payout -1000.00',
      'zenrise ARS closing -1000.00',
    ]);
    expect(records[1]).toMatchObject({ beneficiary: `'=HYPERLINK("http://evil.example")`, fee: '8.00', iva: '1.28', debit: '1009.28', description: 'Dispersión a cuenta de tercero' });
    expect(records[4]).toMatchObject({ amount: '2000.00', fee: '16.00', iva: '2.56', debit: '2018.56', credit: '1000.00', note: '2 payout(s), 1 return(s)' });
    expect(records[0]!.note).toBe("openpay's balance when batch b1 started");
    expect(records[5]!.note).toMatch(/reports no balance.*--opening-balance/);
  });
});
