import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeLedgerStores } from '../ledger/test-support/ledger-stores.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { openReviewStore } from './open-review-store.ts';
import type { ReviewStore, Role } from './review-store.ts';

const review = (id: string) => ({
  id,
  status: 'review' as const,
  uploader: 'olga',
  provider: 'openpay',
  fileName: '../../etc/passwd',
  storedName: `${id}.csv`,
  fileHash: 'f'.repeat(64),
  map: { monto: 'amount', clabe: 'account' },
  planHash: 'p1',
  summary: { counts: { valid: 1 }, totals: [{ currency: 'MXN', amount_minor: 9_007_199_254_740_991 }] },
});

/** The ReviewStore contract: the same tests on a SQLite ledger file and on a PostgreSQL ledger. */
describeLedgerStores('ReviewStore', (h) => {
  let store: ReviewStore;
  let opened: ReviewStore[];
  const open = async (options: { now?: () => Date } = {}) => {
    const s = await openReviewStore(await h.location(), options);
    opened.push(s);
    return s;
  };
  beforeEach(async () => {
    opened = [];
    // The ledger first, as every command opens it: the review store needs an existing ledger.
    await (await h.open()).close();
    store = await open();
  });
  afterEach(async () => {
    for (const s of opened) await s.close();
  });

  describe('users', () => {
    it('keeps users with scrypt hashes, never the password; one per name; a role outside the three is refused', async () => {
      expect(await store.addUser({ name: 'olga', role: 'operator', passwordHash: await hashPassword('correct horse') })).toBe(true);
      expect(await store.addUser({ name: 'olga', role: 'viewer', passwordHash: 'x' })).toBe(false);
      const user = await store.getUser('olga');
      expect(user?.role).toBe('operator');
      expect(user?.passwordHash).toMatch(/^scrypt\$16384\$8\$1\$/);
      expect(user?.passwordHash).not.toContain('correct horse');
      expect(user?.createdAt).toBeInstanceOf(Date);
      expect(await verifyPassword('correct horse', user!.passwordHash)).toBe(true);
      expect(await verifyPassword('correct horsE', user!.passwordHash)).toBe(false);
      await expect(store.addUser({ name: 'root', role: 'admin' as Role, passwordHash: 'h' })).rejects.toThrow();
      await store.addUser({ name: 'Ana', role: 'approver', passwordHash: 'h' });
      // Byte order on both stores, whatever the database's collation.
      expect((await store.listUsers()).map((u) => u.name)).toEqual(['Ana', 'olga']);
      expect(await store.removeUser('olga')).toBe(true);
      expect(await store.removeUser('olga')).toBe(false);
      expect(await store.getUser('olga')).toBeUndefined();
    });

    it('are seen by a second store on the same ledger (another server)', async () => {
      await store.addUser({ name: 'olga', role: 'operator', passwordHash: 'h' });
      const other = await open();
      expect((await other.getUser('olga'))?.role).toBe('operator');
    });
  });

  describe('reviews', () => {
    it('keep what was written, moving only from the states named', async () => {
      await store.createReview(review('b1'), [
        { row: 2, orderId: 'A', status: 'valid', issues: [], cells: { amount: '100.00', account: '0121…7198' } },
        { row: 3, orderId: 'B', status: 'invalid', issues: [{ code: 'CLABE_CHECKSUM', severity: 'error', field: 'account', column: 'clabe', message: 'bad' }] },
        { row: 4, status: 'invalid', issues: [{ code: 'AMOUNT_INVALID', severity: 'error', message: 'bad' }, { code: 'CLABE_CHECKSUM', severity: 'error', message: 'bad' }] },
      ]);
      const got = await store.getReview('b1');
      expect(got).toMatchObject({ ...review('b1'), status: 'review' });
      expect(got?.ledgerBatchId).toBeUndefined();
      expect(got?.sheet).toBeUndefined();
      expect(got?.createdAt).toBeInstanceOf(Date);
      expect(await store.transition('b1', ['review'], 'awaiting_approval')).toBe(true);
      expect(await store.transition('b1', ['review'], 'awaiting_approval')).toBe(false);
      expect(await store.transition('nope', ['review'], 'awaiting_approval')).toBe(false);
      expect(await store.transition('b1', ['approved', 'awaiting_approval'], 'paying', { ledgerBatchId: 'L1', planHash: 'p2', summary: { n: 1 }, reason: 'r' })).toBe(true);
      expect(await store.getReview('b1')).toMatchObject({ status: 'paying', ledgerBatchId: 'L1', planHash: 'p2', summary: { n: 1 }, reason: 'r' });
      expect(await store.codeCounts('b1')).toEqual({ CLABE_CHECKSUM: 2, AMOUNT_INVALID: 1 });
    });

    it('filter rows by status and by code, a page at a time, with the total of the filter', async () => {
      await store.createReview(review('b1'), [
        { row: 2, orderId: 'A', status: 'valid', issues: [], cells: { amount: '100.00' } },
        { row: 3, orderId: 'B', status: 'invalid', issues: [{ code: 'CLABE_CHECKSUM', severity: 'error', column: 'clabe', message: 'bad' }] },
        { row: 4, status: 'invalid', issues: [{ code: 'AMOUNT_INVALID', severity: 'error', message: 'bad' }, { code: 'CLABE_CHECKSUM', severity: 'error', message: 'bad' }] },
      ]);
      const byCode = await store.rows('b1', { code: 'CLABE_CHECKSUM', offset: 0, limit: 1 });
      expect(byCode.total).toBe(2);
      expect(byCode.rows.map((r) => r.row)).toEqual([3]);
      expect((await store.rows('b1', { code: 'CLABE_CHECKSUM', offset: 1, limit: 1 })).rows.map((r) => r.row)).toEqual([4]);
      // A code is matched whole, never as a part of another.
      expect((await store.rows('b1', { code: 'CLABE', offset: 0, limit: 10 })).total).toBe(0);
      const valid = await store.rows('b1', { status: 'valid', offset: 0, limit: 10 });
      expect(valid.rows).toEqual([{ row: 2, orderId: 'A', status: 'valid', issues: [], cells: { amount: '100.00' } }]);
      expect((await store.rows('b1', { status: 'invalid', code: 'AMOUNT_INVALID', offset: 0, limit: 10 })).rows.map((r) => r.row)).toEqual([4]);
    });

    it('write many rows at once (more than one statement holds)', async () => {
      const rows = Array.from({ length: 1203 }, (_, i) => ({ row: i + 2, orderId: `O${i}`, status: i % 3 ? 'valid' : 'invalid', issues: i % 3 ? [] : [{ code: 'X', severity: 'error' as const, message: 'm' }] }));
      await store.createReview(review('big'), rows);
      expect((await store.rows('big', { offset: 1200, limit: 10 })).rows.map((r) => r.row)).toEqual([1202, 1203, 1204]);
      expect(await store.codeCounts('big')).toEqual({ X: 401 });
    });

    it('take a new plan (another column mapping) in one step: new rows, map, hash and summary, approvals dropped', async () => {
      await store.createReview(review('b1'), [{ row: 2, status: 'invalid', issues: [{ code: 'COLUMNS_MISSING', severity: 'error', message: 'm' }] }]);
      await store.transition('b1', ['review'], 'awaiting_approval');
      await store.addApproval({ batchId: 'b1', user: 'ana', planHash: 'p1', at: new Date() });
      const plan = { map: { amount: 'importe' }, planHash: 'p2', summary: { counts: { valid: 2 } } };
      const rows = [
        { row: 2, orderId: 'A', status: 'valid', issues: [] },
        { row: 3, orderId: 'B', status: 'valid', issues: [] },
      ];
      expect(await store.replacePlan('b1', ['review', 'awaiting_approval'], 'review', plan, rows)).toBe(true);
      expect(await store.getReview('b1')).toMatchObject({ status: 'review', map: { amount: 'importe' }, planHash: 'p2', summary: { counts: { valid: 2 } } });
      expect((await store.rows('b1', { offset: 0, limit: 10 })).rows.map((r) => [r.row, r.status])).toEqual([
        [2, 'valid'],
        [3, 'valid'],
      ]);
      expect(await store.codeCounts('b1')).toEqual({});
      expect(await store.approvals('b1')).toEqual([]);
      // Not from a state outside `from`: nothing changes.
      await store.transition('b1', ['review'], 'rejected');
      expect(await store.replacePlan('b1', ['review'], 'review', { ...plan, planHash: 'p3' }, [])).toBe(false);
      expect((await store.getReview('b1'))?.planHash).toBe('p2');
      expect((await store.rows('b1', { offset: 0, limit: 10 })).total).toBe(2);
    });

    it('list the newest first', async () => {
      let t = Date.parse('2026-01-01T00:00:00Z');
      const timed = await open({ now: () => new Date((t += 1000)) });
      await timed.createReview(review('old'), []);
      await timed.createReview(review('new'), []);
      expect((await timed.listReviews()).map((r) => r.id)).toEqual(['new', 'old']);
    });
  });

  describe('approvals and the audit log', () => {
    it('take one approval per user, bound to a plan hash; a new plan clears them', async () => {
      await store.createReview(review('b1'), []);
      const at = new Date('2026-02-03T04:05:06.789Z');
      expect(await store.addApproval({ batchId: 'b1', user: 'ana', planHash: 'p1', at })).toBe(true);
      expect(await store.addApproval({ batchId: 'b1', user: 'ana', planHash: 'p1', at })).toBe(false);
      expect(await store.addApproval({ batchId: 'b1', user: 'bea', planHash: 'p1', at: new Date(at.getTime() + 1) })).toBe(true);
      expect(await store.approvals('b1')).toEqual([
        { batchId: 'b1', user: 'ana', planHash: 'p1', at },
        { batchId: 'b1', user: 'bea', planHash: 'p1', at: new Date(at.getTime() + 1) },
      ]);
      await store.clearApprovals('b1');
      expect(await store.approvals('b1')).toEqual([]);
    });

    it('keeps who did what, from where, in order', async () => {
      await store.audit({ who: 'ana', action: 'approve', batchId: 'b1', detail: { plan_hash: 'p1' }, remote: '127.0.0.1' });
      await store.audit({ action: 'status_paying', batchId: 'b1' });
      await store.audit({ who: 'x', action: 'login' });
      const trail = await store.auditFor('b1');
      expect(trail.map((e) => e.action)).toEqual(['approve', 'status_paying']);
      expect(trail[0]).toMatchObject({ who: 'ana', action: 'approve', remote: '127.0.0.1', detail: { plan_hash: 'p1' } });
      expect(trail[1]).not.toHaveProperty('who');
      expect(trail[1]?.at).toBeInstanceOf(Date);
    });
  });

  describe('sessions', () => {
    const at = new Date('2026-03-01T10:00:00.000Z');
    const later = (ms: number) => new Date(at.getTime() + ms);

    it('are found by token hash until they expire, by every store on the ledger; an expired one is removed', async () => {
      await store.createSession({ tokenHash: 'h1', user: 'olga', createdAt: at, seenAt: at, expiresAt: later(60_000) });
      const other = await open();
      expect(await other.getSession('h1', later(1000))).toEqual({ tokenHash: 'h1', user: 'olga', createdAt: at, seenAt: at, expiresAt: later(60_000) });
      await other.touchSession('h1', later(50_000), later(110_000));
      expect((await store.getSession('h1', later(100_000)))?.seenAt).toEqual(later(50_000));
      expect(await store.getSession('h1', later(110_000))).toBeUndefined();
      // Removed, not only hidden: an earlier clock does not bring it back.
      expect(await store.getSession('h1', at)).toBeUndefined();
      expect(await store.getSession('nope', at)).toBeUndefined();
    });

    it('end when deleted', async () => {
      await store.createSession({ tokenHash: 'h2', user: 'olga', createdAt: at, seenAt: at, expiresAt: later(60_000) });
      await store.deleteSession('h2');
      expect(await store.getSession('h2', at)).toBeUndefined();
    });
  });
});
