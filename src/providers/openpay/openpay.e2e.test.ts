import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../simulator/index.ts';
import { closeHttpAgent } from '../http-client.ts';
import type { ProviderPayout } from '../payout-provider.ts';
import { clabeInstruction } from '../test-support/instruction.ts';
import { advance, journal, simSession, startTestSimulator, SIMULATOR_CREDENTIALS, thrown } from '../test-support/simulator.ts';
import { openpayProvider as openpay } from './openpay-api.ts';
import { openpayModule } from './openpay.module.ts';

const SETTLE_MS = 5000;
const STARTING_BALANCE = 1_000_000_000_000;
const sims: RunningSimulator[] = [];

async function start(options: Parameters<typeof startTestSimulator>[0] = {}): Promise<RunningSimulator> {
  const sim = await startTestSimulator({ settleMs: SETTLE_MS, balanceMinor: STARTING_BALANCE, ...options });
  sims.push(sim);
  return sim;
}

afterAll(async () => {
  await closeHttpAgent();
  await Promise.all(sims.map((sim) => sim.close()));
});

describe('openpay against the simulator', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await start();
  });

  it('pays one row, reads it back, and sees it settle after the clock moves', async () => {
    const session = simSession(sim, 'openpay');
    const instruction = clabeInstruction({ orderId: 'OP-E2E-1', amountMinor: 123456, description: 'Pago de comisiones' });
    const created = await openpay.createPayout(session, instruction);
    expect(created).toMatchObject({ state: 'pending', providerStatus: 'in_progress', amountMinor: 123456, currency: 'MXN', reference: 'OP-E2E-1', destination: '012***********4616' });

    const entries = await journal(sim, 'openpay');
    expect(entries).toEqual([expect.objectContaining({ provider_id: created.payoutId, reference: 'OP-E2E-1', amount_cents: 123456, destination: '012298026516924616' })]);

    expect(await openpay.getPayout(session, created.payoutId)).toMatchObject({ payoutId: created.payoutId, state: 'pending' });
    await advance(sim, SETTLE_MS + 1);
    expect(await openpay.getPayout(session, created.payoutId)).toMatchObject({ state: 'paid', providerStatus: 'completed', amountMinor: 123456 });
  });

  it('sends amounts exactly: 1 centavo, 10.50, 99999999.99', async () => {
    const session = simSession(sim, 'openpay');
    for (const [orderId, amountMinor] of [['OP-E2E-CENT', 1], ['OP-E2E-1050', 1050], ['OP-E2E-MAX', 9_999_999_999]] as const) {
      const payout = await openpay.createPayout(session, clabeInstruction({ orderId, amountMinor }));
      expect(payout.amountMinor).toBe(amountMinor);
      const entry = (await journal(sim, 'openpay')).find((e) => e.reference === orderId);
      expect(entry?.amount_cents).toBe(amountMinor);
    }
  });

  it('reports the merchant balance exactly, in centavos', async () => {
    const session = simSession(sim, 'openpay');
    const spent = (await journal(sim, 'openpay')).reduce((sum, e) => sum + e.amount_cents, 0);
    expect(await openpay.getBalance(session)).toEqual({ amountMinor: STARTING_BALANCE - spent, currency: 'MXN' });
  });

  it('a reused order_id is 1006: duplicate_reference, to be settled by lookup, and findPayout returns the original', async () => {
    const session = simSession(sim, 'openpay');
    const since = new Date();
    const instruction = clabeInstruction({ orderId: 'OP-E2E-DUP', amountMinor: 5000 });
    const first = await openpay.createPayout(session, instruction);
    const error = await thrown(() => openpay.createPayout(session, instruction));
    expect(error).toMatchObject({ name: 'ProviderError', kind: 'duplicate_reference', providerCode: '1006', httpStatus: 409, retryable: false, outcomeUnknown: true });
    expect(await openpay.findPayout(session, instruction, since)).toMatchObject({ payoutId: first.payoutId, reference: 'OP-E2E-DUP', amountMinor: 5000 });
    expect((await journal(sim, 'openpay')).filter((e) => e.reference === 'OP-E2E-DUP')).toHaveLength(1);
  });

  it('1006 for a payout the list cannot show (outside the period looked at) stays unknown', async () => {
    const session = simSession(sim, 'openpay');
    const instruction = clabeInstruction({ orderId: 'OP-E2E-HIDDEN', amountMinor: 5000 });
    await openpay.createPayout(session, instruction);
    const threeDaysAhead = new Date(Date.now() + 3 * 24 * 3_600_000);
    expect(await thrown(() => openpay.findPayout(session, instruction, threeDaysAhead))).toMatchObject({ name: 'ProviderError', providerCode: '1006', outcomeUnknown: true, retryable: false });
  });

  it('findPayout of a row that never reached Openpay creates it once (the resend is the payout)', async () => {
    const session = simSession(sim, 'openpay');
    const instruction = clabeInstruction({ orderId: 'OP-E2E-LOST', amountMinor: 777 });
    const found = await openpay.findPayout(session, instruction, new Date());
    expect(found).toMatchObject({ reference: 'OP-E2E-LOST', amountMinor: 777, state: 'pending' });
    expect(await openpay.findPayout(session, instruction, new Date())).toMatchObject({ payoutId: found?.payoutId });
    expect((await journal(sim, 'openpay')).filter((e) => e.reference === 'OP-E2E-LOST')).toHaveLength(1);
    expect(openpayModule.lookupResends).toBe(true);
  });

  it('an order_id already used for another amount is not claimed as this row', async () => {
    const session = simSession(sim, 'openpay');
    await openpay.createPayout(session, clabeInstruction({ orderId: 'OP-E2E-OTHER', amountMinor: 1000 }));
    const error = await thrown(() => openpay.findPayout(session, clabeInstruction({ orderId: 'OP-E2E-OTHER', amountMinor: 2000 }), new Date()));
    expect(error).toMatchObject({ kind: 'duplicate_reference', outcomeUnknown: false });
  });

  it('lists the payouts of a period, page after page', async () => {
    const session = simSession(sim, 'openpay');
    const from = new Date(Date.now() - 60_000);
    const orderIds = Array.from({ length: 105 }, (_, i) => `OP-E2E-LIST-${i}`);
    for (const orderId of orderIds) await openpay.createPayout(session, clabeInstruction({ orderId, amountMinor: 100 }));
    const listed: ProviderPayout[] = [];
    for await (const payout of openpay.listPayouts(session, { from, to: new Date(Date.now() + 60 * 60_000) })) listed.push(payout);
    const references = listed.map((p) => p.reference);
    for (const orderId of orderIds) expect(references).toContain(orderId);
    expect(new Set(listed.map((p) => p.payoutId)).size).toBe(listed.length);
    expect(listed.length).toBe((await journal(sim, 'openpay')).length);
  });

  it('a wrong key is authentication (1002)', async () => {
    const session = simSession(sim, 'openpay', { credentials: { openpay: { merchantId: SIMULATOR_CREDENTIALS.openpay.merchantId, privateKey: 'nope' } } });
    expect(await thrown(() => openpay.createPayout(session, clabeInstruction({ orderId: 'OP-E2E-AUTH' })))).toMatchObject({ kind: 'authentication', providerCode: '1002', httpStatus: 401, outcomeUnknown: false });
  });

  it('a CLABE with a wrong check digit is validation (1003)', async () => {
    const session = simSession(sim, 'openpay');
    const instruction = clabeInstruction({ orderId: 'OP-E2E-BADCLABE', account: { kind: 'clabe', number: '012298026516924617', bankCode: '012' } });
    expect(await thrown(() => openpay.createPayout(session, instruction))).toMatchObject({ kind: 'validation', providerCode: '1003', httpStatus: 422 });
  });

  it('an unknown payout id is not_found (1005)', async () => {
    expect(await thrown(() => openpay.getPayout(simSession(sim, 'openpay'), 'trdoesnotexist000000'))).toMatchObject({ kind: 'not_found', providerCode: '1005', retryable: false });
  });
});

describe('openpay with a small balance', () => {
  it('is insufficient_funds (4001) and moves nothing', async () => {
    const sim = await start({ balanceMinor: 10_000 });
    const session = simSession(sim, 'openpay');
    expect(await openpay.getBalance(session)).toEqual({ amountMinor: 10_000, currency: 'MXN' });
    const error = await thrown(() => openpay.createPayout(session, clabeInstruction({ orderId: 'OP-E2E-POOR', amountMinor: 10_001 })));
    expect(error).toMatchObject({ kind: 'insufficient_funds', providerCode: '4001', httpStatus: 412, retryable: false, outcomeUnknown: false });
    expect(await journal(sim, 'openpay')).toEqual([]);
  });
});

describe('openpay when the answer is lost after the commit', () => {
  it('reports the outcome unknown, and findPayout finds exactly the one payout', async () => {
    const sim = await start({ faults: 'drop_after_commit=1' });
    const session = simSession(sim, 'openpay');
    const since = new Date();
    const instruction = clabeInstruction({ orderId: 'OP-E2E-DROP', amountMinor: 4200 });
    const error = await thrown(() => openpay.createPayout(session, instruction));
    expect(error).toMatchObject({ name: 'ProviderError', outcomeUnknown: true, retryable: false });

    const found = await openpay.findPayout(session, instruction, since);
    const entries = await journal(sim, 'openpay');
    expect(entries).toHaveLength(1);
    expect(found).toMatchObject({ payoutId: entries[0]?.provider_id, reference: 'OP-E2E-DROP', amountMinor: 4200 });
  });
});

describe('openpay refusing before doing anything', () => {
  it('429: rate_limited with Retry-After, reported to the session, nothing moved', async () => {
    const sim = await start({ faults: 'http429=1' });
    const limited: Array<number | undefined> = [];
    const session = simSession(sim, 'openpay', { onRateLimited: (ms) => limited.push(ms) });
    expect(await thrown(() => openpay.createPayout(session, clabeInstruction({ orderId: 'OP-E2E-429' })))).toMatchObject({ kind: 'rate_limited', retryable: true, outcomeUnknown: false, retryAfterMs: 1000 });
    expect(limited).toEqual([1000]);
    expect(await journal(sim, 'openpay')).toEqual([]);
  });

  it('503 (1004): retryable, outcome known', async () => {
    const sim = await start({ faults: 'http503=1' });
    expect(await thrown(() => openpay.createPayout(simSession(sim, 'openpay'), clabeInstruction({ orderId: 'OP-E2E-503' })))).toMatchObject({ kind: 'server', providerCode: '1004', retryable: true, outcomeUnknown: false });
  });

  it('500 (1000) on a payout: outcome unknown; on a read: retryable', async () => {
    const sim = await start({ faults: 'http500=1' });
    const session = simSession(sim, 'openpay');
    expect(await thrown(() => openpay.createPayout(session, clabeInstruction({ orderId: 'OP-E2E-500' })))).toMatchObject({ kind: 'server', providerCode: '1000', retryable: false, outcomeUnknown: true });
    expect(await thrown(() => openpay.getBalance(session))).toMatchObject({ kind: 'server', retryable: true, outcomeUnknown: false });
  });
});
