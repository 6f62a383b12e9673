import { collectRows } from '../src/ledger/collect-rows.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCommand } from '../src/commands/run/run-command.ts';
import type { ProviderId } from '../src/domain/provider-id.ts';
import type { LedgerRow, LedgerStore } from '../src/ledger/ledger-store.ts';
import { openLedger } from '../src/ledger/open-ledger.ts';
import { createSession, type ProviderTarget } from '../src/commands/shared/provider-sessions.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { PROVIDER_IDS } from '../src/domain/provider-id.ts';
import type { ProviderSession } from '../src/providers/payout-provider.ts';
import { getProvider } from '../src/providers/registry.ts';
import { SIMULATOR_CREDENTIALS, startSimulator, type RunningSimulator, type SimulatorOptions } from '../src/simulator/index.ts';
import { SIMULATOR_WEBHOOK_CREDENTIALS } from '../src/simulator/credentials.ts';
import { eventLedgerFor, type PayoutFetcher } from '../src/webhooks/follow-payout-event.ts';
import { publicKeyFromPem, type WebhookVerifier } from '../src/webhooks/webhook-auth.ts';
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
  /** The simulator the receiver checks events with (set by `simulator()`), and its GET requests so far. */
  sim?: RunningSimulator;
  providerReads: string[];
  /** Resolves once `predicate` holds for the requests handled so far. */
  until(predicate: (handled: HandledRequest[]) => boolean): Promise<void>;
}

/** Sessions on the simulator, as the webhooks command makes them. */
function simulatorSessions(sim: RunningSimulator): Map<string, ProviderSession> {
  const target: ProviderTarget = { target: 'simulator', simulatorUrl: sim.url, credentials: SIMULATOR_CREDENTIALS, close: async () => {} };
  const { config } = loadConfig({ target: 'simulator', env: {} });
  return new Map(PROVIDER_IDS.map((id) => [id, createSession(id, target, config)]));
}

/**
 * A receiver whose events are checked with the simulator `simulator()` starts: Openpay by the simulator's Basic
 * webhook credentials, Conekta / FEMSA by a key from the simulator's POST /webhook_keys, Zenrise unverified.
 */
async function setup(options: { unverifiedPerSecond?: number } = {}): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), 'payout-webhooks-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const ledgerPath = join(dir, 'ledger.sqlite');
  const ledger = await openLedger(ledgerPath);
  cleanups.push(() => ledger.close());
  const handled: HandledRequest[] = [];
  const waiters: Array<{ predicate: (h: HandledRequest[]) => boolean; resolve: () => void }> = [];
  const s = { dir, ledgerPath, ledger, handled, providerReads: [] as string[] } as unknown as Setup;
  let sessions: Map<string, ProviderSession> | undefined;
  const fetchPayout: PayoutFetcher = async (provider, payoutId) => {
    sessions ??= simulatorSessions(s.sim!);
    return getProvider(provider).getPayout(sessions.get(provider)!, payoutId);
  };
  const verifiers: Partial<Record<ProviderId, WebhookVerifier>> = { openpay: { kind: 'basic', ...SIMULATOR_WEBHOOK_CREDENTIALS.openpay } };
  s.receiver = await startWebhookReceiver({
    ledger: eventLedgerFor(ledger, 'simulator'),
    fetchPayout,
    verifiers,
    port: 0,
    ...(options.unverifiedPerSecond !== undefined ? { unverifiedPerSecond: options.unverifiedPerSecond } : {}),
    onHandled: (h) => {
      handled.push(h);
      for (const w of [...waiters]) {
        if (!w.predicate(handled)) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    },
  });
  cleanups.push(() => s.receiver.close());
  s.until = (predicate: (h: HandledRequest[]) => boolean) =>
    predicate(handled) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ predicate, resolve }));
  /** Asks the simulator for signing keys once it runs (see simulator()). */
  (s as unknown as { keys: () => Promise<void> }).keys = async () => {
    sessions ??= simulatorSessions(s.sim!);
    for (const id of ['conekta', 'digitalfemsa'] as const) {
      const key = await getProvider(id).createWebhookKey!(sessions.get(id)!);
      verifiers[id] = { kind: 'rsa-digest', publicKey: publicKeyFromPem(key.publicKey, id) };
    }
  };
  return s;
}

async function simulator(s: Setup, options: SimulatorOptions): Promise<RunningSimulator> {
  const sim = await startSimulator({
    port: 0,
    seed: 7,
    ...options,
    logger: (line: any) => {
      if (line.method === 'GET' && line.path) s.providerReads.push(`${line.provider} ${line.path}`);
    },
  });
  cleanups.push(() => sim.close());
  s.sim = sim;
  await (s as unknown as { keys: () => Promise<void> }).keys();
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

const FINAL_STATE: Record<string, 'paid' | 'failed' | undefined> = { completed: 'paid', failed: 'failed', paid_out: 'paid', Accredited: 'paid', Fail: 'failed', paid: 'paid', expired: 'failed', cancelled: 'failed' };

/** A body of each provider's shape claiming a final state for a payout (what a forger would send). */
function claim(provider: ProviderId, payoutId: string, orderId: string | undefined, to: 'paid' | 'failed'): unknown {
  const t = 1_900_000_000;
  switch (provider) {
    case 'openpay':
      return { type: to === 'paid' ? 'payout.succeeded' : 'payout.failed', event_date: '2030-03-01T10:00:00-06:00', transaction: { id: payoutId, status: to === 'paid' ? 'completed' : 'failed', transaction_type: 'payout', order_id: orderId } };
    case 'conekta':
      return conektaEvent(to === 'paid' ? 'payout.paid_out' : 'payout.failed', payoutId, to === 'paid' ? 'paid_out' : 'failed', t, orderId);
    case 'digitalfemsa':
      return { type: to === 'paid' ? 'payout_order.paid' : 'payout_order.cancelled', created_at: t, data: { object: { id: payoutId, object: 'payout_order', status: to === 'paid' ? 'paid' : 'cancelled', ...(orderId ? { metadata: { order_id: orderId } } : {}) } } };
    case 'zenrise':
      return { event: 'transfer.finish', sentAt: '2030-03-01T12:00:00Z', data: { id: payoutId, status: to === 'paid' ? 'Accredited' : 'Fail', externalReference: orderId, updatedAt: '2030-03-01T12:00:00Z' } };
  }
}

/** A proof that is there and wrong, per provider. */
const WRONG_PROOF: Record<ProviderId, Record<string, string>> = {
  openpay: { authorization: `Basic ${Buffer.from(`${SIMULATOR_WEBHOOK_CREDENTIALS.openpay.user}:guess`).toString('base64')}` },
  conekta: { digest: Buffer.from('not a signature').toString('base64') },
  digitalfemsa: { digest: Buffer.from('not a signature').toString('base64') },
  zenrise: {},
};
const SAMPLES: Record<ProviderId, string> = {
  openpay: 'samples/openpay-payouts.csv',
  conekta: 'samples/conekta-payouts.csv',
  digitalfemsa: 'samples/digitalfemsa-payouts.csv',
  zenrise: 'samples/zenrise-payouts.csv',
};

describe('webhook receiver', () => {
  it('answers every odd body without falling over, and an event only makes it ask the provider', async () => {
    const s = await setup({ unverifiedPerSecond: 1000 });
    const sim = await simulator(s, { settleMs: 600_000 });
    await runBatch(sim, join(ROOT, 'samples/conekta-payouts.csv'), 'conekta', s);
    const rows = await rowsOf(s.ledger, 'conekta');
    expect(rows.length).toBeGreaterThanOrEqual(2);
    const [first] = rows as [LedgerRow, LedgerRow];
    expect(first.status).toBe('pending');
    const url = `${s.receiver.url}/webhooks/conekta`;

    // paid_out claimed while Conekta still shows the transfer pending: asked, nothing changes.
    const paid = conektaEvent('payout.paid_out', first.providerPayoutId!, 'paid_out', 1_700_000_500);
    const early = await post(url, paid);
    expect(early.status).toBe(200);
    expect(await early.json()).toMatchObject({ outcome: 'applied', changed: false });
    expect(await s.ledger.getRow(first.id)).toMatchObject({ status: 'pending' });
    expect(s.providerReads.filter((r) => r.includes(first.providerPayoutId!))).toHaveLength(1);
    // Once Conekta shows it paid out, the same event settles it; again, it changes nothing.
    await advance(sim, 1_200_000);
    expect(await (await post(url, paid)).json()).toMatchObject({ outcome: 'applied', changed: true });
    expect(await (await post(url, paid)).json()).toMatchObject({ outcome: 'applied', changed: false });
    const truth = new Map((await journal(sim)).map((e) => [e.provider_id, e.status]));
    expect(await s.ledger.getRow(first.id)).toMatchObject({ status: FINAL_STATE[truth.get(first.providerPayoutId!)!], providerStatus: truth.get(first.providerPayoutId!) });

    // Unknown payout: acknowledged (200) so Conekta stops retrying; nothing is asked.
    const reads = s.providerReads.length;
    const unknown = await post(url, conektaEvent('payout.paid_out', 'tr_not_ours', 'paid_out', 1_700_000_700));
    expect(unknown.status).toBe(200);
    expect(await unknown.json()).toMatchObject({ outcome: 'unknown_payout' });
    expect(s.providerReads.length).toBe(reads);

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
    expect((await fetch(`${s.receiver.url}/healthz`)).status).toBe(200);
    expect(s.handled.filter((h) => h.httpStatus >= 500)).toEqual([]);
  });

  it('asks Openpay to redeliver an event that arrives before the row has its payout id, then follows the redelivery', async () => {
    const s = await setup({ unverifiedPerSecond: 1000 });
    const sim = await simulator(s, { settleMs: 1_000 });
    // A payout Openpay performed, for a row the dispatcher has marked sending; its answer is not recorded yet.
    const created = await post(`${sim.url}/openpay/v1/${SIMULATOR_CREDENTIALS.openpay.merchantId}/payouts`, { method: 'bank_account', bank_account: { clabe: '012180001183597198', holder_name: 'Early' }, amount: 100.0, description: 'd', order_id: 'OP-EARLY-1' }, { authorization: `Basic ${Buffer.from(`${SIMULATOR_CREDENTIALS.openpay.privateKey}:`).toString('base64')}` });
    const payoutId = ((await created.json()) as { id: string }).id;
    await advance(sim, 5_000);
    const batchId = (await s.ledger.openBatch({ fileHash: 'e'.repeat(64), provider: 'openpay', environment: 'simulator', account: 'merchant:test', fileName: 'early.csv', rowCount: 1 })).batch.id;
    await s.ledger.insertRows(batchId, [
      { rowNumber: 2, status: 'queued', orderKey: 'OP-EARLY-1', amountMinor: 10_000, currency: 'MXN', account: { kind: 'clabe', number: '012180001183597198', bankCode: '012', bankName: 'BBVA MEXICO' }, name: 'Early' },
    ]);
    const row = (await s.ledger.getRowByNumber(batchId, 2))!;
    const lock = await s.ledger.acquireBatchLock(batchId);
    const [mark] = await s.ledger.markSending([{ rowId: row.id }]);
    const event = { type: 'payout.succeeded', event_date: '2026-03-01T10:00:05-06:00', transaction: { id: payoutId, status: 'completed', transaction_type: 'payout', order_id: 'OP-EARLY-1' } };
    const url = `${s.receiver.url}/webhooks/openpay`;

    const early = await post(url, event);
    expect(early.status).toBe(503);
    expect(early.headers.get('retry-after')).toBe('5');
    expect(await early.json()).toMatchObject({ outcome: 'not_recorded_yet' });
    expect((await s.ledger.getRow(row.id))!.status).toBe('sending');

    await s.ledger.recordOutcomes([{ rowId: row.id, to: 'pending', cause: 'provider_accepted', attempt: mark!.attempt, providerPayoutId: payoutId, providerStatus: 'in_progress' }]);
    await lock.release();
    const redelivered = await post(url, event);
    expect(redelivered.status).toBe(200);
    expect(await s.ledger.getRow(row.id)).toMatchObject({ status: 'paid', providerStatus: 'completed' });
    expect((await s.ledger.history(row.id)).at(-1)).toMatchObject({ from: 'pending', to: 'paid', cause: 'webhook' });

    // Openpay's verification notification is acknowledged.
    expect((await post(url, { type: 'verification', event_date: '2026-03-01T10:00:00-06:00', verification_code: 'aB3dE5' })).status).toBe(200);
  });

  it.each(PROVIDER_IDS)('forged %s events (no proof, a wrong proof, the right shape) move no pending and no paid row', async (provider) => {
    const s = await setup({ unverifiedPerSecond: 1000 });
    const sim = await simulator(s, { settleMs: 600_000 });
    await runBatch(sim, join(ROOT, SAMPLES[provider]), provider, s);
    const sent = await rowsOf(s.ledger, provider);
    expect(sent.length).toBeGreaterThanOrEqual(2);
    const url = (token?: string) => `${s.receiver.url}/webhooks/${provider}${token ? `/${token}` : ''}`;
    const forge = async (to: 'paid' | 'failed') => {
      const statuses: number[] = [];
      for (const row of sent) {
        const body = claim(provider, row.providerPayoutId!, row.orderKey, to);
        statuses.push((await post(url(), body)).status);
        statuses.push((await post(provider === 'zenrise' ? url('wrong-token') : url(), body, WRONG_PROOF[provider])).status);
      }
      return statuses;
    };
    const snapshot = async () => Promise.all(sent.map(async (r) => (({ status, providerStatus, errorCode }) => ({ status, providerStatus, errorCode }))((await s.ledger.getRow(r.id))!)));

    // Pending at the provider: "paid" and "failed" claims change nothing.
    const before = await snapshot();
    const statuses = [...(await forge('paid')), ...(await forge('failed'))];
    expect(await snapshot()).toEqual(before);
    expect(before.every((r) => r.status === 'pending')).toBe(true);
    // Without proof: followed, the provider says pending (200); with a wrong proof: refused (401), nothing asked.
    expect(statuses.filter((x) => x === 401)).toHaveLength(provider === 'zenrise' ? 0 : statuses.length / 2);
    expect(statuses.every((x) => x === 200 || x === 401)).toBe(true);

    // The provider settles every payout (no settle faults: all paid); one authentic-shaped look settles the rows.
    await advance(sim, 1_200_000);
    for (const row of sent) await post(url(), claim(provider, row.providerPayoutId!, row.orderKey, 'paid'));
    const paid = await snapshot();
    expect(paid.every((r) => r.status === 'paid')).toBe(true);
    // Paid at the provider: a "failed" claim (a forged reversal) changes nothing.
    await forge('failed');
    expect(await snapshot()).toEqual(paid);
    const truth = new Map((await journal(sim)).filter((e) => e.provider === provider).map((e) => [e.provider_id, e.status]));
    for (const [i, row] of sent.entries()) expect(paid[i]!.providerStatus).toBe(truth.get(row.providerPayoutId!));
  });

  it('answers a flood of unverified events beyond the budget with 429 and asks the provider only within it', async () => {
    const s = await setup({ unverifiedPerSecond: 4 });
    const sim = await simulator(s, { settleMs: 600_000 });
    await runBatch(sim, join(ROOT, 'samples/zenrise-payouts.csv'), 'zenrise', s);
    const [row] = await rowsOf(s.ledger, 'zenrise');
    const reads = s.providerReads.length;
    const started = Date.now();
    const statuses = await Promise.all(Array.from({ length: 200 }, () => post(`${s.receiver.url}/webhooks/zenrise`, claim('zenrise', row!.providerPayoutId!, row!.orderKey, 'failed')).then((r) => r.status)));
    const seconds = (Date.now() - started) / 1000;
    const followed = statuses.filter((x) => x === 200).length;
    expect(statuses.filter((x) => x === 429).length).toBe(200 - followed);
    // A burst of 4 plus 4 a second while the flood lasted.
    expect(followed).toBeLessThanOrEqual(4 + Math.ceil(seconds * 4) + 1);
    expect(s.providerReads.length - reads).toBe(followed);
    expect((await s.ledger.getRow(row!.id))!.status).toBe('pending');
  });

  it.each([
    ['openpay', 'verified'],
    ['conekta', 'verified'],
    ['digitalfemsa', 'verified'],
    ['zenrise', 'unverified'],
  ] as const)('settles %s rows through the simulator webhooks alone (%s) once its clock passes settlement', async (provider, verdict) => {
    const s = await setup({ unverifiedPerSecond: 1000 });
    // Settlement far in simulated time: nothing settles on its own while the run is paying.
    const sim = await simulator(s, { settleMs: 600_000, faults: 'settle_fail=0.4', webhookUrl: `${s.receiver.url}/` });
    await runBatch(sim, join(ROOT, SAMPLES[provider]), provider, s);
    const sent = await rowsOf(s.ledger, provider);
    expect(sent.length).toBeGreaterThanOrEqual(2);
    for (const row of sent) expect(row.status).toBe('pending');

    const settled = async () => (await Promise.all(sent.map((r) => s.ledger.getRow(r.id)))).filter((r) => r!.status !== 'pending').length;
    // Past settlement, and past Digital FEMSA's 48-hour expiry of orders never collected.
    await advance(sim, 1_200_000 + (provider === 'digitalfemsa' ? 49 * 3_600_000 : 0));
    await vi.waitFor(async () => expect(await settled()).toBe(sent.length), { timeout: 20_000, interval: 50 });

    const truth = new Map((await journal(sim)).filter((e) => e.provider === provider).map((e) => [e.provider_id, e.status]));
    for (const row of sent) {
      const now = (await s.ledger.getRow(row.id))!;
      const status = truth.get(row.providerPayoutId!);
      expect(status && FINAL_STATE[status]).toBe(now.status);
      expect(now.providerStatus).toBe(status);
      expect((await s.ledger.history(row.id)).at(-1)).toMatchObject({ from: 'pending', to: now.status, cause: 'webhook', providerStatus: status });
    }
    const payoutEvents = s.handled.filter((h) => h.parsed?.kind === 'payout');
    expect(payoutEvents.length).toBeGreaterThan(0);
    expect(payoutEvents.every((h) => h.authenticity?.verdict === verdict)).toBe(true);
    expect(s.handled.filter((h) => h.httpStatus !== 200 && h.outcome?.kind !== 'not_recorded_yet')).toEqual([]);
  });
});
