import { describe, expect, it } from 'vitest';
import { clabeInstruction } from '../test-support/instruction.ts';
import { openpayAmountText, openpayDate, openpayDescription, openpayPayoutBody } from './map-openpay-request.ts';

describe('openpayAmountText', () => {
  it.each([
    [1, '0.01'],
    [10, '0.10'],
    [100, '1.00'],
    [1050, '10.50'],
    [123456, '1234.56'],
    [9_999_999_999, '99999999.99'],
  ])('%i centavos → %s', (minor, text) => {
    expect(openpayAmountText(minor)).toBe(text);
  });

  it.each([0, -1, 1.5, Number.NaN, 2 ** 53])('refuses %s', (minor) => {
    expect(() => openpayAmountText(minor)).toThrow(expect.objectContaining({ kind: 'validation' }));
  });
});

describe('openpayPayoutBody', () => {
  it('writes the documented bank_account payout (openpay-api.txt, Pago a cuenta bancaria)', () => {
    const body = openpayPayoutBody(clabeInstruction({ description: 'Retiro de saldo semanal' }));
    expect(body).toBe(
      '{"amount":10.50,"method":"bank_account","bank_account":{"clabe":"012298026516924616","holder_name":"Mi empresa"},' +
        '"description":"Retiro de saldo semanal","order_id":"oid-1110011"}',
    );
    expect(JSON.parse(body)).toEqual({
      method: 'bank_account',
      bank_account: { clabe: '012298026516924616', holder_name: 'Mi empresa' },
      amount: 10.5,
      description: 'Retiro de saldo semanal',
      order_id: 'oid-1110011',
    });
  });

  it.each([
    [1, '0.01', 0.01],
    [1050, '10.50', 10.5],
    [9_999_999_999, '99999999.99', 99999999.99],
  ])('sends %i centavos as the JSON number %s', (amountMinor, text, value) => {
    const body = openpayPayoutBody(clabeInstruction({ amountMinor }));
    expect(body.startsWith(`{"amount":${text},`)).toBe(true);
    expect((JSON.parse(body) as { amount: number }).amount).toBe(value);
  });

  it('escapes strings and keeps the amount out of their reach', () => {
    const body = openpayPayoutBody(clabeInstruction({ name: 'A "quoted" \\ name', description: '"amount":1}', orderId: 'o"1' }));
    const parsed = JSON.parse(body) as Record<string, unknown>;
    expect(parsed.amount).toBe(10.5);
    expect(parsed.description).toBe('"amount":1}');
    expect(parsed.order_id).toBe('o"1');
    expect((parsed.bank_account as { holder_name: string }).holder_name).toBe('A "quoted" \\ name');
  });

  it('defaults the required description to one naming the order', () => {
    expect(JSON.parse(openpayPayoutBody(clabeInstruction({ description: '  ' }))).description).toBe('Pago oid-1110011');
  });

  it.each([
    ['no holder name', { name: undefined }],
    ['not a CLABE', { account: { kind: 'cbu' as const, number: '0990100808100040477100' } }],
    ['order_id over 100', { orderId: 'x'.repeat(101) }],
    ['description over 250', { description: 'd'.repeat(251) }],
  ])('refuses %s before anything is sent', (_what, overrides) => {
    expect(() => openpayPayoutBody(clabeInstruction(overrides))).toThrow(expect.objectContaining({ kind: 'validation', retryable: false, outcomeUnknown: false }));
  });

  it('accepts a 250-character description', () => {
    expect(openpayDescription({ orderId: 'x', description: 'd'.repeat(250) })).toHaveLength(250);
  });
});

describe('openpayDate', () => {
  it('is the yyyy-mm-dd the list filters take', () => {
    expect(openpayDate(new Date('2014-05-26T23:59:59Z'))).toBe('2014-05-26');
  });
});
