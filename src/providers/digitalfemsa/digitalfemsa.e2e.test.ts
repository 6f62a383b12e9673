import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../simulator/index.ts';
import { closeHttpAgent } from '../http-client.ts';
import type { PayoutInstruction, ProviderPayout } from '../payout-provider.ts';
import { journal, advance, simSession, startTestSimulator, thrown } from '../test-support/simulator.ts';
import { digitalfemsaProvider as femsa } from './digitalfemsa-api.ts';
import { digitalfemsaModule } from './digitalfemsa.module.ts';

const SETTLE_MS = 5000;
/** digitalfemsa-cashout.txt example: expires_at − created_at = 48 h. */
const EXPIRY_MS = 48 * 3_600_000;
const sims: RunningSimulator[] = [];

async function start(options: Parameters<typeof startTestSimulator>[0] = {}): Promise<RunningSimulator> {
  const sim = await startTestSimulator({ settleMs: SETTLE_MS, ...options });
  sims.push(sim);
  return sim;
}

afterAll(async () => {
  await closeHttpAgent();
  await Promise.all(sims.map((sim) => sim.close()));
});

function instruction(overrides: Partial<PayoutInstruction> = {}): PayoutInstruction {
  return {
    requestKey: `key-${overrides.orderId ?? 'FM-E2E'}`,
    orderId: 'FM-E2E',
    amountMinor: 30_000,
    currency: 'MXN',
    account: { kind: 'clabe', number: '012298026516924616', bankCode: '012' },
    name: 'Cliente cashout',
    email: 'Cliente.Cashout@example.com',
    phone: '525566778899',
    ...overrides,
  };
}

async function withCustomer(sim: RunningSimulator, row: PayoutInstruction): Promise<PayoutInstruction> {
  const { recipientId } = await femsa.recipient!.create(simSession(sim, 'digitalfemsa'), row);
  return { ...row, recipientId };
}

describe('digitalfemsa payoutsByRequestKey (the provider-side guard)', () => {
  it('maps every payout_order carrying our request key, across pages, and stops before `since`', async () => {
    const sim = await start();
    const session = simSession(sim, 'digitalfemsa');
    const since = new Date(Date.now() - 60_000);
    const customer = await withCustomer(sim, instruction());
    const rows = Array.from({ length: 252 }, (_, i) => ({ ...customer, orderId: `FM-G-${i}`, requestKey: `guard-key-${i}`, amountMinor: 10_000 + i * 100 }));
    for (const row of rows) await femsa.createPayout(session, row);

    const found = await femsa.payoutsByRequestKey!(session, since);
    expect(found.size).toBe(252);
    expect(found.get('guard-key-0')).toMatchObject({ state: 'pending', amountMinor: 10_000, reference: 'FM-G-0', destination: 'C***@example.com' });
    expect(found.get('guard-key-251')).toMatchObject({ amountMinor: 35_100 });
    expect((await femsa.payoutsByRequestKey!(session, new Date(Date.now() + 86_400_000))).size).toBe(0);
  }, 60_000);

  it('a listing the provider cannot answer throws (the caller sends none of the rows)', async () => {
    const sim = await start({ faults: 'http503=1' });
    expect(await thrown(() => femsa.payoutsByRequestKey!(simSession(sim, 'digitalfemsa'), new Date(0)))).toMatchObject({ kind: 'server', retryable: true });
  });
});

describe('digitalfemsa against the simulator', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await start();
  });

  it('creates the customer, pays one row, reads it back, and sees it collected', async () => {
    const session = simSession(sim, 'digitalfemsa');
    const row = await withCustomer(sim, instruction({ orderId: 'FM-E2E-1', description: 'Retiro de comisiones' }));
    expect(femsa.recipient!.key(row)).toBe('cliente.cashout@example.com');
    expect(row.recipientId).toMatch(/^cus_/);

    const created = await femsa.createPayout(session, row);
    expect(created).toMatchObject({ state: 'pending', providerStatus: 'pending', amountMinor: 30_000, reference: 'FM-E2E-1', destination: 'C***@example.com' });
    expect(created.providerReference).toMatch(/^\d{16}$/);
    expect(await journal(sim, 'digitalfemsa')).toEqual([expect.objectContaining({ provider_id: created.payoutId, amount_cents: 30_000 })]);

    expect(await femsa.getPayout(session, created.payoutId)).toMatchObject({ state: 'pending' });
    await advance(sim, SETTLE_MS + 1);
    expect(await femsa.getPayout(session, created.payoutId)).toMatchObject({ state: 'paid', providerStatus: 'paid' });
  });

  it('findPayout recognises the order by its metadata, and answers null for a row never sent', async () => {
    const session = simSession(sim, 'digitalfemsa');
    const since = new Date();
    const row = await withCustomer(sim, instruction({ orderId: 'FM-E2E-FIND' }));
    const created = await femsa.createPayout(session, row);
    expect(await femsa.findPayout(session, row, since)).toMatchObject({ payoutId: created.payoutId, reference: 'FM-E2E-FIND' });
    const movements = (await journal(sim, 'digitalfemsa')).length;
    expect(await femsa.findPayout(session, { ...row, orderId: 'FM-E2E-NEVER', requestKey: 'key-never' }, since)).toBeNull();
    // Only read: no order was made for the row never sent (lookupResends false).
    expect(await journal(sim, 'digitalfemsa')).toHaveLength(movements);
    expect(digitalfemsaModule.lookupResends).toBe(false);
  });

  it('lists the orders of a period', async () => {
    const listed: ProviderPayout[] = [];
    for await (const payout of femsa.listPayouts(simSession(sim, 'digitalfemsa'), { from: new Date(Date.now() - 60_000), to: new Date(Date.now() + 3_600_000) })) listed.push(payout);
    expect(listed.map((p) => p.payoutId).sort()).toEqual((await journal(sim, 'digitalfemsa')).map((e) => e.provider_id).sort());
  });

  it('has no balance to report', async () => {
    expect(await femsa.getBalance(simSession(sim, 'digitalfemsa'))).toBeUndefined();
  });

  it('a wrong key is authentication', async () => {
    const session = simSession(sim, 'digitalfemsa', { credentials: { digitalfemsa: { privateKey: 'sk_wrong' } } });
    expect(await thrown(() => femsa.recipient!.create(session, instruction()))).toMatchObject({ kind: 'authentication', httpStatus: 401 });
  });

  it('an unknown customer is not_found', async () => {
    const row = instruction({ orderId: 'FM-E2E-NOCUS', recipientId: 'cus_doesnotexist0000' });
    expect(await thrown(() => femsa.createPayout(simSession(sim, 'digitalfemsa'), row))).toMatchObject({ kind: 'not_found', providerCode: 'parameter_validation_error', outcomeUnknown: false });
  });

  it('centavos that are not whole pesos are refused before anything is sent', async () => {
    const before = (await journal(sim, 'digitalfemsa')).length;
    const row = await withCustomer(sim, instruction({ orderId: 'FM-E2E-CENTS', amountMinor: 30_050 }));
    expect(await thrown(() => femsa.createPayout(simSession(sim, 'digitalfemsa'), row))).toMatchObject({ kind: 'validation', httpStatus: undefined });
    expect(await journal(sim, 'digitalfemsa')).toHaveLength(before);
  });
});

describe('digitalfemsa cash-out never collected', () => {
  it('expires: failed, expired', async () => {
    const sim = await start({ faults: 'settle_fail=1' });
    const session = simSession(sim, 'digitalfemsa');
    const created = await femsa.createPayout(session, await withCustomer(sim, instruction({ orderId: 'FM-E2E-EXP' })));
    await advance(sim, SETTLE_MS + 1);
    expect(await femsa.getPayout(session, created.payoutId)).toMatchObject({ state: 'pending' });
    await advance(sim, EXPIRY_MS);
    expect(await femsa.getPayout(session, created.payoutId)).toMatchObject({ state: 'failed', providerStatus: 'expired', expired: true });
  });
});

describe('digitalfemsa with a small balance', () => {
  it('is insufficient_funds and moves nothing', async () => {
    const sim = await start({ balanceMinor: 10_000 });
    const row = await withCustomer(sim, instruction({ orderId: 'FM-E2E-POOR', amountMinor: 10_100 }));
    expect(await thrown(() => femsa.createPayout(simSession(sim, 'digitalfemsa'), row))).toMatchObject({ kind: 'insufficient_funds', httpStatus: 402, retryable: false, outcomeUnknown: false });
    expect(await journal(sim, 'digitalfemsa')).toEqual([]);
  });
});

describe('digitalfemsa when the answer is lost after the commit', () => {
  it('reports the outcome unknown, and findPayout finds exactly the one order', async () => {
    const sim = await start({ faults: 'drop_after_commit=1' });
    const session = simSession(sim, 'digitalfemsa');
    const since = new Date();
    const row = await withCustomer(sim, instruction({ orderId: 'FM-E2E-DROP' }));
    expect(await thrown(() => femsa.createPayout(session, row))).toMatchObject({ name: 'ProviderError', outcomeUnknown: true, retryable: false });

    const found = await femsa.findPayout(session, row, since);
    const entries = await journal(sim, 'digitalfemsa');
    expect(entries).toHaveLength(1);
    expect(found).toMatchObject({ payoutId: entries[0]?.provider_id, reference: 'FM-E2E-DROP', amountMinor: 30_000 });
  });
});

describe('digitalfemsa when the request is never answered', () => {
  it('times out as unknown; the lookup proves nothing was created', async () => {
    const sim = await start({ faults: 'timeout=1' });
    const session = simSession(sim, 'digitalfemsa', { timeoutMs: 300 });
    const since = new Date();
    const row = await withCustomer(sim, instruction({ orderId: 'FM-E2E-HELD' }));
    expect(await thrown(() => femsa.createPayout(session, row))).toMatchObject({ name: 'ProviderError', kind: 'timeout', outcomeUnknown: true, retryable: false });
    expect(await femsa.findPayout(session, row, since)).toBeNull();
    expect(await journal(sim, 'digitalfemsa')).toEqual([]);
  });
});
