import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../domain/payout-row.ts';
import type { RunningSimulator } from '../../simulator/index.ts';
import { closeHttpAgent } from '../http-client.ts';
import type { PayoutInstruction } from '../payout-provider.ts';
import { loadFixture } from '../test-support/fixtures.ts';
import { advance, journal, simSession, startTestSimulator, SIMULATOR_CREDENTIALS, thrown } from '../test-support/simulator.ts';
import { zenriseProvider as zenrise } from './zenrise-api.ts';
import { zenriseModule } from './zenrise.module.ts';

const SETTLE_MS = 5000;
/** Longer than any token lifetime the simulator hands out (15 min). */
const PAST_TOKEN_LIFETIME_MS = 60 * 60_000;
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
    requestKey: `key-${overrides.orderId ?? 'ZR-E2E'}`,
    orderId: 'ZR-E2E',
    amountMinor: 150_050,
    currency: 'ARS',
    account: { kind: 'cbu', number: '0990100808100040477100' },
    name: 'Proveedor SA',
    ...overrides,
  };
}

const cbu = (number: string): Account => ({ kind: 'cbu', number });
const cvu = (number: string): Account => ({ kind: 'cvu', number });
const alias = (value: string): Account => ({ kind: 'alias', alias: value });

describe('zenrise against the simulator', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await start();
  });

  async function withAccount(row: PayoutInstruction): Promise<PayoutInstruction> {
    const { recipientId } = await zenrise.recipient!.create(simSession(sim, 'zenrise'), row);
    return { ...row, recipientId };
  }

  it('logs in, registers the account, pays one row, reads it back, and sees it accredited', async () => {
    const session = simSession(sim, 'zenrise');
    const row = instruction({ orderId: 'ZR-E2E-1', description: 'Pago proveedores' });
    const { recipientId } = await zenrise.recipient!.create(session, row);
    const paid = { ...row, recipientId };
    expect(zenrise.recipient!.key(paid)).toBe('0990100808100040477100');

    const created = await zenrise.createPayout(session, paid);
    expect(created).toMatchObject({ state: 'pending', providerStatus: 'Pending', amountMinor: 150_050, currency: 'ARS', reference: 'ZR-E2E-1', destination: '099***************7100' });
    expect(await journal(sim, 'zenrise')).toEqual([expect.objectContaining({ provider_id: created.payoutId, reference: 'ZR-E2E-1', amount_cents: 150_050 })]);

    await advance(sim, SETTLE_MS / 2 + 1);
    expect(await zenrise.getPayout(session, created.payoutId)).toMatchObject({ state: 'pending', providerStatus: 'InProgress' });
    await advance(sim, SETTLE_MS);
    expect(await zenrise.getPayout(session, created.payoutId)).toMatchObject({ state: 'paid', providerStatus: 'Accredited' });
  });

  it.each([
    ['a CVU', cvu('0000128000000000000000'), '000***************0000'],
    ['an alias', alias('pepe.pepe.po'), 'pepe.pepe.po'],
  ])('pays to %s of the DEV test data', async (_what, account, destination) => {
    const row = await withAccount(instruction({ orderId: `ZR-E2E-${destination}`, account, amountMinor: 1 }));
    expect(await zenrise.createPayout(simSession(sim, 'zenrise'), row)).toMatchObject({ amountMinor: 1, destination });
  });

  it('findPayout of a row that never reached Zenrise creates it once: the lookup is a resend (lookupResends)', async () => {
    const session = simSession(sim, 'zenrise');
    const row = await withAccount(instruction({ orderId: 'ZR-E2E-LOST', amountMinor: 2100 }));
    expect(await zenrise.findPayout(session, row, new Date())).toMatchObject({ amountMinor: 2100, state: 'pending' });
    expect((await journal(sim, 'zenrise')).filter((e) => e.reference === 'ZR-E2E-LOST')).toHaveLength(1);
    expect(zenriseModule.lookupResends).toBe(true);
  });

  it('the same externalReference returns the existing request: one transfer, however often it is sent', async () => {
    const session = simSession(sim, 'zenrise');
    const row = await withAccount(instruction({ orderId: 'ZR-E2E-SAME', amountMinor: 2000 }));
    const first = await zenrise.createPayout(session, row);
    expect(await zenrise.createPayout(session, row)).toMatchObject({ payoutId: first.payoutId });
    expect(await zenrise.findPayout(session, row, new Date())).toMatchObject({ payoutId: first.payoutId });
    expect((await journal(sim, 'zenrise')).filter((e) => e.reference === 'ZR-E2E-SAME')).toHaveLength(1);
  });

  it('an externalReference already used for another amount is not claimed as this row', async () => {
    const session = simSession(sim, 'zenrise');
    const row = await withAccount(instruction({ orderId: 'ZR-E2E-OTHER', amountMinor: 3000 }));
    await zenrise.createPayout(session, row);
    expect(await thrown(() => zenrise.findPayout(session, { ...row, amountMinor: 3100 }, new Date()))).toMatchObject({ kind: 'duplicate_reference', outcomeUnknown: false });
  });

  const DEV_REJECTED = loadFixture(import.meta.url, 'simulator', 'account-errors.json') as Array<{ case: string; value: string; body: { message: string } }>;
  const rejected: Array<[string, string, string]> = [
    ...DEV_REJECTED.map((d): [string, string, string] => [d.case, d.value, d.body.message]),
    ['USD account (alias)', 'silla.factura.pm', 'The CBU/CVU belongs to a USD account; only ARS accounts can be registered'],
    ['inactive CBU', '0109100808100040477100', 'The CBU/CVU is not active'],
  ];
  it.each(rejected)('registering a %s account is account_rejected with Zenrise’s message', async (_case, value, message) => {
    const account = /^\d+$/.test(value) ? cbu(value) : alias(value);
    expect(await thrown(() => zenrise.recipient!.create(simSession(sim, 'zenrise'), instruction({ account })))).toMatchObject({
      name: 'ProviderError',
      kind: 'account_rejected',
      httpStatus: 400,
      retryable: false,
      outcomeUnknown: false,
      providerMessage: message,
    });
  });

  it('wrong client credentials are authentication', async () => {
    const session = simSession(sim, 'zenrise', { credentials: { zenrise: { clientId: SIMULATOR_CREDENTIALS.zenrise.clientId, secretId: 'wrong' } } });
    expect(await thrown(() => zenrise.recipient!.create(session, instruction()))).toMatchObject({ kind: 'authentication', httpStatus: 401, providerMessage: 'Invalid credentials' });
  });

  it('renews the token once it has expired on the provider’s clock', async () => {
    const session = simSession(sim, 'zenrise');
    const row = await withAccount(instruction({ orderId: 'ZR-E2E-TOKEN-1', amountMinor: 100 }));
    await zenrise.createPayout(session, row);
    const firstToken = session.auth.get('zenrise.token');
    expect(firstToken).toBeDefined();

    await advance(sim, PAST_TOKEN_LIFETIME_MS);
    const second = await zenrise.createPayout(session, { ...row, orderId: 'ZR-E2E-TOKEN-2', requestKey: 'key-token-2' });
    expect(second).toMatchObject({ reference: 'ZR-E2E-TOKEN-2', state: 'pending' });
    expect(session.auth.get('zenrise.token')).not.toBe(firstToken);
    expect((await journal(sim, 'zenrise')).filter((e) => e.reference === 'ZR-E2E-TOKEN-2')).toHaveLength(1);
  });

  it('has no list endpoint and no balance', async () => {
    const listed = [];
    for await (const payout of zenrise.listPayouts(simSession(sim, 'zenrise'), { from: new Date(0), to: new Date() })) listed.push(payout);
    expect(listed).toEqual([]);
    expect(await zenrise.getBalance(simSession(sim, 'zenrise'))).toBeUndefined();
  });
});

describe('zenrise login', () => {
  it('happens once for many concurrent rows', async () => {
    const paths: string[] = [];
    const sim = await start({ logger: (line) => paths.push(String((line as { path?: unknown }).path ?? '')) });
    const session = simSession(sim, 'zenrise');
    const rows = await Promise.all(Array.from({ length: 8 }, (_, i) => zenrise.recipient!.create(session, instruction({ orderId: `ZR-E2E-C${i}` }))));
    expect(new Set(rows.map((r) => r.recipientId)).size).toBe(1);
    expect(paths.filter((p) => p.endsWith('/users/api-login'))).toHaveLength(1);
    expect(paths.filter((p) => p.endsWith('/wallet/cbu-alias'))).toHaveLength(8);
  });
});

describe('zenrise token lifetime', () => {
  it('a token lapsed on the provider’s clock: one 401, one new login, the call goes through', async () => {
    const lines: Array<{ path: string; status?: number }> = [];
    const sim = await start({ logger: (line) => lines.push(line as { path: string; status?: number }) });
    const session = simSession(sim, 'zenrise');
    const row = instruction({ orderId: 'ZR-E2E-LAPSE' });
    const { recipientId } = await zenrise.recipient!.create(session, row);
    await advance(sim, PAST_TOKEN_LIFETIME_MS);
    expect(await zenrise.createPayout(session, { ...row, recipientId })).toMatchObject({ reference: 'ZR-E2E-LAPSE' });
    expect(lines.filter((l) => l.path?.endsWith('/users/api-login'))).toHaveLength(2);
    expect(lines.filter((l) => l.status === 401)).toHaveLength(1);
  });

  it('a token past its exp on our clock is renewed before the call, without a 401', async () => {
    const lines: Array<{ path: string; status?: number }> = [];
    const sim = await start({ logger: (line) => lines.push(line as { path: string; status?: number }) });
    let offsetMs = 0;
    const session = simSession(sim, 'zenrise', { now: () => new Date(Date.now() + offsetMs) });
    const row = instruction({ orderId: 'ZR-E2E-RENEW' });
    const { recipientId } = await zenrise.recipient!.create(session, row);
    offsetMs = PAST_TOKEN_LIFETIME_MS;
    expect(await zenrise.createPayout(session, { ...row, recipientId })).toMatchObject({ reference: 'ZR-E2E-RENEW' });
    expect(lines.filter((l) => l.path?.endsWith('/users/api-login'))).toHaveLength(2);
    expect(lines.filter((l) => l.status === 401)).toHaveLength(0);
  });
});

describe('zenrise with a small balance', () => {
  it('is insufficient_funds and moves nothing', async () => {
    const sim = await start({ balanceMinor: 10_000 });
    const session = simSession(sim, 'zenrise');
    const row = instruction({ orderId: 'ZR-E2E-POOR', amountMinor: 10_001 });
    const { recipientId } = await zenrise.recipient!.create(session, row);
    expect(await thrown(() => zenrise.createPayout(session, { ...row, recipientId }))).toMatchObject({ kind: 'insufficient_funds', httpStatus: 400, providerMessage: 'Insufficient funds', outcomeUnknown: false });
    expect(await zenrise.findPayout(session, { ...row, recipientId }, new Date())).toBeNull();
    expect(await journal(sim, 'zenrise')).toEqual([]);
  });
});

describe('zenrise when the answer is lost after the commit', () => {
  it('the answer is lost, and the replay by externalReference finds exactly the one transfer', async () => {
    const sim = await start({ faults: 'drop_after_commit=1' });
    const session = simSession(sim, 'zenrise');
    const row = instruction({ orderId: 'ZR-E2E-DROP' });
    const { recipientId } = await zenrise.recipient!.create(session, row);
    const paid = { ...row, recipientId };
    expect(await thrown(() => zenrise.createPayout(session, paid))).toMatchObject({ name: 'ProviderError', outcomeUnknown: true, retryable: false });
    // The replay moves no money, so its answer arrives (only a committing request is dropped): the same transfer.
    const found = await zenrise.findPayout(session, paid, new Date());
    const entries = await journal(sim, 'zenrise');
    expect(entries).toHaveLength(1);
    expect(found).toMatchObject({ payoutId: entries[0]?.provider_id, reference: 'ZR-E2E-DROP', amountMinor: 150_050 });
  });
});
