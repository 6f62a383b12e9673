import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LedgerStore } from '../ledger/ledger-store.ts';
import { openLedger } from '../ledger/open-ledger.ts';
import { openBatchInput, queuedRow, tempLedger } from '../ledger/test-support/fixtures.ts';
import type { ProviderPayout } from '../providers/payout-provider.ts';
import { eventLedgerFor, type PayoutFetcher } from './follow-payout-event.ts';
import { startWebhookReceiver, type HandledRequest, type WebhookReceiver, type WebhookReceiverOptions } from './webhook-receiver.ts';

let tmp: ReturnType<typeof tempLedger>;
let ledger: LedgerStore;
let receiver: WebhookReceiver;
let handled: HandledRequest[];
let onHandled: ((h: HandledRequest) => void) | undefined;
let rowId: number;
/** What the provider's API shows for zr-transfer-1. */
let view: ProviderPayout;
let fetched: string[];
const fetchPayout: PayoutFetcher = async (_provider, id) => {
  fetched.push(id);
  return view;
};
const start = (options: Partial<WebhookReceiverOptions> = {}) =>
  startWebhookReceiver({
    ledger: eventLedgerFor(ledger, 'simulator'),
    fetchPayout,
    port: 0,
    onHandled: (h) => {
      handled.push(h);
      onHandled?.(h);
    },
    ...options,
  });

beforeEach(async () => {
  tmp = tempLedger();
  ledger = await openLedger(tmp.path);
  const batchId = (await ledger.openBatch(openBatchInput('receiver', 'zenrise'))).batch.id;
  await ledger.insertRows(batchId, [queuedRow(2, 'ZR-1', 10_000, { currency: 'ARS', account: { kind: 'cbu', number: '0170099222000000678122' } })]);
  rowId = (await ledger.getRowByNumber(batchId, 2))!.id;
  const lock = await ledger.acquireBatchLock(batchId);
  const [mark] = await ledger.markSending([{ rowId }]);
  await ledger.recordOutcomes([{ rowId, to: 'pending', cause: 'provider_accepted', attempt: mark!.attempt, providerPayoutId: 'zr-transfer-1', providerStatus: 'Pending' }]);
  await lock.release();
  handled = [];
  fetched = [];
  onHandled = undefined;
  view = { payoutId: 'zr-transfer-1', state: 'paid', providerStatus: 'Accredited', amountMinor: 10_000, currency: 'ARS', updatedAt: new Date('2026-03-01T12:00:05.000Z') };
  receiver = await start();
});

afterEach(async () => {
  await receiver.close();
  await ledger.close();
  tmp.cleanup();
});

const finish = (status: string, updatedAt: string) => ({ event: 'transfer.finish', data: { id: 'zr-transfer-1', status, externalReference: 'ZR-1', updatedAt }, sentAt: updatedAt });

describe('startWebhookReceiver', () => {
  it("routes by the simulator's header on any path, and by /webhooks/{provider}", async () => {
    const viaHeader = await fetch(`${receiver.url}/hooks`, { method: 'POST', headers: { 'x-simulator-provider': 'zenrise' }, body: JSON.stringify(finish('Accredited', '2026-03-01T12:00:05.000Z')) });
    expect(viaHeader.status).toBe(200);
    expect(await ledger.getRow(rowId)).toMatchObject({ status: 'paid', providerStatus: 'Accredited' });
    // The path names the provider even when a header says otherwise.
    const viaPath = await fetch(`${receiver.url}/webhooks/zenrise`, { method: 'POST', headers: { 'x-simulator-provider': 'openpay' }, body: JSON.stringify(finish('Accredited', '2026-03-01T12:00:05.000Z')) });
    expect(await viaPath.json()).toMatchObject({ outcome: 'applied', changed: false });
  });

  it('with simulator routing off (sandbox, live), the header routes nothing: only /webhooks/{provider}', async () => {
    const real = await start({ simulatorRouting: false });
    try {
      const viaHeader = await fetch(`${real.url}/hooks`, { method: 'POST', headers: { 'x-simulator-provider': 'zenrise' }, body: JSON.stringify(finish('Accredited', '2026-03-01T12:00:05.000Z')) });
      expect(viaHeader.status).toBe(404);
      expect(fetched).toHaveLength(0);
      expect((await ledger.getRow(rowId))!.status).toBe('pending');
      const viaPath = await fetch(`${real.url}/webhooks/zenrise`, { method: 'POST', body: JSON.stringify(finish('Accredited', '2026-03-01T12:00:05.000Z')) });
      expect(viaPath.status).toBe(200);
      expect((await ledger.getRow(rowId))!.status).toBe('paid');
    } finally {
      await real.close();
    }
  });

  it('answers 405 to other methods and 200 on /healthz', async () => {
    expect((await fetch(`${receiver.url}/webhooks/zenrise`)).status).toBe(405);
    expect((await fetch(`${receiver.url}/healthz`)).status).toBe(200);
  });

  it('survives a sender that hangs up mid-body, and keeps serving', async () => {
    const { port } = new URL(receiver.url);
    const dropped = new Promise<void>((resolve) => (onHandled = (h) => h.httpStatus === 0 && resolve()));
    const gone = new Promise<void>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write('POST /webhooks/zenrise HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"event":"transfer.fin');
        setImmediate(() => socket.destroy());
      });
      socket.on('close', () => resolve());
    });
    await gone;
    await dropped;
    view = { ...view, state: 'failed', providerStatus: 'Fail', updatedAt: new Date('2026-03-01T12:00:09.000Z') };
    const ok = await fetch(`${receiver.url}/webhooks/zenrise`, { method: 'POST', body: JSON.stringify(finish('Fail', '2026-03-01T12:00:09.000Z')) });
    expect(ok.status).toBe(200);
    // The provider shows it failed: the row fails.
    expect((await ledger.getRow(rowId))!.status).toBe('failed');
    expect(handled.map((h) => h.httpStatus)).toEqual([0, 200]);
  });

  it('refuses a request whose proof fails (401) without asking the provider', async () => {
    await receiver.close();
    receiver = await start({ verifiers: { zenrise: { kind: 'path-token', token: 'tok-1' } } });
    const forged = await fetch(`${receiver.url}/webhooks/zenrise/tok-2`, { method: 'POST', body: JSON.stringify(finish('Accredited', '2026-03-01T12:00:05.000Z')) });
    expect(forged.status).toBe(401);
    expect(fetched).toEqual([]);
    expect((await ledger.getRow(rowId))!.status).toBe('pending');
    const real = await fetch(`${receiver.url}/webhooks/zenrise/tok-1`, { method: 'POST', body: JSON.stringify(finish('Accredited', '2026-03-01T12:00:05.000Z')) });
    expect(real.status).toBe(200);
    expect(handled.at(-1)).toMatchObject({ httpStatus: 200, authenticity: { verdict: 'verified' }, outcome: { kind: 'applied', status: 'paid' } });
  });

  it('follows unverified events only within the budget; verified ones are not counted', async () => {
    await receiver.close();
    receiver = await start({ unverifiedPerSecond: 2, verifiers: { zenrise: { kind: 'path-token', token: 'tok-1' } } });
    const send = (path: string) => fetch(`${receiver.url}${path}`, { method: 'POST', body: JSON.stringify(finish('Accredited', '2026-03-01T12:00:05.000Z')) }).then((r) => r.status);
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push(await send('/webhooks/zenrise'));
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(3);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(3);
    expect(fetched.length).toBe(statuses.filter((s) => s === 200).length);
    expect(await send('/webhooks/zenrise/tok-1')).toBe(200);
  });
});
