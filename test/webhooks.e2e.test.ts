import { collectRows } from '../src/ledger/collect-rows.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCommand } from '../src/commands/run/run-command.ts';
import type { ProviderId } from '../src/domain/provider-id.ts';
import type { LedgerRow, LedgerStore } from '../src/ledger/ledger-store.ts';
import { openLedger } from '../src/ledger/open-ledger.ts';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../src/simulator/index.ts';
import { startWebhookReceiver, type HandledRequest, type WebhookReceiver } from '../src/webhooks/webhook-receiver.ts';

/**
 * End to end: the real simulator over HTTP, the run command in-process, a real SQLite ledger file, and real HTTP
 * POSTs to the webhook receiver (by hand, and from the simulator's own --webhook-url).
 */
const ROOT = resolve(import.meta.dirname, '..');
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.restoreAllMocks();
});

interface Setup {
  dir: string;
  ledgerPath: string;
  ledger: LedgerStore;
  receiver: WebhookReceiver;
  handled: HandledRequest[];
  /** Resolves once `predicate` holds for the requests handled so far. */
  until(predicate: (handled: HandledRequest[]) => boolean): Promise<void>;
}

async function setup(): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), 'payout-webhooks-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const ledgerPath = join(dir, 'ledger.sqlite');
  const ledger = await openLedger(ledgerPath);
  cleanups.push(() => ledger.close());
  const handled: HandledRequest[] = [];
  const waiters: Array<{ predicate: (h: HandledRequest[]) => boolean; resolve: () => void }> = [];
  const receiver = await startWebhookReceiver({
    ledger,
    port: 0,
    onHandled: (h) => {
      handled.push(h);
      for (const w of [...waiters]) {
        if (!w.predicate(handled)) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    },
  });
  cleanups.push(() => receiver.close());
  const until = (predicate: (h: HandledRequest[]) => boolean) =>
    predicate(handled) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ predicate, resolve }));
  return { dir, ledgerPath, ledger, receiver, handled, until };
}

async function simulator(options: SimulatorOptions): Promise<RunningSimulator> {
  const sim = await startSimulator({ port: 0, seed: 7, ...options });
  cleanups.push(() => sim.close());
  return sim;
}

/** `payout-batch run` in-process against a running simulator; its one-line JSON summary is kept off the test output. */
async function runBatch(sim: RunningSimulator, file: string, provider: ProviderId, s: Setup): Promise<number> {
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    return await runCommand({
      file,
      provider,
      target: 'simulator',
      simulatorUrl: sim.url,
      ledger: s.ledgerPath,
      out: join(s.dir, `out-${provider}`),
      format: 'csv',
      maxAttempts: 5,
      onInvalid: 'skip',
      dryRun: false,
      yes: false,
      json: true,
    });
  } finally {
    vi.mocked(process.stdout.write).mockRestore();
  }
}

const journal = async (sim: RunningSimulator) =>
  (await (await fetch(`${sim.url}/__admin/journal`)).json()) as Array<{ provider: string; provider_id: string; reference: string | null; status: string }>;
const advance = async (sim: RunningSimulator, ms: number) => void (await fetch(`${sim.url}/__admin/advance?ms=${ms}`, { method: 'POST' }));

function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

function rowsOf(ledger: LedgerStore, provider: ProviderId): Promise<LedgerRow[]> {
  return collectRows(ledger.rowsByStatus(null, ['pending', 'paid', 'failed', 'sending', 'unknown'], { provider }));
}

/** A Conekta event as conekta-dispersion.txt shows it (envelope, Unix-second times). */
function conektaEvent(type: string, transferId: string, status: string, createdAt: number, orderId?: string) {
  return {
    data: { object: { id: transferId, object: 'transfer', status, amount: 50000, currency: 'MXN', created_at: 1_700_000_000, ...(orderId ? { metadata: { order_id: orderId } } : {}) }, previous_attributes: {} },
    livemode: false,
    id: `evt_${type}_${createdAt}`,
    object: 'event',
    type,
    created_at: createdAt,
  };
}

const FINAL_STATE: Record<string, 'paid' | 'failed' | undefined> = { completed: 'paid', failed: 'failed', paid_out: 'paid', Accredited: 'paid', Fail: 'failed' };

describe('webhook receiver', () => {
  it('applies Conekta events once, in any order, and answers every odd body without falling over', async () => {
    const s = await setup();
    const sim = await simulator({ settleMs: 600_000 });
    await runBatch(sim, join(ROOT, 'samples/conekta-payouts.csv'), 'conekta', s);
    const rows = await rowsOf(s.ledger, 'conekta');
    expect(rows.length).toBeGreaterThanOrEqual(2);
    const [first, second] = rows as [LedgerRow, LedgerRow];
    expect(first.status).toBe('pending');
    const url = `${s.receiver.url}/webhooks/conekta`;

    // Duplicated: the same paid_out twice → one transition, the second is acknowledged and changes nothing.
    const paid = conektaEvent('payout.paid_out', first.providerPayoutId!, 'paid_out', 1_700_000_500);
    const a = await post(url, paid);
    const b = await post(url, paid);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(await a.json()).toMatchObject({ outcome: 'applied', changed: true });
    expect(await b.json()).toMatchObject({ outcome: 'applied', changed: false });
    // Out of order: the older payout.created arrives after paid_out → the row stays paid.
    expect((await post(url, conektaEvent('payout.created', first.providerPayoutId!, 'pending', 1_700_000_001))).status).toBe(200);
    expect(await s.ledger.getRow(first.id)).toMatchObject({ status: 'paid', providerStatus: 'paid_out' });
    expect((await s.ledger.history(first.id)).filter((h) => h.cause === 'webhook')).toEqual([
      expect.objectContaining({ from: 'pending', to: 'paid', providerStatus: 'paid_out', providerEventAt: new Date(1_700_000_500_000) }),
    ]);

    // A failure newer than the row's last event is applied; an older "created" does not bring it back.
    expect((await post(url, conektaEvent('payout.failed', second.providerPayoutId!, 'failed', 1_700_000_600))).status).toBe(200);
    await post(url, conektaEvent('payout.created', second.providerPayoutId!, 'pending', 1_700_000_002));
    expect(await s.ledger.getRow(second.id)).toMatchObject({ status: 'failed', errorCode: 'PROVIDER_FAILED' });

    // Unknown payout: acknowledged (200) so Conekta stops retrying; nothing changes.
    const unknown = await post(url, conektaEvent('payout.paid_out', 'tr_not_ours', 'paid_out', 1_700_000_700));
    expect(unknown.status).toBe(200);
    expect(await unknown.json()).toMatchObject({ outcome: 'unknown_payout' });

    // Malformed: not JSON, no id, no type → 400; an event about something else → 200, ignored.
    expect((await post(url, '{"data": ')).status).toBe(400);
    expect((await post(url, { type: 'payout.paid_out', data: { object: { status: 'paid_out' } } })).status).toBe(400);
    expect((await post(url, { data: { object: { id: first.providerPayoutId } } })).status).toBe(400);
    expect((await post(url, { type: 'charge.paid', data: { object: { id: 'ord_1' } } })).status).toBe(200);
    // Too large: refused with 413 without being buffered.
    expect((await post(url, { type: 'payout.paid_out', padding: 'x'.repeat(1_100_000) })).status).toBe(413);
    // Unknown path, unknown provider.
    expect((await post(`${s.receiver.url}/webhooks/paypal`, paid)).status).toBe(404);
    expect((await post(`${s.receiver.url}/`, paid)).status).toBe(404);

    // Still serving, and nothing above touched the rows it should not have.
    expect((await fetch(`${s.receiver.url}/healthz`)).status).toBe(200);
    for (const row of rows.slice(2)) expect((await s.ledger.getRow(row.id))!.status).toBe('pending');
    expect(s.handled.filter((h) => h.httpStatus >= 500)).toEqual([]);
  });

  it('asks Openpay to redeliver an event that arrives before the row has its payout id, then applies the redelivery', async () => {
    const s = await setup();
    // A row the dispatcher has marked sending; its answer (with the payout id) is not recorded yet.
    const batchId = (await s.ledger.openBatch({ fileHash: 'e'.repeat(64), provider: 'openpay', fileName: 'early.csv', rowCount: 1 })).batch.id;
    await s.ledger.insertRows(batchId, [
      { rowNumber: 2, status: 'queued', orderKey: 'OP-EARLY-1', amountMinor: 10_000, currency: 'MXN', account: { kind: 'clabe', number: '012180001183597198', bankCode: '012', bankName: 'BBVA MEXICO' }, name: 'Early' },
    ]);
    const row = (await s.ledger.getRowByNumber(batchId, 2))!;
    const lock = await s.ledger.acquireBatchLock(batchId);
    const [mark] = await s.ledger.markSending([{ rowId: row.id }]);
    const event = {
      type: 'payout.succeeded',
      event_date: '2026-03-01T10:00:05-06:00',
      transaction: { id: 'trx_early', status: 'completed', transaction_type: 'payout', order_id: 'OP-EARLY-1', amount: 100, currency: 'MXN' },
    };
    const url = `${s.receiver.url}/webhooks/openpay`;

    const early = await post(url, event);
    expect(early.status).toBe(503);
    expect(early.headers.get('retry-after')).toBe('5');
    expect(await early.json()).toMatchObject({ outcome: 'not_recorded_yet' });
    expect((await s.ledger.getRow(row.id))!.status).toBe('sending');

    await s.ledger.recordOutcomes([{ rowId: row.id, to: 'pending', cause: 'provider_accepted', attempt: mark!.attempt, providerPayoutId: 'trx_early', providerStatus: 'in_progress' }]);
    await lock.release();
    const redelivered = await post(url, event);
    expect(redelivered.status).toBe(200);
    expect(await s.ledger.getRow(row.id)).toMatchObject({ status: 'paid', providerStatus: 'completed' });
    expect((await s.ledger.history(row.id)).at(-1)).toMatchObject({ from: 'pending', to: 'paid', cause: 'webhook', providerEventAt: new Date('2026-03-01T16:00:05Z') });

    // Openpay's verification notification is acknowledged.
    expect((await post(url, { type: 'verification', event_date: '2026-03-01T10:00:00-06:00', verification_code: 'aB3dE5' })).status).toBe(200);
  });

  it.each([
    ['openpay', 'samples/openpay-payouts.csv'],
    ['conekta', 'samples/conekta-payouts.csv'],
    ['zenrise', 'samples/zenrise-payouts.csv'],
  ] as const)('settles %s rows through the simulator webhooks alone once its clock passes settlement', async (provider, file) => {
    const s = await setup();
    // Settlement far in simulated time: nothing settles on its own while the run is paying.
    const sim = await simulator({ settleMs: 600_000, faults: 'settle_fail=0.4', webhookUrl: `${s.receiver.url}/` });
    await runBatch(sim, join(ROOT, file), provider, s);
    const sent = await rowsOf(s.ledger, provider);
    expect(sent.length).toBeGreaterThanOrEqual(3);
    for (const row of sent) expect(row.status).toBe('pending');

    const finals = (h: HandledRequest[]) => h.filter((x) => x.parsed?.kind === 'payout' && x.parsed.event.state !== 'pending' && x.httpStatus === 200).length;
    await advance(sim, 1_200_000);
    await s.until((h) => finals(h) >= sent.length);

    const truth = new Map((await journal(sim)).filter((e) => e.provider === provider).map((e) => [e.provider_id, e.status]));
    for (const row of sent) {
      const now = (await s.ledger.getRow(row.id))!;
      const status = truth.get(row.providerPayoutId!);
      expect(status && FINAL_STATE[status]).toBe(now.status);
      expect(now.providerStatus).toBe(status);
      const last = (await s.ledger.history(row.id)).at(-1)!;
      expect(last).toMatchObject({ from: 'pending', to: now.status, cause: 'webhook', providerStatus: status });
      expect(last.providerEventAt).toBeInstanceOf(Date);
    }
    // No request was refused for a reason other than a payout id not recorded yet (the run's own "created" events).
    expect(s.handled.filter((h) => h.httpStatus !== 200 && h.outcome?.kind !== 'not_recorded_yet')).toEqual([]);
  });
});
