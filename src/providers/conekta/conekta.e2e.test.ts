import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../simulator/index.ts';
import { closeHttpAgent } from '../http-client.ts';
import type { PayoutInstruction, ProviderPayout } from '../payout-provider.ts';
import { clabeInstruction } from '../test-support/instruction.ts';
import { adminCreate, advance, journal, simSession, startTestSimulator, thrown } from '../test-support/simulator.ts';
import { conektaProvider as conekta } from './conekta-api.ts';
import { conektaModule } from './conekta.module.ts';

const SETTLE_MS = 5000;
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

/** Registers the payee the way the dispatcher does: once per recipient key, then pays with its id. */
async function withPayee(sim: RunningSimulator, instruction: PayoutInstruction): Promise<PayoutInstruction> {
  const { recipientId } = await conekta.recipient!.create(simSession(sim, 'conekta'), instruction);
  return { ...instruction, recipientId };
}

describe('conekta payoutsByRequestKey (the provider-side guard)', () => {
  it('maps every transfer carrying our request key, across pages, and stops before `since`', async () => {
    const sim = await start();
    const session = simSession(sim, 'conekta');
    const since = new Date(Date.now() - 60_000);
    const payee = await withPayee(sim, clabeInstruction());
    // More than one page (250 a page): the oldest of ours is on the second.
    const rows = Array.from({ length: 252 }, (_, i) => ({ ...payee, orderId: `CK-G-${i}`, requestKey: `guard-key-${i}`, amountMinor: 1000 + i }));
    for (const row of rows) await conekta.createPayout(session, row);
    // A transfer made outside this tool carries no request key: not in the map.
    await adminCreate(sim, 'conekta', { amount_cents: 1000, destination: '012298026516924616' });

    const found = await conekta.payoutsByRequestKey!(session, since);
    expect(found.size).toBe(252);
    expect(found.get('guard-key-0')).toMatchObject({ state: 'pending', amountMinor: 1000, reference: 'CK-G-0', destination: '012***********4616' });
    expect(found.get('guard-key-251')).toMatchObject({ amountMinor: 1251 });
    // Nothing created after `since` (a day ahead, past the clock-skew slack): an empty map, not an error.
    expect((await conekta.payoutsByRequestKey!(session, new Date(Date.now() + 86_400_000))).size).toBe(0);
  }, 60_000);

  it('a listing the provider cannot answer throws (the caller sends none of the rows)', async () => {
    const sim = await start({ faults: 'http503=1' });
    expect(await thrown(() => conekta.payoutsByRequestKey!(simSession(sim, 'conekta'), new Date(0)))).toMatchObject({ kind: 'server', retryable: true });
  });
});

describe('conekta against the simulator', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await start();
  });

  it('creates the payee, pays one row, reads it back, and sees it settle', async () => {
    const session = simSession(sim, 'conekta');
    const instruction = await withPayee(sim, clabeInstruction({ orderId: 'CK-E2E-1', amountMinor: 50_050, email: 'jon@example.com', phone: '5555555555' }));
    expect(conekta.recipient!.key(instruction)).toBe('012298026516924616');
    expect(instruction.recipientId).toMatch(/^payee_/);

    const created = await conekta.createPayout(session, instruction);
    expect(created).toMatchObject({ state: 'pending', providerStatus: 'pending', amountMinor: 50_050, currency: 'MXN', reference: 'CK-E2E-1', destination: '012***********4616' });
    expect(await journal(sim, 'conekta')).toEqual([expect.objectContaining({ provider_id: created.payoutId, amount_cents: 50_050 })]);

    await advance(sim, SETTLE_MS / 2 + 1);
    expect(await conekta.getPayout(session, created.payoutId)).toMatchObject({ state: 'pending', providerStatus: 'in_transit' });
    await advance(sim, SETTLE_MS);
    expect(await conekta.getPayout(session, created.payoutId)).toMatchObject({ state: 'paid', providerStatus: 'paid_out', reference: 'CK-E2E-1' });
  });

  it('reports the balance in centavos', async () => {
    const spent = (await journal(sim, 'conekta')).reduce((sum, e) => sum + e.amount_cents, 0);
    expect(await conekta.getBalance(simSession(sim, 'conekta'))).toEqual({ amountMinor: 1_000_000_000_000 - spent, currency: 'MXN' });
  });

  it('findPayout recognises our transfer by the request key in metadata, and answers null for a row never sent', async () => {
    const session = simSession(sim, 'conekta');
    const since = new Date();
    const instruction = await withPayee(sim, clabeInstruction({ orderId: 'CK-E2E-FIND', amountMinor: 1234, account: { kind: 'clabe', number: '002180700000000008', bankCode: '002' } }));
    const created = await conekta.createPayout(session, instruction);
    expect(await conekta.findPayout(session, instruction, since)).toMatchObject({ payoutId: created.payoutId, reference: 'CK-E2E-FIND' });
    const sameAmountOtherRow = { ...instruction, orderId: 'CK-E2E-NEVER', requestKey: 'ffffffffffffffffffffffffffffffff' };
    const movements = (await journal(sim, 'conekta')).length;
    expect(await conekta.findPayout(session, sameAmountOtherRow, since)).toBeNull();
    // Only read: no transfer was made for the row never sent (lookupResends false).
    expect(await journal(sim, 'conekta')).toHaveLength(movements);
    expect(conektaModule.lookupResends).toBe(false);
  });

  it('a transfer without metadata is matched by payee and amount; two of them cannot be told apart', async () => {
    const session = simSession(sim, 'conekta');
    const since = new Date();
    const clabe = '014180655000000002';
    const instruction = await withPayee(sim, clabeInstruction({ orderId: 'CK-E2E-FOREIGN', amountMinor: 9900, account: { kind: 'clabe', number: clabe, bankCode: '014' } }));
    const first = await adminCreate(sim, 'conekta', { amount_cents: 9900, destination: clabe });
    expect(await conekta.findPayout(session, instruction, since)).toMatchObject({ payoutId: first.provider_id, amountMinor: 9900 });
    await adminCreate(sim, 'conekta', { amount_cents: 9900, destination: clabe });
    expect(await thrown(() => conekta.findPayout(session, instruction, since))).toMatchObject({ name: 'ProviderError', outcomeUnknown: true, retryable: false });
  });

  it('lists the transfers of a period across pages', async () => {
    const session = simSession(sim, 'conekta');
    // More than one page of 250.
    const payee = await withPayee(sim, clabeInstruction({ name: 'Lista' }));
    for (let i = 0; i < 260; i += 1) await conekta.createPayout(session, { ...payee, orderId: `CK-E2E-LIST-${i}`, requestKey: `list${i}`, amountMinor: 100 + i });
    const listed: ProviderPayout[] = [];
    for await (const payout of conekta.listPayouts(session, { from: new Date(Date.now() - 60_000), to: new Date(Date.now() + 3_600_000) })) listed.push(payout);
    const entries = await journal(sim, 'conekta');
    expect(listed.map((p) => p.payoutId).sort()).toEqual(entries.map((e) => e.provider_id).sort());
    for (const payout of listed) expect(payout.destination).toMatch(/^\d{3}\*{11}\d{4}$/);
  });

  it('a wrong key is authentication', async () => {
    const session = simSession(sim, 'conekta', { credentials: { conekta: { privateKey: 'key_x' } } });
    expect(await thrown(() => conekta.recipient!.create(session, clabeInstruction()))).toMatchObject({ kind: 'authentication', providerCode: 'authentication_error', httpStatus: 401 });
  });

  it('a CLABE the payee endpoint refuses is validation, with Conekta’s message', async () => {
    const instruction = clabeInstruction({ account: { kind: 'clabe', number: '012298026516924617', bankCode: '012' } });
    expect(await thrown(() => conekta.recipient!.create(simSession(sim, 'conekta'), instruction))).toMatchObject({
      kind: 'validation',
      providerCode: 'parameter_validation_error',
      providerMessage: 'The payee`s account number was invalid, please ensure that it is an 18 digit CLABE.',
    });
  });

  it('an unknown payee is not_found', async () => {
    const instruction = clabeInstruction({ orderId: 'CK-E2E-NOPAYEE', recipientId: 'payee_doesnotexist00' });
    expect(await thrown(() => conekta.createPayout(simSession(sim, 'conekta'), instruction))).toMatchObject({ kind: 'not_found', providerCode: 'parameter_validation_error', outcomeUnknown: false });
  });
});

describe('conekta with a small balance', () => {
  it('is insufficient_funds (processing_error) and moves nothing', async () => {
    const sim = await start({ balanceMinor: 10_000 });
    const instruction = await withPayee(sim, clabeInstruction({ orderId: 'CK-E2E-POOR', amountMinor: 10_001 }));
    expect(await thrown(() => conekta.createPayout(simSession(sim, 'conekta'), instruction))).toMatchObject({
      kind: 'insufficient_funds',
      providerCode: 'processing_error',
      httpStatus: 402,
      retryable: false,
      outcomeUnknown: false,
    });
    expect(await journal(sim, 'conekta')).toEqual([]);
  });
});

describe('conekta when the answer is lost after the commit', () => {
  it('reports the outcome unknown, and findPayout finds exactly the one transfer', async () => {
    const sim = await start({ faults: 'drop_after_commit=1' });
    const session = simSession(sim, 'conekta');
    const since = new Date();
    const instruction = await withPayee(sim, clabeInstruction({ orderId: 'CK-E2E-DROP', amountMinor: 4200 }));
    expect(await thrown(() => conekta.createPayout(session, instruction))).toMatchObject({ name: 'ProviderError', outcomeUnknown: true, retryable: false });

    const found = await conekta.findPayout(session, instruction, since);
    const entries = await journal(sim, 'conekta');
    expect(entries).toHaveLength(1);
    expect(found).toMatchObject({ payoutId: entries[0]?.provider_id, reference: 'CK-E2E-DROP', amountMinor: 4200 });
  });
});
