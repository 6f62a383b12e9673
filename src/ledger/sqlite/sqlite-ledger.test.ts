import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LedgerError } from '../ledger-error.ts';
import { SQLITE_MIGRATIONS } from './migrations.ts';
import { openSqliteLedger } from './open-sqlite-ledger.ts';
import type { SqliteLedger } from './sqlite-ledger.ts';
import { manualClock, openBatchInput, queuedRow, tempLedger } from '../test-support/fixtures.ts';

/** SQLite-only behaviour (the file, WAL, user_version); the store contract is ledger-store.contract.test.ts. */
let tmp: ReturnType<typeof tempLedger>;
let clock: ReturnType<typeof manualClock>;
let ledger: SqliteLedger;
const opened: SqliteLedger[] = [];

function open(options: Parameters<typeof openSqliteLedger>[1] = {}): SqliteLedger {
  const l = openSqliteLedger(tmp.path, { now: clock.now, ...options });
  opened.push(l);
  return l;
}

beforeEach(async () => {
  tmp = tempLedger();
  clock = manualClock();
  ledger = open();
});

afterEach(async () => {
  for (const l of opened.splice(0)) await l.close();
  tmp.cleanup();
});

async function errorCode(fn: () => unknown): Promise<string | undefined> {
  try {
    await fn();
  } catch (error) {
    return error instanceof LedgerError ? error.code : `not a LedgerError: ${String(error)}`;
  }
  return undefined;
}

describe('opening', () => {
  it('creates the folder and the file, migrates, and uses WAL', async () => {
    expect(existsSync(tmp.path)).toBe(true);
    const raw = new Database(tmp.path, { readonly: true });
    try {
      expect(raw.pragma('user_version', { simple: true })).toBe(SQLITE_MIGRATIONS.length);
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      raw.close();
    }
  });

  it('refuses a ledger written by a newer schema', async () => {
    await ledger.close();
    const raw = new Database(tmp.path);
    raw.pragma(`user_version = ${SQLITE_MIGRATIONS.length + 1}`);
    raw.close();
    expect(await errorCode(() => open())).toBe('LEDGER_TOO_NEW');
  });
});

describe('amounts on disk', () => {
  it('stores amounts as SQLite integers (a STRICT table refuses a REAL)', async () => {
    const { batch } = await ledger.openBatch(openBatchInput('fields'));
    await ledger.insertRows(batch.id, [queuedRow(2, 'ord-1', 123_45)]);
    const raw = new Database(tmp.path, { readonly: true });
    try {
      expect(raw.prepare('SELECT typeof(amount_minor) FROM payout_rows').pluck().get()).toBe('integer');
    } finally {
      raw.close();
    }
  });
});
