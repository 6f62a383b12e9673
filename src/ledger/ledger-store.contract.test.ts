import { hostname } from 'node:os';
import { beforeEach, describe, expect, it } from 'vitest';
import { requestKey } from '../domain/request-key.ts';
import { batchIdFor } from './batch-identity.ts';
import { collectRows } from './collect-rows.ts';
import { createGroupCommitter } from './group-commit.ts';
import { BatchLockedError, IllegalTransitionError, LedgerError } from './ledger-error.ts';
import { HISTORY_ROWS_MAX, type LedgerRow, type LedgerStore } from './ledger-store.ts';
import { hashOf, manualClock, openBatchInput, queuedRow, TEST_SCOPE } from './test-support/fixtures.ts';
import { describeLedgerStores, type StoreOpenOptions } from './test-support/ledger-stores.ts';
import { messageText } from '../messages/stored-message.ts';

/** The LedgerStore contract: the same tests on the SQLite and the PostgreSQL store. */
describeLedgerStores('LedgerStore', (h) => {
let clock: ReturnType<typeof manualClock>;
let ledger: LedgerStore;

function open(options: StoreOpenOptions = {}): Promise<LedgerStore> {
  return h.open({ now: clock.now, ...options });
}

beforeEach(async () => {
  clock = manualClock();
  ledger = await open();
});

/** Inserts queued rows, takes the lock and returns the rows. */
async function batchWithRows(name: string, keys: string[], lock = true) {
  const { batch } = await ledger.openBatch(openBatchInput(name, 'openpay', keys.length));
  await ledger.insertRows(batch.id, keys.map((k, i) => queuedRow(i + 2, k, 10_000 + i)));
  if (lock) await ledger.acquireBatchLock(batch.id);
  const rows = await collectRows(ledger.rowsByStatus(batch.id, ['queued']));
  return { batch, rows };
}

async function sentRow(name: string, key = `${name}-1`): Promise<LedgerRow> {
  const { rows } = await batchWithRows(name, [key]);
  const row = rows[0] as LedgerRow;
  await ledger.markSending([{ rowId: row.id }]);
  return (await ledger.getRow(row.id)) as LedgerRow;
}

async function errorCode(fn: () => unknown): Promise<string | undefined> {
  try {
    await fn();
  } catch (error) {
    return error instanceof LedgerError ? error.code : `not a LedgerError: ${String(error)}`;
  }
  return undefined;
}

describe('opening', () => {
  it('keeps its data across reopen', async () => {
    const { batch } = await ledger.openBatch(openBatchInput('persist'));
    await ledger.close();
    const again = await open();
    expect((await again.getBatch(batch.id))?.fileName).toBe('persist.csv');
  });

  it('refuses every call once closed', async () => {
    await ledger.close();
    expect(await errorCode(() => ledger.listBatches())).toBe('LEDGER_CLOSED');
  });
});

describe('batches', () => {
  it('identifies a batch by file content + provider, so the same file resumes it under any name', async () => {
    const first = await ledger.openBatch(openBatchInput('content-a', 'openpay', 3));
    expect(first.created).toBe(true);
    expect(first.batch).toMatchObject({ id: batchIdFor(hashOf('content-a'), 'openpay', TEST_SCOPE), status: 'planned', rowCount: 3 });
    expect(first.batch.id).toMatch(/^[0-9a-f]{16}$/);

    clock.advance(1000);
    const renamed = await ledger.openBatch({ ...openBatchInput('content-a', 'openpay', 3), fileName: 'renamed.csv' });
    expect(renamed.created).toBe(false);
    expect(renamed.batch.id).toBe(first.batch.id);
    expect(renamed.batch.fileName).toBe('content-a.csv');

    const otherProvider = await ledger.openBatch(openBatchInput('content-a', 'conekta', 3));
    expect(otherProvider.created).toBe(true);
    expect(otherProvider.batch.id).not.toBe(first.batch.id);
    expect(await ledger.listBatches()).toHaveLength(2);
  });

  it('records status changes and keeps the first opening balance of a resumed batch', async () => {
    const { batch } = await ledger.openBatch(openBatchInput('balance'));
    await ledger.saveOpeningBalance(batch.id, { provider: 'openpay', currency: 'MXN', amountMinor: 500_000_00, capturedAt: clock.now() });
    await ledger.saveOpeningBalance(batch.id, { provider: 'openpay', currency: 'MXN', amountMinor: 1, capturedAt: clock.now() });
    await ledger.setBatchStatus(batch.id, 'dispatching');
    expect(await ledger.getBatch(batch.id)).toMatchObject({
      status: 'dispatching',
      openingBalances: [{ provider: 'openpay', currency: 'MXN', amountMinor: 500_000_00 }],
    });
    expect(await errorCode(() => ledger.setBatchStatus('nope', 'finished'))).toBe('BATCH_NOT_FOUND');
  });

  it('marks a batch planned once, keeping the first time, and a new batch is not planned', async () => {
    const { batch } = await ledger.openBatch(openBatchInput('planned', 'openpay', 2));
    expect(batch.plannedAt).toBeUndefined();
    await ledger.insertRows(batch.id, [queuedRow(2, 'P-1')]);
    expect((await ledger.getBatch(batch.id))!.plannedAt).toBeUndefined();
    const first = clock.now();
    await ledger.markBatchPlanned(batch.id);
    clock.advance(60_000);
    await ledger.markBatchPlanned(batch.id);
    expect((await ledger.getBatch(batch.id))!.plannedAt).toEqual(first);
    expect((await ledger.openBatch(openBatchInput('planned', 'openpay', 2))).batch.plannedAt).toEqual(first);
    expect(await errorCode(() => ledger.markBatchPlanned('nope'))).toBe('BATCH_NOT_FOUND');
  });
});

describe('history queries', () => {
  it('keeps who ran a batch (the first run wins) and none for a batch opened without one', async () => {
    const { batch } = await ledger.openBatch({ ...openBatchInput('who'), operator: 'ana' });
    expect(batch.operator).toBe('ana');
    expect((await ledger.openBatch({ ...openBatchInput('who'), operator: 'luis' })).batch.operator).toBe('ana');
    expect((await ledger.listBatches()).find((b) => b.id === batch.id)?.operator).toBe('ana');
    expect((await ledger.openBatch(openBatchInput('nobody'))).batch.operator).toBeUndefined();
  });

  it("names the providers a batch's rows are routed to: one, or several for a mixed batch", async () => {
    const { batch: single } = await ledger.openBatch(openBatchInput('single', 'openpay', 1));
    await ledger.insertRows(single.id, [queuedRow(2, 'S-1')]);
    const { batch: mixed } = await ledger.openBatch(openBatchInput('mixed', 'openpay', 2));
    await ledger.insertRows(mixed.id, [queuedRow(2, 'M-1'), queuedRow(3, 'M-2', 5_000, { provider: 'conekta' })]);
    expect(await ledger.batchProviders(single.id)).toEqual(['openpay']);
    expect(await ledger.batchProviders(mixed.id)).toEqual(['conekta', 'openpay']);
    expect(await ledger.batchProviders('nope')).toEqual([]);
  });

  it('counts a row naming none of our providers (PROVIDER_UNKNOWN) under no provider, though it is filed under the batch\'s', async () => {
    const { batch } = await ledger.openBatch(openBatchInput('unknown-provider', 'openpay', 3));
    await ledger.insertRows(batch.id, [
      queuedRow(2, 'U-1', 5_000, { provider: 'conekta' }),
      { rowNumber: 3, status: 'invalid', orderKey: 'U-2', errorCode: 'AMOUNT_FORMAT;PROVIDER_UNKNOWN', errorMessage: 'x', input: { provider: 'paypal' } },
      { rowNumber: 4, status: 'invalid', orderKey: 'U-3', provider: 'zenrise', errorCode: 'AMOUNT_FORMAT', errorMessage: 'x', input: { provider: 'zenrise' } },
    ]);
    expect(await ledger.batchProviders(batch.id)).toEqual(['conekta', 'zenrise']);
  });

  it('totals a batch per status and currency, never adding one currency to another', async () => {
    const { batch } = await ledger.openBatch(openBatchInput('totals', 'openpay', 4));
    await ledger.insertRows(batch.id, [
      queuedRow(2, 'T-1', 10_000),
      queuedRow(3, 'T-2', 2_500),
      queuedRow(4, 'T-3', 150_050, { provider: 'zenrise', currency: 'ARS', account: { kind: 'alias', alias: 'gato.perro.casa' } }),
      { rowNumber: 5, status: 'invalid', errorCode: 'AMOUNT_FORMAT', input: { amount: 'diez' } },
    ]);
    expect(await ledger.totalsByStatus(batch.id)).toEqual([
      { status: 'invalid', currency: null, count: 1, amountMinor: 0 },
      { status: 'queued', currency: 'ARS', count: 1, amountMinor: 150_050 },
      { status: 'queued', currency: 'MXN', count: 2, amountMinor: 12_500 },
    ]);
    expect(await ledger.totalsByStatus('nope')).toEqual([]);
  });

  it('finds every row of one order key across batches, oldest first, each with its own history', async () => {
    const { batch: first, rows: [sent] } = await batchWithRows('first', ['K-1', 'K-2']);
    await ledger.markSending([{ rowId: sent!.id }]);
    await ledger.recordOutcomes([{ rowId: sent!.id, to: 'failed', cause: 'provider_rejected', attempt: 1, providerPayoutId: 'tr-1', providerStatus: 'failed', errorCode: 'ACCOUNT_REJECTED' }]);
    clock.advance(60_000);
    const { batch: second } = await ledger.openBatch(openBatchInput('second', 'openpay', 1));
    await ledger.insertRows(second.id, [queuedRow(2, 'K-1')]);
    const rows = await ledger.rowsByOrderKey('K-1');
    expect(rows.map((r) => [r.batchId, r.status, r.providerPayoutId])).toEqual([[first.id, 'failed', 'tr-1'], [second.id, 'queued', undefined]]);
    expect((await ledger.history(rows[0]!.id)).map((h) => h.to)).toEqual(['queued', 'sending', 'failed']);
    expect(await ledger.rowsByOrderKey('K-404')).toEqual([]);
  });
});

describe('insertRows', () => {
  it('stores every field, the full account for requests and a masked one for output', async () => {
    const { batch } = await ledger.openBatch(openBatchInput('fields'));
    await ledger.insertRows(batch.id, [queuedRow(2, 'ord-1', 123_45, { email: 'a@b.mx', description: 'rent' })]);
    const row = await ledger.getRowByNumber(batch.id, 2);
    expect(row).toMatchObject({
      batchId: batch.id,
      provider: 'openpay',
      orderKey: 'ord-1',
      amountMinor: 123_45,
      currency: 'MXN',
      account: { kind: 'clabe', number: '002180000000000002', bankCode: '002', bankName: 'BANAMEX' },
      accountMasked: '002***********0002',
      fingerprint: '12345|002180000000000002|MXN',
      status: 'queued',
      attempts: 0,
      email: 'a@b.mx',
      description: 'rent',
    });
    expect(await ledger.history(row!.id)).toMatchObject([{ from: null, to: 'queued', cause: 'planned', attempt: 0 }]);
  });

  it('is idempotent on (batch, row number): a resumed batch does not duplicate rows', async () => {
    const { batch } = await ledger.openBatch(openBatchInput('resume'));
    const rows = [queuedRow(2, 'a'), queuedRow(3, 'b'), { rowNumber: 4, status: 'invalid' as const, input: { amount: '12,3' } }];
    expect(await ledger.insertRows(batch.id, rows)).toEqual({ inserted: 3, existing: 0, demoted: [] });
    expect(await ledger.insertRows(batch.id, rows)).toEqual({ inserted: 0, existing: 3, demoted: [] });
    expect((await ledger.countsByStatus(batch.id)).queued.count).toBe(2);
    expect(await ledger.getRowByNumber(batch.id, 4)).toMatchObject({ status: 'invalid', input: { amount: '12,3' } });
  });

  it('refuses a queued row that is not payable, a repeated row number and a fractional amount', async () => {
    const { batch } = await ledger.openBatch(openBatchInput('bad-input'));
    expect(await errorCode(() => ledger.insertRows(batch.id, [{ rowNumber: 2, status: 'queued', orderKey: 'x' }]))).toBe('INVALID_INPUT');
    expect(await errorCode(() => ledger.insertRows(batch.id, [queuedRow(2, 'a'), queuedRow(2, 'b')]))).toBe('INVALID_INPUT');
    await expect(ledger.insertRows(batch.id, [queuedRow(2, 'a', 10.5)])).rejects.toThrow(TypeError);
    await expect(ledger.insertRows(batch.id, [{ rowNumber: 2, status: 'sending' as never }])).rejects.toThrow(IllegalTransitionError);
    expect((await ledger.countsByStatus(batch.id)).queued.count).toBe(0);
  });
});

describe('key ownership across batches', () => {
  it('writes a later row with an owned key as duplicate (same fingerprint) or conflict (different), pointing at the owner', async () => {
    const a = (await ledger.openBatch(openBatchInput('batch-a'))).batch;
    await ledger.insertRows(a.id, [queuedRow(2, 'k1', 100), queuedRow(3, 'k2', 200)]);
    const owner1 = (await ledger.getRowByNumber(a.id, 2))!;

    const b = (await ledger.openBatch(openBatchInput('batch-b'))).batch;
    const result = await ledger.insertRows(b.id, [queuedRow(2, 'k1', 100), queuedRow(3, 'k2', 999), queuedRow(4, 'k3', 300)]);
    expect(result.inserted).toBe(3);
    expect(result.demoted).toMatchObject([
      { rowNumber: 2, status: 'duplicate', owner: { rowId: owner1.id, batchId: a.id, rowNumber: 2, ownsKey: true } },
      { rowNumber: 3, status: 'conflict', owner: { batchId: a.id, rowNumber: 3 } },
    ]);
    expect(await ledger.getRowByNumber(b.id, 2)).toMatchObject({ status: 'duplicate', ownerRowId: owner1.id, errorCode: 'DUPLICATE_ORDER_ID' });
    expect(await ledger.getRowByNumber(b.id, 3)).toMatchObject({ status: 'conflict', errorCode: 'CONFLICTING_ORDER_ID' });
    expect((await ledger.getRowByNumber(b.id, 4))?.status).toBe('queued');
    expect(await ledger.history((await ledger.getRowByNumber(b.id, 2))!.id)).toMatchObject([{ from: null, to: 'duplicate', cause: 'key_owned' }]);
  });

  it('demotes a repeated key within the same file too', async () => {
    const { batch } = await ledger.openBatch(openBatchInput('same-file'));
    const same = queuedRow(2, 'k', 100);
    const result = await ledger.insertRows(batch.id, [same, { ...same, rowNumber: 3 }, queuedRow(4, 'k', 100)]);
    expect(result.demoted).toMatchObject([
      { rowNumber: 3, status: 'duplicate', owner: { rowNumber: 2 } },
      // Same amount, another account: not the same payout.
      { rowNumber: 4, status: 'conflict', owner: { rowNumber: 2 } },
    ]);
  });

  it('makes it impossible for two rows with the same key to be dispatchable, even bypassing the store', async () => {
    const { batch: a, rows } = await batchWithRows('guard-a', ['k']);
    const b = (await ledger.openBatch(openBatchInput('guard-b'))).batch;
    await ledger.insertRows(b.id, [queuedRow(2, 'k', 10_000)]);
    await ledger.acquireBatchLock(b.id);
    const bRow = (await ledger.getRowByNumber(b.id, 2))!;
    expect(bRow.status).toBe('duplicate');

    // Through the store: the duplicate cannot be sent.
    await expect(ledger.markSending([{ rowId: bRow.id }])).rejects.toThrow(IllegalTransitionError);

    // Around the store: the unique index refuses a second key owner in any key-owning status.
    for (const status of ['queued', 'sending', 'pending', 'unknown', 'paid']) {
      expect(await h.forceStatus(bRow.id, status), status).toBe('unique_violation');
    }
    expect((await ledger.getRow(rows[0]!.id))?.batchId).toBe(a.id);
  });

  it('lets a new row claim a key its earlier row released by failing, and reports both to dedupe', async () => {
    const failedRow = await sentRow('release-a', 'k');
    await ledger.recordOutcomes([{ rowId: failedRow.id, to: 'failed', cause: 'provider_rejected', attempt: 1, errorCode: 'ACCOUNT_REJECTED' }]);
    expect(await ledger.findKeyOwners('simulator', ['k', 'never'])).toEqual(
      new Map([['k', expect.objectContaining({ rowId: failedRow.id, status: 'failed', ownsKey: false })]]),
    );

    const b = (await ledger.openBatch(openBatchInput('release-b'))).batch;
    expect((await ledger.insertRows(b.id, [queuedRow(2, 'k')])).demoted).toEqual([]);
    const newOwner = (await ledger.getRowByNumber(b.id, 2))!;
    expect((await ledger.findKeyOwners('simulator', ['k'])).get('k')).toMatchObject({ rowId: newOwner.id, status: 'queued', ownsKey: true });
    // One key across providers: the owner is found whatever provider asks, and says which one it pays through.
    expect((await ledger.findKeyOwners('simulator', ['k'])).get('k')).toMatchObject({ rowId: newOwner.id, provider: 'openpay' });
  });

  it('finds owners of many keys at once', async () => {
    const keys = Array.from({ length: 1200 }, (_, i) => `bulk-${i}`);
    await batchWithRows('bulk', keys, false);
    const owners = await ledger.findKeyOwners('simulator', [...keys, 'absent']);
    expect(owners.size).toBe(1200);
    expect(owners.get('bulk-1199')).toMatchObject({ rowNumber: 1201, fingerprint: expect.stringMatching(/^11199\|/) });
  });
});

describe('markSending', () => {
  it('records attempt, request key and time before anything is sent, in one transaction', async () => {
    const { rows } = await batchWithRows('send', ['s1', 's2']);
    clock.advance(5000);
    const marks = await ledger.markSending(rows.map((r) => ({ rowId: r.id, recipientId: 'payee_9' })));
    expect(marks).toEqual(
      rows.map((r) => ({ rowId: r.id, attempt: 1, requestKey: requestKey('openpay', r.orderKey!), sentAt: clock.now() })),
    );
    const row = (await ledger.getRow(rows[0]!.id))!;
    expect(row).toMatchObject({ status: 'sending', attempts: 1, requestKey: requestKey('openpay', 's1'), recipientId: 'payee_9', sentAt: clock.now() });
    expect((await ledger.history(row.id)).at(-1)).toMatchObject({ from: 'queued', to: 'sending', cause: 'sent', attempt: 1 });
  });

  it('reads many rows\' histories in one call, each as history() gives it, and refuses more ids than one read takes', async () => {
    const { rows } = await batchWithRows('histories', ['h1', 'h2', 'h3']);
    clock.advance(1000);
    await ledger.markSending([{ rowId: rows[0]!.id }, { rowId: rows[2]!.id }]);
    const ids = [rows[2]!.id, rows[0]!.id, rows[1]!.id, rows[0]!.id, 999_999_999];
    const histories = await ledger.historyOfRows(ids);
    expect([...histories.keys()].sort((a, b) => a - b)).toEqual(rows.map((r) => r.id));
    for (const row of rows) expect(histories.get(row.id)).toEqual(await ledger.history(row.id));
    expect(histories.get(rows[0]!.id)!.map((h) => h.to)).toEqual(['queued', 'sending']);
    expect(histories.get(rows[1]!.id)!.map((h) => h.to)).toEqual(['queued']);
    expect(await ledger.historyOfRows([])).toEqual(new Map());
    await expect(ledger.historyOfRows(Array.from({ length: HISTORY_ROWS_MAX + 1 }, (_, i) => i + 1))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(ledger.historyOfRows([1.5])).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('reads many rows by id in one call, each as getRow gives it', async () => {
    const { rows } = await batchWithRows('rows-of-ids', ['r1', 'r2', 'r3']);
    clock.advance(1000);
    await ledger.markSending([{ rowId: rows[1]!.id }]);
    const found = await ledger.rowsOfIds([rows[2]!.id, rows[1]!.id, rows[2]!.id, 999_999_999]);
    expect([...found.keys()].sort((a, b) => a - b)).toEqual([rows[1]!.id, rows[2]!.id]);
    for (const id of found.keys()) expect(found.get(id)).toEqual(await ledger.getRow(id));
    expect(found.get(rows[1]!.id)!.status).toBe('sending');
    expect(await ledger.rowsOfIds([])).toEqual(new Map());
    await expect(ledger.rowsOfIds(Array.from({ length: HISTORY_ROWS_MAX + 1 }, (_, i) => i + 1))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(ledger.rowsOfIds([0])).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('marks none when one item is illegal', async () => {
    const { rows } = await batchWithRows('all-or-nothing', ['x1', 'x2']);
    await ledger.markSending([{ rowId: rows[1]!.id }]);
    await expect(ledger.markSending([{ rowId: rows[0]!.id }, { rowId: rows[1]!.id }])).rejects.toThrow(IllegalTransitionError);
    expect((await ledger.getRow(rows[0]!.id))?.status).toBe('queued');
    expect(await ledger.history(rows[0]!.id)).toHaveLength(1);
  });

  it('sends only for the holder of the batch lock', async () => {
    const { rows } = await batchWithRows('unlocked', ['u1'], false);
    expect(await errorCode(() => ledger.markSending([{ rowId: rows[0]!.id }]))).toBe('BATCH_NOT_LOCKED');
    const lock = await ledger.acquireBatchLock(rows[0]!.batchId);
    await lock.release();
    expect(await errorCode(() => ledger.markSending([{ rowId: rows[0]!.id }]))).toBe('BATCH_NOT_LOCKED');
    expect((await ledger.getRow(rows[0]!.id))?.status).toBe('queued');
  });

  it('records a payout the guard found at the provider as the attempt a lost run made, without a send', async () => {
    const { rows } = await batchWithRows('found', ['found-1', 'found-2']);
    const [paid, differs] = rows as [LedgerRow, LedgerRow];
    const createdAt = new Date('2025-02-27T09:30:00Z');
    const key = requestKey('openpay', 'found-1');
    await ledger.recordOutcomes([
      { rowId: paid.id, to: 'paid', cause: 'found_at_provider', attempt: 0, providerPayoutId: 'tr_7', providerStatus: 'paid_out', foundRequest: { requestKey: key, sentAt: createdAt } },
      { rowId: differs.id, to: 'conflict', cause: 'found_at_provider_differs', attempt: 0, providerPayoutId: 'tr_8', errorCode: 'FOUND_AT_PROVIDER_DIFFERS', errorMessage: 'another amount' },
    ]);
    expect(await ledger.getRow(paid.id)).toMatchObject({ status: 'paid', attempts: 1, requestKey: key, sentAt: createdAt, providerPayoutId: 'tr_7' });
    expect(await ledger.getRow(differs.id)).toMatchObject({ status: 'conflict', attempts: 0, providerPayoutId: 'tr_8', errorCode: 'FOUND_AT_PROVIDER_DIFFERS' });
    expect((await ledger.history(paid.id)).at(-1)).toMatchObject({ from: 'queued', to: 'paid', cause: 'found_at_provider', attempt: 1 });
    // Final: nothing moves either row again, and neither can be marked sending.
    expect(await errorCode(() => ledger.markSending([{ rowId: paid.id }]))).toBe('ILLEGAL_TRANSITION');
    expect(await errorCode(() => ledger.markSending([{ rowId: differs.id }]))).toBe('ILLEGAL_TRANSITION');
  });

  it('resends an unknown row only on a lookup that found nothing, as a new attempt with the same key', async () => {
    const row = await sentRow('resend');
    await ledger.recordOutcomes([{ rowId: row.id, to: 'unknown', cause: 'timeout', attempt: 1, errorCode: 'TIMEOUT' }]);
    await expect(ledger.markSending([{ rowId: row.id }])).rejects.toThrow(IllegalTransitionError);

    const [mark] = await ledger.markSending([{ rowId: row.id, lookupFoundNothing: true }]);
    expect(mark).toMatchObject({ attempt: 2, requestKey: row.requestKey });
    expect(await ledger.getRow(row.id)).toMatchObject({ status: 'sending', attempts: 2, errorCode: undefined });
    expect((await ledger.history(row.id)).map((h) => `${h.from}→${h.to}:${h.cause}@${h.attempt}`)).toEqual([
      'null→queued:planned@0',
      'queued→sending:sent@1',
      'sending→unknown:timeout@1',
      'unknown→sending:resent_after_lookup@2',
    ]);
  });
});

describe('group commit over the ledger', () => {
  it('resolves each submitter with its own mark once the row is durably sending, many rows per transaction', async () => {
    const keys = Array.from({ length: 25 }, (_, i) => `g-${i}`);
    const { rows } = await batchWithRows('group', keys);
    let transactions = 0;
    const sending = createGroupCommitter(
      async (items: { rowId: number }[]) => {
        transactions += 1;
        return await ledger.markSending(items);
      },
      { maxDelayMs: 60_000, maxItems: 10 },
    );
    const marks = await Promise.all(
      rows.slice(0, 20).map(async (row) => {
        const mark = await sending.submit({ rowId: row.id });
        // What the dispatcher relies on before sending: the row is already sending in a separate connection's view.
        expect(await h.statusSeenElsewhere(row.id)).toBe('sending');
        return mark;
      }),
    );
    expect(marks.map((m) => m.rowId)).toEqual(rows.slice(0, 20).map((r) => r.id));
    expect(transactions).toBe(2);
    // The rest wait for the timer or for close, and are not sending before.
    const rest = rows.slice(20).map((row) => sending.submit({ rowId: row.id }));
    expect((await ledger.getRow(rows[24]!.id))?.status).toBe('queued');
    await sending.close();
    await Promise.all(rest);
    expect((await ledger.getRow(rows[24]!.id))?.status).toBe('sending');
    expect(transactions).toBe(3);
  });
});

describe('recordOutcomes and applyProviderState', () => {
  it('follows a payout to paid and keeps every step with its provider detail', async () => {
    const row = await sentRow('happy');
    clock.advance(100);
    await ledger.recordOutcomes([
      { rowId: row.id, to: 'pending', cause: 'provider_accepted', attempt: 1, providerPayoutId: 'tr_1', providerStatus: 'in_progress' },
    ]);
    clock.advance(100);
    const result = await ledger.applyProviderState(row.id, 'paid', {
      cause: 'webhook',
      providerStatus: 'completed',
      providerUpdatedAt: new Date('2025-03-01T12:00:01Z'),
    });
    expect(result).toEqual({ rowId: row.id, changed: true, status: 'paid' });
    expect(await ledger.getRow(row.id)).toMatchObject({
      status: 'paid',
      providerPayoutId: 'tr_1',
      providerStatus: 'completed',
      providerUpdatedAt: new Date('2025-03-01T12:00:01Z'),
      updatedAt: clock.now(),
    });
    expect((await ledger.findRowByProviderPayoutId('openpay', 'tr_1'))?.id).toBe(row.id);
    expect((await ledger.history(row.id)).slice(2)).toMatchObject([
      { from: 'sending', to: 'pending', cause: 'provider_accepted', providerStatus: 'in_progress' },
      { from: 'pending', to: 'paid', cause: 'webhook', providerEventAt: new Date('2025-03-01T12:00:01Z') },
    ]);
  });

  it('ignores an older or repeated provider event, and a provider event never leaves a final state', async () => {
    const row = await sentRow('order');
    const t = (s: number) => new Date(Date.UTC(2025, 2, 1, 12, 0, s));
    await ledger.recordOutcomes([{ rowId: row.id, to: 'pending', cause: 'provider_accepted', attempt: 1, providerPayoutId: 'tr_2' }]);
    expect((await ledger.applyProviderState(row.id, 'failed', { cause: 'webhook', providerUpdatedAt: t(10) })).changed).toBe(true);
    expect(await ledger.applyProviderState(row.id, 'paid', { cause: 'webhook', providerUpdatedAt: t(5) })).toMatchObject({ changed: false, ignored: 'older' });
    expect(await ledger.applyProviderState(row.id, 'paid', { cause: 'sync', providerUpdatedAt: t(20) })).toMatchObject({ changed: false, ignored: 'final' });
    expect(await ledger.applyProviderState(row.id, 'failed', { cause: 'sync', providerUpdatedAt: t(20) })).toMatchObject({ changed: false, ignored: 'no_change' });
    expect(await ledger.getRow(row.id)).toMatchObject({ status: 'failed', providerUpdatedAt: t(10) });
    expect(await ledger.history(row.id)).toHaveLength(4);
  });

  it('refreshes a pending row with a newer provider status word without a transition', async () => {
    const row = await sentRow('refresh');
    await ledger.recordOutcomes([{ rowId: row.id, to: 'pending', cause: 'provider_accepted', attempt: 1, providerStatus: 'in_progress' }]);
    expect(await ledger.applyProviderState(row.id, 'pending', { cause: 'sync', providerStatus: 'in_transit' })).toEqual({
      rowId: row.id,
      changed: true,
      status: 'pending',
    });
    expect((await ledger.getRow(row.id))?.providerStatus).toBe('in_transit');
    expect((await ledger.history(row.id)).at(-1)).toMatchObject({ from: 'pending', to: 'pending', cause: 'sync', providerStatus: 'in_transit' });
  });

  it('records a return after payment as a reversal', async () => {
    const row = await sentRow('reversal');
    await ledger.recordOutcomes([{ rowId: row.id, to: 'paid', cause: 'provider_accepted', attempt: 1 }]);
    expect((await ledger.applyProviderState(row.id, 'failed', { cause: 'webhook', providerStatus: 'returned', errorCode: 'RETURNED' })).changed).toBe(true);
    expect(await ledger.getRow(row.id)).toMatchObject({ status: 'failed', errorCode: 'RETURNED', providerStatus: 'returned' });
    expect((await ledger.history(row.id)).at(-1)).toMatchObject({ from: 'paid', to: 'failed', cause: 'reversal', note: 'reported by webhook' });
  });

  it('lets a webhook that settled the row first win over the dispatcher late "unknown"', async () => {
    const row = await sentRow('race');
    await ledger.applyProviderState(row.id, 'paid', { cause: 'webhook', providerPayoutId: 'tr_3' });
    const [result] = await ledger.recordOutcomes([{ rowId: row.id, to: 'unknown', cause: 'timeout', attempt: 1 }]);
    expect(result).toEqual({ rowId: row.id, changed: false, status: 'paid', ignored: 'superseded' });
    expect((await ledger.getRow(row.id))?.status).toBe('paid');
  });

  it('puts a row back in the queue only when its request provably did not leave', async () => {
    const row = await sentRow('not-left');
    await expect(ledger.recordOutcomes([{ rowId: row.id, to: 'queued', cause: 'timeout', attempt: 1 }])).rejects.toThrow(IllegalTransitionError);
    await ledger.recordOutcomes([{ rowId: row.id, to: 'queued', cause: 'not_left', attempt: 1, errorCode: 'RATE_LIMITED' }]);
    expect(await ledger.getRow(row.id)).toMatchObject({ status: 'queued', attempts: 1 });
    expect((await ledger.markSending([{ rowId: row.id }]))[0]?.attempt).toBe(2);
  });

  it('records none of a group when one outcome is illegal', async () => {
    const { rows } = await batchWithRows('outcome-rollback', ['o1', 'o2']);
    await ledger.markSending([{ rowId: rows[0]!.id }]);
    await expect(
      ledger.recordOutcomes([
        { rowId: rows[0]!.id, to: 'paid', cause: 'provider_accepted', attempt: 1 },
        { rowId: rows[1]!.id, to: 'paid', cause: 'provider_accepted' },
      ]),
    ).rejects.toThrow(IllegalTransitionError);
    expect((await ledger.getRow(rows[0]!.id))?.status).toBe('sending');
    expect(await errorCode(() => ledger.recordOutcomes([{ rowId: 999_999, to: 'paid', cause: 'sync' }]))).toBe('ROW_NOT_FOUND');
  });

  it('ignores an outcome of an earlier attempt', async () => {
    const row = await sentRow('stale');
    await ledger.recordOutcomes([{ rowId: row.id, to: 'queued', cause: 'not_left', attempt: 1 }]);
    await ledger.markSending([{ rowId: row.id }]);
    expect((await ledger.recordOutcomes([{ rowId: row.id, to: 'unknown', cause: 'timeout', attempt: 1 }]))[0]).toMatchObject({
      changed: false,
      ignored: 'stale_attempt',
    });
    expect((await ledger.getRow(row.id))?.status).toBe('sending');
  });
});

describe('interrupt and resume', () => {
  it('releases queued rows as not_sent and requeues them on a re-run, unless their key was taken meanwhile', async () => {
    const { batch, rows } = await batchWithRows('interrupt', ['i1', 'i2', 'i3']);
    await ledger.markSending([{ rowId: rows[0]!.id }]);
    expect(await ledger.releaseQueued(batch.id, 'interrupted')).toBe(2);
    expect((await ledger.getRow(rows[1]!.id))?.status).toBe('not_sent');
    expect((await ledger.history(rows[1]!.id)).at(-1)).toMatchObject({ from: 'queued', to: 'not_sent', cause: 'interrupted' });

    // Another batch takes key i3 while this one is interrupted.
    const other = (await ledger.openBatch(openBatchInput('interloper'))).batch;
    await ledger.insertRows(other.id, [queuedRow(2, 'i3', 1)]);

    const result = await ledger.requeueNotSent(batch.id);
    expect(result.requeued).toBe(1);
    expect(result.demoted).toMatchObject([{ rowId: rows[2]!.id, status: 'conflict', owner: { batchId: other.id } }]);
    expect((await ledger.getRow(rows[1]!.id))?.status).toBe('queued');
    expect((await ledger.getRow(rows[0]!.id))?.status).toBe('sending');
    expect((await ledger.history(rows[1]!.id)).at(-1)).toMatchObject({ from: 'not_sent', to: 'queued', cause: 'resumed' });
  });
});

describe('queries', () => {
  it('iterates rows by status page by page while the caller writes to the ledger', async () => {
    const keys = Array.from({ length: 10 }, (_, i) => `page-${i}`);
    const { batch } = await batchWithRows('paging', keys);
    const seen: number[] = [];
    for await (const row of ledger.rowsByStatus(batch.id, ['queued'], { pageSize: 3 })) {
      seen.push(row.rowNumber);
      await ledger.markSending([{ rowId: row.id }]);
    }
    expect(seen).toEqual(keys.map((_, i) => i + 2));
    expect((await collectRows(ledger.rowsByStatus(null, ['sending'], { provider: 'openpay' })))).toHaveLength(10);
    expect((await collectRows(ledger.rowsByStatus(null, ['sending'], { provider: 'zenrise' })))).toHaveLength(0);
  });

  it('counts rows and sums amounts by status', async () => {
    const { batch, rows } = await batchWithRows('counts', ['c1', 'c2', 'c3']);
    await ledger.markSending([{ rowId: rows[0]!.id }]);
    const counts = await ledger.countsByStatus(batch.id);
    expect(counts.queued).toEqual({ count: 2, amountMinor: 10_001 + 10_002 });
    expect(counts.sending).toEqual({ count: 1, amountMinor: 10_000 });
    expect(counts.paid).toEqual({ count: 0, amountMinor: 0 });
  });

  it('reports rows of a batch, or rows changed in a period', async () => {
    const { batch, rows } = await batchWithRows('report', ['r1', 'r2']);
    const from = new Date(clock.now().getTime() + 1000);
    clock.advance(1000);
    await ledger.markSending([{ rowId: rows[1]!.id }]);
    clock.advance(1000);
    expect((await collectRows(ledger.rowsForReport({ batchId: batch.id }))).map((r) => r.rowNumber)).toEqual([2, 3]);
    expect((await collectRows(ledger.rowsForReport({ from, to: clock.now() }))).map((r) => r.id)).toEqual([rows[1]!.id]);
  });
});

describe('recipients', () => {
  it('remembers a recipient per provider and key across runs; the latest id wins', async () => {
    await ledger.saveRecipient(TEST_SCOPE, 'conekta', '002180000000000002', 'payee_1');
    expect(await ledger.getRecipient(TEST_SCOPE, 'conekta', '002180000000000002')).toBe('payee_1');
    expect(await ledger.getRecipient(TEST_SCOPE, 'zenrise', '002180000000000002')).toBeUndefined();
    await ledger.saveRecipient(TEST_SCOPE, 'conekta', '002180000000000002', 'payee_2');
    await ledger.close();
    expect(await (await open()).getRecipient(TEST_SCOPE, 'conekta', '002180000000000002')).toBe('payee_2');
  });

  it('saves many recipient ids in one call, in order (the dispatcher group-commits them); the latest wins', async () => {
    await ledger.saveRecipients([
      { scope: TEST_SCOPE, provider: 'conekta', recipientKey: '002180000000000002', recipientId: 'payee_1' },
      { scope: TEST_SCOPE, provider: 'zenrise', recipientKey: '0000003100000000000001', recipientId: 'ba_1' },
      { scope: TEST_SCOPE, provider: 'conekta', recipientKey: '002180000000000002', recipientId: 'payee_2' },
    ]);
    await ledger.saveRecipients([]);
    await ledger.close();
    const reopened = await open();
    expect(await reopened.getRecipient(TEST_SCOPE, 'conekta', '002180000000000002')).toBe('payee_2');
    expect(await reopened.getRecipient(TEST_SCOPE, 'zenrise', '0000003100000000000001')).toBe('ba_1');
  });
});

describe('unaccounted payouts', () => {
  it('keeps one entry per environment, provider and payout id, refreshed by a later sighting, across reopenings', async () => {
    const row = await sentRow('unaccounted');
    const payout = {
      environment: TEST_SCOPE.environment,
      provider: 'openpay' as const,
      providerPayoutId: 'tr_second',
      reference: row.orderKey!,
      rowId: row.id,
      batchId: row.batchId,
      state: 'pending' as const,
      providerStatus: 'in_progress',
      amountMinor: 10_000,
      currency: 'MXN' as const,
      source: 'webhook' as const,
    };
    expect(await ledger.recordUnaccountedPayout(payout)).toEqual({ recorded: true });
    const first = clock.now();
    clock.advance(60_000);
    expect(await ledger.recordUnaccountedPayout({ ...payout, state: 'paid', providerStatus: 'completed' })).toEqual({ recorded: false });
    expect(await ledger.recordUnaccountedPayout({ ...payout, provider: 'conekta' })).toEqual({ recorded: true });
    await ledger.close();
    ledger = await open();
    const kept = await ledger.unaccountedPayouts(TEST_SCOPE.environment);
    expect(kept).toHaveLength(2);
    expect(kept.find((p) => p.provider === 'openpay')).toEqual({ ...payout, state: 'paid', providerStatus: 'completed', firstSeenAt: first, lastSeenAt: clock.now() });
    expect(await ledger.unaccountedPayouts(TEST_SCOPE.environment === 'live' ? 'sandbox' : 'live')).toEqual([]);
    expect(await errorCode(() => ledger.recordUnaccountedPayout({ ...payout, amountMinor: 0.5 }))).toBeDefined();
  });
});

describe('batch lock (one process)', () => {
  it('refuses a second holder and names the owner; the lock is free again after release', async () => {
    const { batch } = await ledger.openBatch(openBatchInput('lock'));
    const lock = await ledger.acquireBatchLock(batch.id);
    expect(lock.owner).toEqual({ pid: process.pid, host: hostname(), startedAt: clock.now() });

    const second = await open();
    try {
      await second.acquireBatchLock(batch.id);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(BatchLockedError);
      expect((error as BatchLockedError).owner).toEqual(lock.owner);
    }
    await lock.release();
    await lock.release();
    expect((await second.acquireBatchLock(batch.id)).tookOverFrom).toBeUndefined();
    await second.close();
    expect(await ledger.batchLockOwner(batch.id)).toBeUndefined();
  });

  it('takes over a lock whose holder on this host is dead, and never one held from another host', async () => {
    const { batch } = await ledger.openBatch(openBatchInput('stale'));
    const plant = (pid: number, host: string, token: string) => h.plantLock(batch.id, { pid, host, token, startedAt: '2025-01-01T00:00:00.000Z' });
    {
      await plant(4_000_000, hostname(), 'other-process');
      const deadAware = await open({ isProcessAlive: (pid) => pid !== 4_000_000 });
      expect((await deadAware.acquireBatchLock(batch.id)).tookOverFrom).toMatchObject({ pid: 4_000_000 });
      await deadAware.close();

      // Same pid as ours but another token: an earlier incarnation in a container reusing pids.
      await plant(process.pid, hostname(), 'earlier-incarnation');
      expect((await ledger.acquireBatchLock(batch.id)).tookOverFrom).toMatchObject({ pid: process.pid });
      await ledger.breakBatchLock(batch.id);

      await plant(4_000_000, 'another-host', 'other-process');
      const alwaysDead = await open({ isProcessAlive: () => false });
      await expect(alwaysDead.acquireBatchLock(batch.id)).rejects.toThrow(BatchLockedError);
      expect(await alwaysDead.breakBatchLock(batch.id)).toBe(true);
      expect((await alwaysDead.acquireBatchLock(batch.id)).tookOverFrom).toBeUndefined();
    }
  });

  it('releases its locks on close', async () => {
    const { batch } = await ledger.openBatch(openBatchInput('close-release'));
    await ledger.acquireBatchLock(batch.id);
    await ledger.close();
    expect(await (await open()).batchLockOwner(batch.id)).toBeUndefined();
  });

  it('refuses a lock on a batch that does not exist', async () => {
    expect(await errorCode(() => ledger.acquireBatchLock('0000000000000000'))).toBe('BATCH_NOT_FOUND');
  });
});

describe('the return window: paidRowsSince, rowsToRecheck, flagPaidRow and reverseReturn', () => {
  /** Three rows sent and accepted; `paidAfterMs[i]` moves the clock, then row i becomes paid (undefined: stays pending). */
  async function paidAt(name: string, paidAfterMs: Array<number | undefined>) {
    const { batch, rows } = await batchWithRows(name, paidAfterMs.map((_, i) => `${name}-${i}`));
    await ledger.markSending(rows.map((r) => ({ rowId: r.id })));
    await ledger.recordOutcomes(rows.map((r, i) => ({ rowId: r.id, to: 'pending' as const, cause: 'provider_accepted' as const, attempt: 1, providerPayoutId: `tr_${name}_${i}` })));
    const times: Date[] = [];
    for (const [i, ms] of paidAfterMs.entries()) {
      if (ms === undefined) continue;
      clock.advance(ms);
      times[i] = clock.now();
      await ledger.applyProviderState(rows[i]!.id, 'paid', { cause: 'sync', providerStatus: 'completed' });
    }
    return { batch, rows, times };
  }

  it('yields the paid rows whose move into paid is at or after the time, whatever refreshes came later', async () => {
    const { batch, rows, times } = await paidAt('window', [0, 1000, 1000, undefined]);
    // A refresh of the first row (newer status word) must not make it look recently paid.
    clock.advance(5000);
    await ledger.applyProviderState(rows[0]!.id, 'paid', { cause: 'sync', providerStatus: 'completed_settled' });
    const ids = (await collectRows(ledger.paidRowsSince(batch.id, times[1]!))).map((r) => r.id);
    expect(ids).toEqual([rows[1]!.id, rows[2]!.id]);
    expect(await collectRows(ledger.paidRowsSince(batch.id, new Date(clock.now().getTime() + 1)))).toEqual([]);
  });

  it('flags a paid row, keeps it paid, writes one history entry and is idempotent', async () => {
    const { rows } = await paidAt('flag', [0]);
    const id = rows[0]!.id;
    const flag = { errorCode: 'PROVIDER_DELETED' as const, errorMessage: 'gone', cause: 'sync' as const, providerCode: '1005', providerMessage: 'not found' };
    expect(await ledger.flagPaidRow(id, flag)).toEqual({ rowId: id, changed: true, status: 'paid' });
    expect(await ledger.getRow(id)).toMatchObject({ status: 'paid', errorCode: 'PROVIDER_DELETED', errorMessage: 'gone' });
    expect((await ledger.history(id)).at(-1)).toMatchObject({ from: 'paid', to: 'paid', cause: 'sync', errorCode: 'PROVIDER_DELETED', providerCode: '1005', providerMessage: 'not found' });
    const entries = (await ledger.history(id)).length;
    expect(await ledger.flagPaidRow(id, flag)).toMatchObject({ changed: false, ignored: 'no_change' });
    expect(await ledger.history(id)).toHaveLength(entries);
  });

  it('clears a flag only while the row still carries it, with its own history entry after the flag\'s', async () => {
    const { rows } = await paidAt('clear', [0]);
    const id = rows[0]!.id;
    await ledger.flagPaidRow(id, { errorCode: 'AMOUNT_CHANGED', errorMessage: 'other amount', cause: 'sync', providerStatus: 'completed' });
    // Another flag than the one seen: nothing cleared (compare-and-clear).
    expect(await ledger.clearPaidRowFlag(id, { errorCode: 'PROVIDER_DELETED', cause: 'sync', note: 'n' })).toMatchObject({ changed: false, ignored: 'no_change' });
    expect(await ledger.clearPaidRowFlag(id, { errorCode: 'AMOUNT_CHANGED', cause: 'sync', providerStatus: 'paid_again', note: 'AMOUNT_CHANGED cleared' })).toEqual({ rowId: id, changed: true, status: 'paid' });
    const row = await ledger.getRow(id);
    expect(row).toMatchObject({ status: 'paid', providerStatus: 'paid_again' });
    expect(row?.errorCode).toBeUndefined();
    expect(row?.errorMessage).toBeUndefined();
    const history = await ledger.history(id);
    expect(history.at(-2)).toMatchObject({ from: 'paid', to: 'paid', errorCode: 'AMOUNT_CHANGED' });
    expect(history.at(-1)).toMatchObject({ from: 'paid', to: 'paid', cause: 'sync', note: 'AMOUNT_CHANGED cleared' });
    expect(history.at(-1)?.errorCode).toBeUndefined();
    expect(await ledger.clearPaidRowFlag(id, { errorCode: 'AMOUNT_CHANGED', cause: 'sync', note: 'n' })).toMatchObject({ changed: false, ignored: 'no_change' });
    expect(await ledger.history(id)).toHaveLength(history.length);
    const { rows: pending } = await paidAt('clear-pending', [undefined]);
    expect(await ledger.clearPaidRowFlag(pending[0]!.id, { errorCode: 'AMOUNT_CHANGED', cause: 'sync', note: 'n' })).toMatchObject({ changed: false, status: 'pending' });
  });

  it('does not flag a row that is no longer paid', async () => {
    const { rows } = await paidAt('moved', [undefined]);
    expect(await ledger.flagPaidRow(rows[0]!.id, { errorCode: 'AMOUNT_CHANGED', errorMessage: 'x', cause: 'sync' })).toMatchObject({ changed: false, status: 'pending' });
    expect((await ledger.getRow(rows[0]!.id))?.errorCode).toBeUndefined();
  });

  it('rowsToRecheck: paid rows in the window or flagged whatever their age, then rows returned in the window or flagged PAID_TWICE', async () => {
    const { batch, rows } = await paidAt('recheck', [0, 0, 0, 0, undefined]);
    const [old, flagged, returned, oldReturned, recent] = rows as [LedgerRow, LedgerRow, LedgerRow, LedgerRow, LedgerRow];
    await ledger.flagPaidRow(flagged.id, { errorCode: 'AMOUNT_CHANGED', errorMessage: 'other amount', cause: 'sync' });
    await ledger.applyProviderState(oldReturned.id, 'failed', { cause: 'sync', providerStatus: 'failed', errorCode: 'RETURNED', errorMessage: 'returned' });
    clock.advance(1000);
    const since = clock.now();
    await ledger.applyProviderState(recent.id, 'paid', { cause: 'sync', providerStatus: 'completed' });
    await ledger.applyProviderState(returned.id, 'failed', { cause: 'sync', providerStatus: 'failed', errorCode: 'RETURNED', errorMessage: 'returned' });
    const ids = (await collectRows(ledger.rowsToRecheck(batch.id, since))).map((r) => r.id);
    // Paid first (in the window, or flagged), then failed rows returned in the window; old, unflagged rows are left.
    expect(ids).toEqual([flagged.id, recent.id, returned.id]);
    expect(ids).not.toContain(old.id);
    expect(ids).not.toContain(oldReturned.id);
    // Once the flag is cleared, an old row leaves the re-checks.
    await ledger.clearPaidRowFlag(flagged.id, { errorCode: 'AMOUNT_CHANGED', cause: 'sync', note: 'cleared' });
    expect((await collectRows(ledger.rowsToRecheck(batch.id, since))).map((r) => r.id)).toEqual([recent.id, returned.id]);
  });

  it('reverseReturn: a returned row the provider shows paid again is paid again and owns its order id again', async () => {
    const { rows } = await paidAt('reversed', [0]);
    const id = rows[0]!.id;
    await ledger.applyProviderState(id, 'failed', { cause: 'sync', providerStatus: 'failed', errorCode: 'RETURNED', errorMessage: 'returned' });
    expect(await ledger.reverseReturn(id, { providerStatus: 'completed', seenBy: 'sync' })).toEqual({ rowId: id, changed: true, status: 'paid' });
    const row = await ledger.getRow(id);
    expect(row).toMatchObject({ status: 'paid', providerStatus: 'completed' });
    expect(row?.errorCode).toBeUndefined();
    expect((await ledger.history(id)).at(-1)).toMatchObject({ from: 'failed', to: 'paid', cause: 'return_reversed', providerStatus: 'completed' });
    // It owns its order id again: a later batch with the same order id cannot claim it.
    const owners = await ledger.findKeyOwners('simulator', ['reversed-0']);
    expect(owners.get('reversed-0')).toMatchObject({ rowId: id, status: 'paid' });
    // Not failed any more: nothing to reverse.
    expect(await ledger.reverseReturn(id, { providerStatus: 'completed', seenBy: 'sync' })).toMatchObject({ changed: false, status: 'paid', ignored: 'superseded' });
  });

  it('reverseReturn: a row failed otherwise than by a return is left failed', async () => {
    const row = await sentRow('rejected');
    await ledger.recordOutcomes([{ rowId: row.id, to: 'failed', cause: 'provider_rejected', attempt: 1, providerPayoutId: 'tr_rejected' }]);
    expect(await ledger.reverseReturn(row.id, { providerStatus: 'completed', seenBy: 'sync' })).toMatchObject({ changed: false, status: 'failed', ignored: 'final' });
  });

  it('reverseReturn: when a later row took the order id after the return, the row stays failed flagged PAID_TWICE, naming the owner', async () => {
    const { rows } = await paidAt('twice', [0]);
    const id = rows[0]!.id;
    await ledger.applyProviderState(id, 'failed', { cause: 'sync', providerStatus: 'failed', errorCode: 'RETURNED', errorMessage: 'returned' });
    // A later batch pays the same order id again (the return released it).
    const { rows: later } = await batchWithRows('twice-later', ['twice-0']);
    const again = later[0]!;
    await ledger.markSending([{ rowId: again.id }]);
    await ledger.recordOutcomes([{ rowId: again.id, to: 'paid', cause: 'provider_accepted', attempt: 1, providerPayoutId: 'tr_twice_again' }]);

    const result = await ledger.reverseReturn(id, { providerStatus: 'completed', seenBy: 'sync' });
    expect(result).toMatchObject({ rowId: id, changed: true, status: 'failed', owner: { rowId: again.id, status: 'paid' } });
    const row = await ledger.getRow(id);
    expect(row).toMatchObject({ status: 'failed', errorCode: 'PAID_TWICE', providerStatus: 'completed' });
    expect(messageText(row?.errorMessage, 'en')).toContain(`row ${again.rowNumber}`);
    const entries = await ledger.history(id);
    expect(entries.at(-1)).toMatchObject({ from: 'failed', to: 'failed', cause: 'return_reversed', errorCode: 'PAID_TWICE' });
    // The same finding again writes nothing; the owner is still named.
    expect(await ledger.reverseReturn(id, { providerStatus: 'completed', seenBy: 'sync' })).toMatchObject({ changed: false, ignored: 'no_change', owner: { rowId: again.id } });
    expect(await ledger.history(id)).toHaveLength(entries.length);
    expect((await ledger.getRow(again.id))?.status).toBe('paid');
    // Flagged PAID_TWICE: re-checked whatever its age.
    expect((await collectRows(ledger.rowsToRecheck(row!.batchId, new Date(clock.now().getTime() + 1)))).map((r) => r.id)).toEqual([id]);

    // The provider fails the payout again: the flag goes back to RETURNED, once.
    expect(await ledger.returnStandsAgain(id, { providerStatus: 'failed', errorMessage: 'returned again', cause: 'sync' })).toEqual({ rowId: id, changed: true, status: 'failed' });
    expect(await ledger.getRow(id)).toMatchObject({ status: 'failed', errorCode: 'RETURNED', errorMessage: 'returned again', providerStatus: 'failed' });
    expect((await ledger.history(id)).at(-1)).toMatchObject({ from: 'failed', to: 'failed', cause: 'sync', errorCode: 'RETURNED' });
    expect(await ledger.returnStandsAgain(id, { providerStatus: 'failed', errorMessage: 'returned again', cause: 'sync' })).toMatchObject({ changed: false, ignored: 'no_change' });
    expect((await ledger.reverseReturn(id, { providerStatus: 'completed', seenBy: 'sync' })).owner).toMatchObject({ rowId: again.id });

    // The later row's payout is returned too: the order id is free, so the first row is paid again.
    await ledger.applyProviderState(again.id, 'failed', { cause: 'sync', providerStatus: 'failed', errorCode: 'RETURNED', errorMessage: 'returned' });
    expect(await ledger.reverseReturn(id, { providerStatus: 'completed', seenBy: 'sync' })).toEqual({ rowId: id, changed: true, status: 'paid' });
    expect((await ledger.getRow(id))?.errorCode).toBeUndefined();
  });

  it('clamps a forged far-future provider time so the next event still applies', async () => {
    const row = await sentRow('forged');
    await ledger.recordOutcomes([{ rowId: row.id, to: 'pending', cause: 'provider_accepted', attempt: 1, providerPayoutId: 'tr_forged' }]);
    await ledger.applyProviderState(row.id, 'pending', { cause: 'webhook', providerStatus: 'in_progress', providerUpdatedAt: new Date('2999-01-01T00:00:00Z') });
    expect((await ledger.getRow(row.id))?.providerUpdatedAt?.getUTCFullYear()).toBe(2025);
    clock.advance(3_600_000);
    expect(await ledger.applyProviderState(row.id, 'paid', { cause: 'sync', providerUpdatedAt: clock.now() })).toMatchObject({ changed: true, status: 'paid' });
  });
});
});
