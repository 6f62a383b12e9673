import { afterEach, describe, expect, it } from 'vitest';
import { dedupeAgainstLedger } from '../dedupe/dedupe-against-ledger.ts';
import { createInFileDeduper } from '../dedupe/dedupe-in-file.ts';
import type { LedgerStore } from '../ledger/ledger-store.ts';
import { openLedger } from '../ledger/open-ledger.ts';
import { hashOf, tempLedger } from '../ledger/test-support/fixtures.ts';
import { ledgerRowInput } from '../plan/ledger-row-input.ts';
import { validateRow, type ValidateContext } from '../validate/validate-row.ts';
import type { CanonicalField, CheckedRow } from './payout-row.ts';
import type { ProviderId } from './provider-id.ts';
import { payoutFingerprint } from './payout-fingerprint.ts';

type Cells = Partial<Record<CanonicalField, string>>;

/**
 * One payout per account kind, typed twice the way people type the same thing (spaces, case), and once more to a
 * different destination. Every place that decides "same payout" must agree on all three.
 */
const KINDS: Array<{ kind: string; provider: ProviderId; first: Cells; again: Cells; other: Cells }> = [
  {
    kind: 'clabe',
    provider: 'openpay',
    first: { order_id: 'K-1', amount: '1,234.56', account: '646180109400135624', name: 'Ana' },
    again: { order_id: 'K-1', amount: '$1,234.56', account: ' 646 180 109400135624 ', name: 'Ana' },
    other: { order_id: 'K-1', amount: '1,234.56', account: '012298026516924616', name: 'Ana' },
  },
  {
    kind: 'cbu',
    provider: 'zenrise',
    first: { order_id: 'K-2', amount: '1.234,56', account: '2850590940090418135201' },
    again: { order_id: 'K-2', amount: '1234,56', account: ' 2850590940090418135201 ' },
    other: { order_id: 'K-2', amount: '1.234,56', account: '0000003100928374650114' },
  },
  {
    kind: 'cvu',
    provider: 'zenrise',
    first: { order_id: 'K-3', amount: '500,00', account: '0000003100928374650114' },
    again: { order_id: 'K-3', amount: '500', account: '0000003100928374650114 ' },
    other: { order_id: 'K-3', amount: '500,00', account: '2850590940090418135201' },
  },
  {
    kind: 'alias',
    provider: 'zenrise',
    first: { order_id: 'K-4', amount: '10,00', account: 'pepe.pepe.po' },
    again: { order_id: 'K-4', amount: '10', account: ' pepe.pepe.po ' },
    other: { order_id: 'K-4', amount: '10,00', account: 'otra.cuenta.mp' },
  },
  {
    kind: 'cash_out',
    provider: 'digitalfemsa',
    first: { order_id: 'K-5', amount: '300', name: 'Cliente', email: 'Cliente@Example.com' },
    again: { order_id: 'K-5', amount: '300.00', name: 'Cliente', email: ' cliente@example.COM ' },
    other: { order_id: 'K-5', amount: '300', name: 'Cliente', email: 'otro@example.com' },
  },
];

function check(provider: ProviderId, cells: Cells, row: number): CheckedRow {
  const ctx: ValidateContext = { defaultProvider: provider, target: 'live', columns: {} };
  const out: Record<string, { type: 'text'; text: string }> = {};
  for (const [field, text] of Object.entries(cells)) out[field] = { type: 'text', text };
  const checked = validateRow({ row, cells: out }, ctx);
  expect(checked.status, JSON.stringify(checked.issues)).toBe('valid');
  return checked;
}

let cleanup: (() => void) | undefined;
let ledger: LedgerStore | undefined;
afterEach(async () => {
  await ledger?.close();
  cleanup?.();
  ledger = undefined;
  cleanup = undefined;
});

describe('payoutFingerprint: one definition of "the same payout"', () => {
  it.each(KINDS)('$kind: in-file dedupe, the ledger and the dedupe against earlier runs agree', async ({ kind, provider, first, again, other }) => {
    const a = check(provider, first, 2);
    const b = check(provider, again, 3);
    const c = check(provider, other, 4);
    expect(a.payout!.account.kind).toBe(kind);
    expect(payoutFingerprint(b.payout!)).toBe(payoutFingerprint(a.payout!));
    expect(payoutFingerprint(c.payout!)).not.toBe(payoutFingerprint(a.payout!));

    // In the file: the same payout again is a duplicate; another destination under the key is a conflict.
    const sameFile = createInFileDeduper();
    sameFile.check(a);
    expect(sameFile.check(b).status).toBe('duplicate');
    const otherFile = createInFileDeduper();
    otherFile.check(a);
    expect(otherFile.check(c).status).toBe('conflict');

    // In the ledger: the row it stores carries the same fingerprint, and a later batch's rows are demoted alike.
    const temp = tempLedger();
    cleanup = temp.cleanup;
    ledger = await openLedger(temp.path);
    const batchOf = async (name: string) => (await ledger!.openBatch({ fileHash: hashOf(name), provider, environment: 'simulator', account: 'merchant:test', fileName: `${name}.csv`, rowCount: 1 })).batch.id;
    const firstBatch = await batchOf('first');
    await ledger.insertRows(firstBatch, [ledgerRowInput(a)]);
    const owner = (await ledger.findKeyOwners('simulator', [a.payout!.orderId])).get(a.payout!.orderId)!;
    expect(owner).toMatchObject({ ownsKey: true, fingerprint: payoutFingerprint(a.payout!) });
    expect((await ledger.insertRows(await batchOf('again'), [ledgerRowInput(b)])).demoted).toMatchObject([{ status: 'duplicate' }]);
    expect((await ledger.insertRows(await batchOf('other'), [ledgerRowInput(c)])).demoted).toMatchObject([{ status: 'conflict' }]);

    // Against earlier runs, before anything is written: the plan's verdict is the ledger's.
    expect(dedupeAgainstLedger(b, owner, 'later').status).toBe('duplicate');
    expect(dedupeAgainstLedger(c, owner, 'later').status).toBe('conflict');
  });
});
