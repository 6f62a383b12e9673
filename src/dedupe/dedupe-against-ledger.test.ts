import { describe, expect, it } from 'vitest';
import type { CheckedRow } from '../domain/payout-row.ts';
import type { KeyOwner } from '../ledger/ledger-store.ts';
import { checkedRowFingerprint, dedupeAgainstLedger } from './dedupe-against-ledger.ts';

const row = (amountMinor = 10_000): CheckedRow => ({
  row: 2,
  status: 'valid',
  issues: [],
  input: {},
  payout: {
    row: 2,
    provider: 'openpay',
    orderId: 'A-1',
    amountMinor,
    currency: 'MXN',
    account: { kind: 'clabe', number: '646180109400135624', bankCode: '646' },
    name: 'Ana',
  },
});

describe('dedupe against the ledger', () => {
  const fp = checkedRowFingerprint(row())!;
  const owner = (over: Partial<KeyOwner>): KeyOwner => ({ rowId: 1, batchId: 'b', rowNumber: 7, provider: 'openpay', environment: 'simulator', status: 'paid', fingerprint: fp, ownsKey: true, ...over });

  it('marks a payout already paid in an earlier batch as duplicate, naming that batch', async () => {
    const out = dedupeAgainstLedger(row(), owner({ batchId: 'b-earlier', status: 'paid' }), 'b-now');
    expect(out.status).toBe('duplicate');
    expect(out.issues.map((i) => i.code)).toEqual(['DUPLICATE_ORDER_ID']);
    expect(out.issues[0]!.message).toContain('b-earlier');
  });

  it('marks the same key with a different amount as conflict', async () => {
    const out = dedupeAgainstLedger(row(10_001), owner({ batchId: 'b-earlier', status: 'pending' }), 'b-now');
    expect(out.status).toBe('conflict');
    expect(out.issues.map((i) => i.code)).toEqual(['CONFLICTING_ORDER_ID']);
  });

  it.each(['sending', 'unknown', 'queued'] as const)('treats a key left %s by an earlier batch as taken', (status) => {
    expect(dedupeAgainstLedger(row(), owner({ batchId: 'b1', status }), 'b2').status).toBe('duplicate');
  });

  it.each(['failed', 'not_sent'] as const)('lets a key whose earlier row was %s be paid again', (status) => {
    expect(dedupeAgainstLedger(row(), owner({ batchId: 'b1', status, ownsKey: false }), 'b2').status).toBe('valid');
  });

  it('ignores the batch itself (a resumed run)', async () => {
    expect(dedupeAgainstLedger(row(), owner({ batchId: 'b1', status: 'paid' }), 'b1').status).toBe('valid');
  });
});
