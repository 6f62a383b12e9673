import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProviderId } from '../../domain/provider-id.ts';
import type { LedgerRowInput, LedgerScope, OpenBatchInput } from '../ledger-store.ts';

/** A fresh folder for one test's ledger file; `cleanup` removes it. */
export function tempLedger(): { dir: string; path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'payout-ledger-'));
  return { dir, path: join(dir, 'nested', 'ledger.sqlite'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A clock tests move by hand. */
export function manualClock(start = '2025-03-01T12:00:00.000Z') {
  let t = new Date(start).getTime();
  return {
    now: () => new Date(t),
    advance(ms: number) {
      t += ms;
    },
  };
}

export function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The scope tests' batches belong to unless a test says otherwise. */
export const TEST_SCOPE: LedgerScope = { environment: 'simulator', account: 'merchant:test' };

export function openBatchInput(name: string, provider: ProviderId = 'openpay', rowCount = 0, scope: LedgerScope = TEST_SCOPE): OpenBatchInput {
  return { fileHash: hashOf(name), provider, environment: scope.environment, account: scope.account, fileName: `${name}.csv`, rowCount };
}

/** A payable row; the CLABE is 18 digits (the ledger does not validate it). */
export function queuedRow(rowNumber: number, orderKey: string, amountMinor = 10_000, overrides: Partial<LedgerRowInput> = {}): LedgerRowInput {
  return {
    rowNumber,
    status: 'queued',
    orderKey,
    amountMinor,
    currency: 'MXN',
    account: { kind: 'clabe', number: `0021800${String(rowNumber).padStart(11, '0')}`, bankCode: '002', bankName: 'BANAMEX' },
    name: `Payee ${rowNumber}`,
    ...overrides,
  };
}
