import { describe, expect, it } from 'vitest';
import { loadFixture } from '../test-support/fixtures.ts';
import { mapZenriseBankAccount, mapZenriseStatus, mapZenriseTransfer, zenriseTransferBankAccountId } from './map-zenrise-response.ts';

const fixture = (name: string) => loadFixture(import.meta.url, 'simulator', name);

describe('mapZenriseStatus (zenrise-payouts.txt, Ciclo de vida)', () => {
  it.each([
    ['Pending', 'pending'],
    ['InProgress', 'pending'],
    ['Accredited', 'paid'],
    ['Fail', 'failed'],
    ['Reversed', 'pending'],
    [undefined, 'pending'],
  ] as const)('%s → %s', (status, state) => {
    expect(mapZenriseStatus(status)).toBe(state);
  });
});

describe('mapZenriseTransfer', () => {
  it('maps a pending transfer request, CBU masked', () => {
    expect(mapZenriseTransfer(fixture('transfer-pending.json'))).toEqual({
      payoutId: '0c9d8e7f-6a5b-4c3d-8e1f-2a3b4c5d6e7f',
      state: 'pending',
      providerStatus: 'Pending',
      amountMinor: 150050,
      currency: 'ARS',
      reference: 'AR-0001',
      destination: '099***************7100',
      createdAt: new Date('2024-05-02T14:00:01.000Z'),
      updatedAt: new Date('2024-05-02T14:00:01.000Z'),
    });
    expect(zenriseTransferBankAccountId(fixture('transfer-pending.json'))).toBe('5b0f4a3e-8d1c-4f2a-9e7b-1c2d3e4f5a6b');
  });

  it('maps a failed one with its reason; an alias is shown as is', () => {
    expect(mapZenriseTransfer(fixture('transfer-failed-alias.json'))).toMatchObject({
      state: 'failed',
      amountMinor: 2000,
      destination: 'pepe.pepe.po',
      failureMessage: 'The destination bank rejected the transfer',
    });
  });

  it('reads a {data} envelope', () => {
    expect(mapZenriseTransfer({ data: fixture('transfer-pending.json') }).payoutId).toBe('0c9d8e7f-6a5b-4c3d-8e1f-2a3b4c5d6e7f');
  });

  it.each([
    ['no id', { amount: 1 }],
    ['three decimals', { id: 't', amount: 1.005 }],
    ['another currency', { id: 't', amount: 1, currency: 'USD' }],
  ])('refuses %s', (_what, body) => {
    expect(() => mapZenriseTransfer(body)).toThrow(expect.objectContaining({ kind: 'bad_response' }));
  });
});

describe('mapZenriseBankAccount', () => {
  it('reads the bankAccountId', () => {
    expect(mapZenriseBankAccount(fixture('bank-account.json'))).toEqual({ recipientId: '5b0f4a3e-8d1c-4f2a-9e7b-1c2d3e4f5a6b' });
    expect(() => mapZenriseBankAccount({ cbu: 'x' })).toThrow(expect.objectContaining({ kind: 'bad_response' }));
  });
});
