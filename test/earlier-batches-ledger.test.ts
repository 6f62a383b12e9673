import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEarlierBatchesLedger, type EarlierBatchesLedger } from '../bench/earlier-batches-ledger.ts';
import { requestKey } from '../src/domain/request-key.ts';
import type { ProviderId } from '../src/domain/provider-id.ts';
import { migrate } from '../src/ledger/sqlite/migrate.ts';
import { openSqliteLedger } from '../src/ledger/sqlite/open-sqlite-ledger.ts';
import { checkCbu } from '../src/validate/cbu-cvu.ts';
import { checkClabe } from '../src/validate/clabe.ts';

/**
 * The ledger benchmark's generated ledger (bench/earlier-batches-ledger.ts) must be a ledger this tool would have
 * written: its schema exactly, sound for SQLite and for the tool's open, with the keys, statuses and derived values
 * real batches leave — or the benchmark measures a file no user has.
 */
const dir = mkdtempSync(join(tmpdir(), 'earlier-batches-'));
const path = join(dir, 'ledger.sqlite');
let built: EarlierBatchesLedger;
let db: Database.Database;

beforeAll(() => {
  // 14 batches: every provider mode and key style, and retries RETRY_DISTANCE (6) batches later.
  built = buildEarlierBatchesLedger(path, { rows: 14 * 1500, batchRows: 1500, destinations: 500 });
  db = new Database(path, { readonly: true });
});
afterAll(() => {
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

type Row = Record<string, string | number | null>;

describe('the generated ledger of earlier batches', () => {
  it("has the schema migrate() makes, objects and SQL alike, and the schema version", () => {
    const empty = new Database(':memory:');
    migrate(empty);
    const schema = (d: Database.Database) => d.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").all();
    expect(schema(db)).toEqual(schema(empty));
    expect(db.pragma('user_version', { simple: true })).toBe(empty.pragma('user_version', { simple: true }));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    empty.close();
  });

  it('is sound: integrity_check, foreign keys, and the tool opens it with its full check', async () => {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('foreign_key_check')).toEqual([]);
    const ledger = openSqliteLedger(path, { create: false });
    try {
      expect(ledger.integrity?.check).toBe('full');
      expect((await ledger.listBatches()).length).toBe(14);
    } finally {
      await ledger.close();
    }
  });

  it('holds every status a finished batch ends with, every provider, and the counts it reports', () => {
    const counts = Object.fromEntries((db.prepare('SELECT status, count(*) AS n FROM payout_rows GROUP BY status').all() as Row[]).map((r) => [r.status, r.n]));
    expect(counts).toEqual(built.counts);
    for (const status of ['paid', 'failed', 'not_sent', 'duplicate', 'conflict', 'invalid']) expect(counts[status], status).toBeGreaterThan(0);
    expect(counts.paid! / 21_000).toBeGreaterThan(0.9);
    const providers = (db.prepare('SELECT DISTINCT provider FROM payout_rows ORDER BY 1').all() as Row[]).map((r) => r.provider);
    expect(providers).toEqual(['conekta', 'digitalfemsa', 'openpay', 'zenrise']);
    expect(db.prepare('SELECT count(*) FROM row_history').pluck().get()).toBe(built.historyRows);
  });

  it("writes the product's request keys, fingerprints and valid destinations", () => {
    const rows = db.prepare("SELECT * FROM payout_rows WHERE status <> 'invalid' AND id % 37 = 0").all() as Row[];
    expect(rows.length).toBeGreaterThan(400);
    for (const r of rows) {
      expect(r.fingerprint).toBe(`${r.amount_minor}|${r.account}|${r.currency}`);
      if (r.status === 'paid' || r.status === 'failed') expect(r.request_key).toBe(requestKey(r.provider as ProviderId, r.order_key as string));
      else expect(r.request_key).toBeNull();
      if (r.account_kind === 'clabe') expect(checkClabe(r.account as string).ok, r.account as string).toBe(true);
      if (r.account_kind === 'cbu') expect(checkCbu(r.account as string).ok, r.account as string).toBe(true);
      if (r.provider === 'digitalfemsa') expect([r.account_kind, Number(r.amount_minor) % 100]).toEqual(['cash_out', 0]);
    }
  });

  it('makes order ids in a series per file, a global counter and UUIDs', () => {
    const keys = (db.prepare("SELECT order_key FROM payout_rows WHERE id % 1500 = 1 ORDER BY id").all() as Row[]).map((r) => String(r.order_key));
    expect(keys.some((k) => /^NOM-\d{4}-\d{4}-\d{6}$/.test(k))).toBe(true);
    expect(keys.some((k) => /^OP\d{10}$/.test(k))).toBe(true);
    expect(keys.some((k) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(k))).toBe(true);
  });

  it('repeats earlier keys as real batches do: duplicates and conflicts of a paid row, failures paid again later', () => {
    const repeats = db
      .prepare(`SELECT r.status, r.fingerprint = o.fingerprint AS same, o.status AS owner_status, r.order_key = o.order_key AS same_key
        FROM payout_rows r JOIN payout_rows o ON o.id = r.owner_row_id`)
      .all() as Row[];
    expect(repeats.length).toBe((built.counts.duplicate ?? 0) + (built.counts.conflict ?? 0));
    for (const r of repeats) {
      expect([r.owner_status, r.same_key]).toEqual(['paid', 1]);
      expect(r.same).toBe(r.status === 'duplicate' ? 1 : 0);
    }
    const retried = db
      .prepare(`SELECT count(*) FROM payout_rows f JOIN payout_rows p ON p.order_key = f.order_key AND p.environment = f.environment
        WHERE f.status = 'failed' AND p.status = 'paid' AND p.id > f.id AND p.fingerprint = f.fingerprint`)
      .pluck()
      .get() as number;
    expect(retried).toBeGreaterThan(0);
  });

  it('the ledger finds the owner of a repeated key, as a plan against it would', async () => {
    const dup = db.prepare("SELECT r.order_key, r.owner_row_id FROM payout_rows r WHERE r.status = 'duplicate' LIMIT 1").get() as Row;
    const ledger = openSqliteLedger(path, { create: false });
    try {
      const owners = await ledger.findKeyOwners('simulator', [String(dup.order_key), 'NOT-IN-THE-LEDGER']);
      expect(owners.size).toBe(1);
      expect(owners.get(String(dup.order_key))).toMatchObject({ rowId: dup.owner_row_id, status: 'paid', ownsKey: true });
    } finally {
      await ledger.close();
    }
  });

  it('gives each row the history its status implies', () => {
    const last = db
      .prepare(`SELECT r.status, (SELECT h.to_status FROM row_history h WHERE h.row_id = r.id ORDER BY h.id DESC LIMIT 1) AS to_status,
          (SELECT count(*) FROM row_history h WHERE h.row_id = r.id) AS steps
        FROM payout_rows r WHERE r.id % 101 = 0`)
      .all() as Row[];
    expect(last.length).toBeGreaterThan(200);
    for (const r of last) {
      expect(r.to_status).toBe(r.status);
      expect(r.steps).toBe({ paid: 4, failed: 4, not_sent: 2 }[String(r.status)] ?? 1);
    }
  });
});
