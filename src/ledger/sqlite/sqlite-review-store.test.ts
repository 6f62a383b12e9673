import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../serve/passwords.ts';
import { openSqliteLedger } from './open-sqlite-ledger.ts';
import { openSqliteReviewStore } from './sqlite-review-store.ts';

async function ledgerFile(): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), 'review-store-')), 'ledger.sqlite');
  await openSqliteLedger(path).close();
  return path;
}

const review = (id: string) => ({
  id,
  status: 'review' as const,
  uploader: 'olga',
  provider: 'openpay',
  fileName: '../../etc/passwd',
  storedName: `${id}.csv`,
  fileHash: 'f'.repeat(64),
  map: {},
  planHash: 'p1',
  summary: { counts: { valid: 1 } },
});

describe('SQLite review store (migration 4)', () => {
  it('adds the review tables to the ledger and keeps users with scrypt hashes, never the password', async () => {
    const path = await ledgerFile();
    const store = await openSqliteReviewStore(path);
    expect(await store.addUser({ name: 'olga', role: 'operator', passwordHash: await hashPassword('correct horse') })).toBe(true);
    expect(await store.addUser({ name: 'olga', role: 'viewer', passwordHash: 'x' })).toBe(false);
    const user = await store.getUser('olga');
    expect(user?.role).toBe('operator');
    expect(user?.passwordHash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(user?.passwordHash).not.toContain('correct horse');
    expect(await verifyPassword('correct horse', user!.passwordHash)).toBe(true);
    expect(await verifyPassword('correct horsE', user!.passwordHash)).toBe(false);
    expect((await store.listUsers()).map((u) => u.name)).toEqual(['olga']);
    expect(await store.removeUser('olga')).toBe(true);
    expect(await store.removeUser('olga')).toBe(false);
    await store.close();
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(4);
    expect(() => raw.prepare("INSERT INTO users VALUES ('x','admin','h','t')").run()).toThrow();
    raw.close();
  });

  it('moves a review only from the states named, and takes one approval per user', async () => {
    const store = await openSqliteReviewStore(await ledgerFile());
    await store.createReview(review('b1'), [
      { row: 2, orderId: 'A', status: 'valid', issues: [] },
      { row: 3, orderId: 'B', status: 'invalid', issues: [{ code: 'CLABE_CHECKSUM', severity: 'error', field: 'account', column: 'clabe', message: 'bad' }] },
      { row: 4, status: 'invalid', issues: [{ code: 'AMOUNT_INVALID', severity: 'error', message: 'bad' }, { code: 'CLABE_CHECKSUM', severity: 'error', message: 'bad' }] },
    ]);
    expect(await store.transition('b1', ['review'], 'awaiting_approval')).toBe(true);
    expect(await store.transition('b1', ['review'], 'awaiting_approval')).toBe(false);
    expect((await store.getReview('b1'))?.status).toBe('awaiting_approval');
    expect(await store.codeCounts('b1')).toEqual({ CLABE_CHECKSUM: 2, AMOUNT_INVALID: 1 });
    const byCode = await store.rows('b1', { code: 'CLABE_CHECKSUM', offset: 0, limit: 1 });
    expect(byCode.total).toBe(2);
    expect(byCode.rows.map((r) => r.row)).toEqual([3]);
    expect((await store.rows('b1', { status: 'valid', offset: 0, limit: 10 })).rows.map((r) => r.row)).toEqual([2]);
    const at = new Date();
    expect(await store.addApproval({ batchId: 'b1', user: 'ana', planHash: 'p1', at })).toBe(true);
    expect(await store.addApproval({ batchId: 'b1', user: 'ana', planHash: 'p1', at })).toBe(false);
    expect((await store.approvals('b1')).map((a) => a.user)).toEqual(['ana']);
    await store.audit({ who: 'ana', action: 'approve', batchId: 'b1', detail: { plan_hash: 'p1' }, remote: '127.0.0.1' });
    expect((await store.auditFor('b1'))[0]).toMatchObject({ who: 'ana', action: 'approve', remote: '127.0.0.1', detail: { plan_hash: 'p1' } });
    await store.close();
  });
});
