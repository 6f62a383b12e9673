import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { conektaProvider } from '../../src/providers/conekta/conekta-api.ts';
import { digitalfemsaProvider } from '../../src/providers/digitalfemsa/digitalfemsa-api.ts';
import { clabeInstruction } from '../../src/providers/test-support/instruction.ts';
import { testSession } from '../../src/providers/test-support/session.ts';

/**
 * Conekta and Digital FEMSA serve test and live keys on one host: the answer's `livemode` says which one the key
 * is. A provider double over real HTTP answers every call with the livemode it is given.
 */
let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function providerAnswering(livemode: boolean): Promise<{ url: string; calls: string[] }> {
  const calls: string[] = [];
  server = createServer((req, res) => {
    calls.push(`${req.method} ${req.url}`);
    req.resume();
    res.setHeader('content-type', 'application/json');
    const body = req.url?.startsWith('/transfers')
      ? { id: 'tr_1', object: 'transfer', status: 'pending', amount: 10_000, currency: 'MXN', created_at: 1_700_000_000, livemode }
      : { id: req.url?.startsWith('/payees') ? 'payee_1' : 'cus_1', livemode };
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, calls };
}

const credentials = { conekta: { privateKey: 'key_test' }, digitalfemsa: { privateKey: 'key_test' } };

describe('livemode against the run environment', () => {
  it.each([
    ['conekta', conektaProvider],
    ['digitalfemsa', digitalfemsaProvider],
  ] as const)('%s: a sandbox run whose key answers livemode: true is stopped at the recipient, before any payout', async (id, adapter) => {
    const { url } = await providerAnswering(true);
    const session = testSession(id, url, credentials, { environment: 'sandbox' });
    const instruction = clabeInstruction(id === 'digitalfemsa' ? { account: { kind: 'cash_out', email: 'ana@example.com' }, email: 'ana@example.com' } : {});
    await expect(adapter.recipient!.create(session, instruction)).rejects.toMatchObject({ kind: 'authentication', retryable: false, outcomeUnknown: false, message: expect.stringContaining('livemode: true') });
  });

  it('a test key on sandbox, the simulator, and a live run answered livemode: false (a local double) pass', async () => {
    const { url } = await providerAnswering(false);
    await expect(conektaProvider.recipient!.create(testSession('conekta', url, credentials, { environment: 'live' }), clabeInstruction())).resolves.toEqual({ recipientId: 'payee_1' });
    await expect(conektaProvider.recipient!.create(testSession('conekta', url, credentials, { environment: 'sandbox' }), clabeInstruction())).resolves.toEqual({ recipientId: 'payee_1' });
    await expect(conektaProvider.recipient!.create(testSession('conekta', url, credentials, { environment: 'simulator' }), clabeInstruction())).resolves.toEqual({ recipientId: 'payee_1' });
  });

  it('a money-moving answer is kept as the provider gave it (the payout exists), never turned into an error', async () => {
    const { url } = await providerAnswering(true);
    const session = testSession('conekta', url, credentials, { environment: 'sandbox' });
    await expect(conektaProvider.createPayout(session, clabeInstruction({ recipientId: 'payee_1' }))).resolves.toMatchObject({ payoutId: 'tr_1' });
  });
});
