import { describe, expect, it } from 'vitest';
import type { PayoutInstruction } from '../payout-provider.ts';
import { zenriseBankAccountBody, zenriseRecipientKey, zenriseTransferBody } from './map-zenrise-request.ts';

function instruction(overrides: Partial<PayoutInstruction> = {}): PayoutInstruction {
  return {
    requestKey: 'aaaabbbbccccddddeeeeffff00001111',
    orderId: 'AR-0001',
    amountMinor: 150050,
    currency: 'ARS',
    account: { kind: 'cbu', number: '0990100808100040477100' },
    name: 'Proveedor SA',
    recipientId: '5b0f4a3e-8d1c-4f2a-9e7b-1c2d3e4f5a6b',
    ...overrides,
  };
}

describe('zenriseRecipientKey / zenriseBankAccountBody', () => {
  it.each([
    [{ kind: 'cbu' as const, number: '0990100808100040477100' }, '0990100808100040477100', 'CBU_CVU'],
    [{ kind: 'cvu' as const, number: '0000128000000000000000' }, '0000128000000000000000', 'CBU_CVU'],
    [{ kind: 'alias' as const, alias: 'pepe.pepe.po' }, 'pepe.pepe.po', 'ALIAS'],
  ])('%o → %s (%s)', (account, key, type) => {
    expect(zenriseRecipientKey({ account })).toBe(key);
    expect(zenriseBankAccountBody({ account })).toEqual({ cbuAlias: key, type, bankAccountType: 'PAYOUT' });
  });

  it('refuses a CLABE', () => {
    expect(() => zenriseRecipientKey({ account: { kind: 'clabe', number: '012298026516924616', bankCode: '012' } })).toThrow(expect.objectContaining({ kind: 'validation' }));
  });
});

describe('zenriseTransferBody', () => {
  it('sends decimal pesos, the bank account and the order id as externalReference', () => {
    const body = zenriseTransferBody(instruction({ description: 'Pago proveedores' }));
    expect(body).toBe('{"amount":1500.50,"bankAccountId":"5b0f4a3e-8d1c-4f2a-9e7b-1c2d3e4f5a6b","externalReference":"AR-0001","type":"TRANSFER","description":"Pago proveedores"}');
  });

  it.each([
    [1, '0.01'],
    [2000, '20.00'],
    [9_999_999_999, '99999999.99'],
  ])('%i centavos → %s', (amountMinor, text) => {
    expect(zenriseTransferBody(instruction({ amountMinor })).startsWith(`{"amount":${text},`)).toBe(true);
  });

  it('leaves the description out when there is none', () => {
    expect(JSON.parse(zenriseTransferBody(instruction()))).not.toHaveProperty('description');
  });

  it.each([
    ['no bank account id', { recipientId: undefined }],
    ['MXN', { currency: 'MXN' as const }],
    ['a zero amount', { amountMinor: 0 }],
    ['an order id over 100', { orderId: 'o'.repeat(101) }],
  ])('refuses %s', (_what, overrides) => {
    expect(() => zenriseTransferBody(instruction(overrides))).toThrow(expect.objectContaining({ kind: 'validation' }));
  });
});
