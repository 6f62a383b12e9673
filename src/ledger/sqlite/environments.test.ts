import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LedgerScope } from '../ledger-store.ts';
import { hashOf, manualClock, openBatchInput, queuedRow, tempLedger } from '../test-support/fixtures.ts';
import { SQLITE_MIGRATIONS } from './migrations.ts';
import { openSqliteLedger } from './open-sqlite-ledger.ts';
import type { SqliteLedger } from './sqlite-ledger.ts';
import { messageText } from '../../messages/stored-message.ts';

/** Environments never mix: batches, key ownership and recipients per environment (and provider account). */
const SIM: LedgerScope = { environment: 'simulator', account: 'merchant:m1' };
const LIVE: LedgerScope = { environment: 'live', account: 'merchant:m1' };
const SANDBOX: LedgerScope = { environment: 'sandbox', account: 'merchant:m1' };

let tmp: ReturnType<typeof tempLedger>;
let clock: ReturnType<typeof manualClock>;
const opened: SqliteLedger[] = [];
function open(): SqliteLedger {
  const l = openSqliteLedger(tmp.path, { now: clock.now });
  opened.push(l);
  return l;
}

beforeEach(() => {
  tmp = tempLedger();
  clock = manualClock();
});
afterEach(async () => {
  for (const l of opened.splice(0)) await l.close();
  tmp.cleanup();
});

describe('migration of a version-2 ledger', () => {
  /** A ledger file as the previous version left it: schema 2, one batch with a paid and a not_sent row, a recipient. */
  function legacyLedger(path: string): { batchId: string } {
    mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    for (const [i, sql] of SQLITE_MIGRATIONS.slice(0, 2).entries()) {
      db.exec(sql);
      db.pragma(`user_version = ${i + 1}`);
    }
    const at = '2025-01-01T00:00:00.000Z';
    const batchId = 'legacy0000000001';
    db.prepare(`INSERT INTO batches (id, provider, file_name, file_hash, row_count, status, created_at, updated_at) VALUES (?, 'openpay', 'old.csv', ?, 2, 'finished', ?, ?)`).run(batchId, hashOf('old'), at, at);
    const row = db.prepare(
      `INSERT INTO payout_rows (batch_id, row_number, provider, order_key, fingerprint, amount_minor, currency, account, account_kind, status,
         request_key, attempts, sent_at, created_at, updated_at)
       VALUES (?, ?, 'openpay', ?, 'fp', 10000, 'MXN', '002180000000000002', 'clabe', ?, ?, ?, ?, ?, ?)`,
    );
    row.run(batchId, 2, 'OLD-PAID', 'paid', 'rk-1', 1, at, at, at);
    row.run(batchId, 3, 'OLD-NOT-SENT', 'not_sent', null, 0, null, at, at);
    db.prepare(`INSERT INTO recipients (provider, recipient_key, recipient_id, created_at, updated_at) VALUES ('conekta', 'k', 'payee_old', ?, ?)`).run(at, at);
    db.close();
    return { batchId };
  }

  it('marks old batches and rows environment unknown; their owned keys still block every environment; old recipients are not read', async () => {
    const { batchId } = legacyLedger(tmp.path);
    const ledger = open();
    const version = new Database(tmp.path, { readonly: true });
    expect(version.pragma('user_version', { simple: true })).toBe(SQLITE_MIGRATIONS.length);
    version.close();

    expect(await ledger.getBatch(batchId)).toMatchObject({ environment: 'unknown' });
    expect((await ledger.getBatch(batchId))!.account).toBeUndefined();
    expect((await ledger.getRowByNumber(batchId, 2))!.environment).toBe('unknown');

    // The legacy paid row owns OLD-PAID on every target: a live row and a simulator row are both duplicates of it.
    for (const scope of [LIVE, SIM, SANDBOX]) {
      expect((await ledger.findKeyOwners(scope.environment, ['OLD-PAID'])).get('OLD-PAID')).toMatchObject({ batchId, environment: 'unknown', ownsKey: true });
      const b = (await ledger.openBatch(openBatchInput(`new-${scope.environment}`, 'openpay', 2, scope))).batch;
      const { demoted } = await ledger.insertRows(b.id, [queuedRow(2, 'OLD-PAID'), queuedRow(3, 'OLD-NOT-SENT')]);
      expect(demoted.map((d) => [d.rowNumber, d.owner.environment])).toEqual([[2, 'unknown']]);
      expect(messageText((await ledger.getRowByNumber(b.id, 2))!.errorMessage, 'en')).toMatch(/before the ledger kept environments/);
      // The key a legacy row released (not_sent) is free: the new row owns it.
      expect((await ledger.getRowByNumber(b.id, 3))!.status).toBe('queued');
    }
    // A legacy not_sent row sees owners in every environment: requeueing it makes it a duplicate, never a second payout.
    expect((await ledger.requeueNotSent(batchId)).demoted).toEqual([expect.objectContaining({ rowNumber: 3 })]);

    expect(await ledger.getRecipient(SIM, 'conekta', 'k')).toBeUndefined();
    expect(await ledger.getRecipient(LIVE, 'conekta', 'k')).toBeUndefined();
  });
});

describe('migration of a version-3 ledger: planning complete', () => {
  it('marks planned every batch that wrote its rows (old runs wrote them in one transaction), not one a crash left empty', async () => {
    mkdirSync(dirname(tmp.path), { recursive: true });
    const db = new Database(tmp.path);
    for (const [i, sql] of SQLITE_MIGRATIONS.slice(0, 3).entries()) {
      db.exec(sql);
      db.pragma(`user_version = ${i + 1}`);
    }
    const at = '2025-01-01T00:00:00.000Z';
    const batch = db.prepare(
      `INSERT INTO batches (id, provider, environment, account, file_name, file_hash, row_count, status, created_at, updated_at)
       VALUES (?, 'openpay', 'simulator', 'm', ?, ?, ?, ?, ?, ?)`,
    );
    batch.run('b-finished', 'a.csv', hashOf('a'), 1, 'finished', at, at);
    batch.run('b-rows', 'b.csv', hashOf('b'), 1, 'planned', at, at);
    batch.run('b-empty-file', 'c.csv', hashOf('c'), 0, 'planned', at, at);
    batch.run('b-crashed', 'd.csv', hashOf('d'), 5, 'planned', at, at);
    db.prepare(
      `INSERT INTO payout_rows (batch_id, row_number, provider, environment, order_key, status, attempts, created_at, updated_at)
       VALUES ('b-rows', 2, 'openpay', 'simulator', 'K-1', 'invalid', 0, ?, ?)`,
    ).run(at, at);
    db.close();
    const ledger = open();
    expect((await ledger.getBatch('b-finished'))!.plannedAt).toEqual(new Date(at));
    expect((await ledger.getBatch('b-rows'))!.plannedAt).toEqual(new Date(at));
    expect((await ledger.getBatch('b-empty-file'))!.plannedAt).toEqual(new Date(at));
    expect((await ledger.getBatch('b-crashed'))!.plannedAt).toBeUndefined();
  });
});
