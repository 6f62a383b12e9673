import { hostname } from 'node:os';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { codeOfRejection } from '../../../test/support/error-code.ts';
import { createTestDatabase, queryDatabase, testPgServer, type TestDatabase } from '../../../test/support/pg-database.ts';
import type { ClaimedRow } from '../ledger-store.ts';
import { openBatchInput, queuedRow } from '../test-support/fixtures.ts';
import { openPostgresLedger, type PostgresLedgerOptions } from './open-postgres-ledger.ts';
import type { PostgresLedger } from './postgres-ledger.ts';

/**
 * Row leases on a real PostgreSQL: what lets several workers pay one batch. Two stores are two workers (each store is
 * its own lease owner); a lease is made to expire by moving its lease_until into the past, as the server clock would.
 */
const server = testPgServer();

describe.skipIf(server.url === undefined)(`PostgreSQL row leases${server.skip ? ` (skipped: ${server.skip})` : ''}`, () => {
  let db: TestDatabase;
  const opened: PostgresLedger[] = [];
  // Long leases: no heartbeat renews a lease the test expires by hand.
  const open = async (options: PostgresLedgerOptions = {}) => {
    const store = await openPostgresLedger(db.url, { rowLeaseMs: 60_000, ...options });
    opened.push(store);
    return store;
  };
  const sql = <T extends pg.QueryResultRow>(text: string, params: unknown[] = []) => queryDatabase<T>(db.url, text, params);
  const codeOf = codeOfRejection;
  const expire = (rowIds: number[]) => sql(`UPDATE payout_rows SET lease_until = now() - interval '1 second' WHERE id = ANY($1::bigint[])`, [rowIds]);

  async function batchWith(store: PostgresLedger, name: string, rows: number): Promise<string> {
    const { batch } = await store.openBatch(openBatchInput(name, 'openpay', rows));
    await store.insertRows(
      batch.id,
      Array.from({ length: rows }, (_, i) => queuedRow(i + 2, `${name}-${i}`)),
    );
    await store.markBatchPlanned(batch.id);
    return batch.id;
  }

  beforeAll(async () => {
    db = await createTestDatabase('leases');
  });
  beforeEach(async () => {
    await sql('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('two claimers taking small groups at the same time never get the same row, and together get every row', async () => {
    const a = await open();
    const b = await open();
    const batchId = await batchWith(a, 'two-claimers', 300);
    const drain = async (store: PostgresLedger) => {
      const got: number[] = [];
      for (;;) {
        const rows = await store.claimRows(batchId, 7);
        if (rows.length === 0) return got;
        got.push(...rows.map((r) => r.id));
      }
    };
    const [fromA, fromB] = await Promise.all([drain(a), drain(b)]);
    expect(fromA.filter((id) => fromB.includes(id))).toEqual([]);
    expect(fromA.length).toBeGreaterThan(0);
    expect(fromB.length).toBeGreaterThan(0);
    expect(fromA.length + fromB.length).toBe(300);
    expect(new Set([...fromA, ...fromB]).size).toBe(300);
    // Each row carries the claimer that holds it.
    const owners = await sql<{ lease_owner: string; n: string }>('SELECT lease_owner, count(*) AS n FROM payout_rows GROUP BY lease_owner');
    expect(owners.map((o) => Number(o.n)).sort((x, y) => x - y)).toEqual([fromA.length, fromB.length].sort((x, y) => x - y));
    expect(await a.openRowCount(batchId)).toBe(300);
  });

  it('a row whose lease expired is claimed again with a new epoch, and every write of the old epoch is refused', async () => {
    const a = await open();
    const b = await open();
    const batchId = await batchWith(a, 'expired', 3);
    const [row] = await a.claimRows(batchId, 1);
    expect(await b.claimRows(batchId, 3)).toHaveLength(2); // the other two; the held one is not offered
    const held = row as ClaimedRow;
    expect(a.holdsLease(held.id)).toBe(true);

    await expire([held.id]);
    const [again] = await b.claimRows(batchId, 1);
    expect(again?.id).toBe(held.id);
    expect(again?.leaseEpoch).toBe(held.leaseEpoch + 1);

    // The old holder can neither send it nor record anything for it, and learns it lost the row.
    expect(await codeOf(() => a.markSending([{ rowId: held.id }]))).toBe('LEASE_LOST');
    expect(await codeOf(() => a.recordOutcomes([{ rowId: held.id, to: 'not_sent', cause: 'interrupted' }]))).toBe('LEASE_LOST');
    expect(await a.renewLeases()).toEqual({ renewed: 0, lost: [] }); // already known lost: not renewed
    expect(a.holdsLease(held.id)).toBe(false);
    expect((await a.getRow(held.id))?.status).toBe('queued');

    // The new holder can.
    const [mark] = await b.markSending([{ rowId: held.id }]);
    expect(mark?.attempt).toBe(1);
    expect((await b.recordOutcomes([{ rowId: held.id, to: 'paid', cause: 'provider_accepted', attempt: 1, providerPayoutId: 'po_1' }]))[0]?.status).toBe('paid');
    expect((await b.history(held.id)).map((h) => h.to)).toEqual(['queued', 'sending', 'paid']);
  });

  it('a row left sending under an expired lease becomes unknown for its next holder, which settles it by lookup, never by resending', async () => {
    const a = await open();
    const b = await open();
    const batchId = await batchWith(a, 'in-flight', 2);
    const claimed = await a.claimRows(batchId, 2);
    await a.markSending(claimed.map((r) => ({ rowId: r.id })));
    await expire(claimed.map((r) => r.id));

    const taken = await b.claimRows(batchId, 5);
    expect(taken.map((r) => [r.status, r.tookOver])).toEqual([
      ['unknown', true],
      ['unknown', true],
    ]);
    const [first, second] = taken as [ClaimedRow, ClaimedRow];
    expect((await b.history(first.id)).map((h) => `${h.from}→${h.to}:${h.cause}`)).toEqual(['null→queued:planned', 'queued→sending:sent', 'sending→unknown:outcome_unknown']);

    // Never resent blindly: without a lookup's proof the new holder may not send it.
    expect(await codeOf(() => b.markSending([{ rowId: first.id }]))).toBe('ILLEGAL_TRANSITION');
    // A lookup found the payout: the row takes the provider's state.
    expect((await b.recordOutcomes([{ rowId: first.id, to: 'paid', cause: 'lookup', providerPayoutId: 'po_found' }]))[0]?.status).toBe('paid');
    // A lookup found nothing: then, and only then, it is sent again (attempt 2, same request key).
    const [resent] = await b.markSending([{ rowId: second.id, lookupFoundNothing: true }]);
    expect(resent?.attempt).toBe(2);
    expect(resent?.requestKey).toBe((await a.getRow(second.id))?.requestKey);

    // The late answer of the old holder's request is refused by the fence.
    expect(await codeOf(() => a.recordOutcomes([{ rowId: first.id, to: 'failed', cause: 'provider_rejected', attempt: 1 }]))).toBe('LEASE_LOST');
    expect((await a.getRow(first.id))?.status).toBe('paid');
  });

  it('sends only with half a lease still to run, and renewing gives the lease back its length', async () => {
    const a = await open();
    const batchId = await batchWith(a, 'fresh', 1);
    const [row] = await a.claimRows(batchId, 1);
    await sql(`UPDATE payout_rows SET lease_until = now() + interval '10 seconds' WHERE id = $1`, [row!.id]);
    expect(await codeOf(() => a.markSending([{ rowId: row!.id }]))).toBe('LEASE_LOST');
    expect(await a.renewLeases()).toEqual({ renewed: 1, lost: [] });
    expect((await a.markSending([{ rowId: row!.id }]))[0]?.attempt).toBe(1);
  });

  it('rows held by a dead process of this host are claimed without waiting for their leases; released rows at once', async () => {
    const a = await open({ isProcessAlive: (pid) => pid !== 999_999 });
    const b = await open();
    const batchId = await batchWith(a, 'dead', 2);
    const [gone, mine] = await a.claimRows(batchId, 2);
    await sql('UPDATE payout_rows SET lease_owner = $2 WHERE id = $1', [gone!.id, `${hostname()}/999999/old-token/x`]);
    const [took] = await a.claimRows(batchId, 5);
    expect(took?.id).toBe(gone!.id);

    expect(await b.claimRows(batchId, 5)).toEqual([]);
    await a.releaseRows([mine!.id, gone!.id]);
    expect((await b.claimRows(batchId, 5)).map((r) => r.id).sort()).toEqual([gone!.id, mine!.id].sort());
  });

  it('releasing the queued rows of a batch leaves alone those another live worker holds', async () => {
    const a = await open();
    const b = await open();
    const batchId = await batchWith(a, 'release', 4);
    const heldByB = await b.claimRows(batchId, 2);
    expect(await a.releaseQueued(batchId, 'interrupted')).toBe(2);
    for (const r of heldByB) expect((await a.getRow(r.id))?.status).toBe('queued');
    expect((await b.markSending(heldByB.map((r) => ({ rowId: r.id })))).map((m) => m.attempt)).toEqual([1, 1]);
  });
});
