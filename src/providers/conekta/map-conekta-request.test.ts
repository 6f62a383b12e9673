import { describe, expect, it } from 'vitest';
import { clabeInstruction } from '../test-support/instruction.ts';
import { conektaPayeeBody, conektaRecipientKey, conektaTransferBody } from './map-conekta-request.ts';

describe('conektaRecipientKey', () => {
  it('is the CLABE', () => {
    expect(conektaRecipientKey(clabeInstruction())).toBe('012298026516924616');
  });

  it('refuses an Argentine account', () => {
    expect(() => conektaRecipientKey(clabeInstruction({ account: { kind: 'alias', alias: 'pepe.pepe.po' } }))).toThrow(expect.objectContaining({ kind: 'validation' }));
  });
});

describe('conektaPayeeBody', () => {
  it('is the documented payee with one bank_account destination (conekta-dispersion.txt, Crear un beneficiario)', () => {
    expect(conektaPayeeBody(clabeInstruction({ name: 'Jon Doe', email: 'jon@example.com', phone: '5555555555' }))).toEqual({
      name: 'Jon Doe',
      email: 'jon@example.com',
      phone: '5555555555',
      destinations: [{ type: 'bank_account', account_number: '012298026516924616', account_holder_name: 'Jon Doe' }],
    });
  });

  it('leaves out what the row does not have', () => {
    expect(Object.keys(conektaPayeeBody(clabeInstruction()))).toEqual(['name', 'destinations']);
  });

  it.each([
    ['no name', { name: ' ' }],
    ['a holder name of 250 characters', { name: 'n'.repeat(250) }],
  ])('refuses %s', (_what, overrides) => {
    expect(() => conektaPayeeBody(clabeInstruction(overrides))).toThrow(expect.objectContaining({ kind: 'validation' }));
  });
});

describe('conektaTransferBody', () => {
  it('is the documented transfer in centavos, with our key in metadata', () => {
    expect(conektaTransferBody(clabeInstruction({ recipientId: 'payee_DePrueba', amountMinor: 50000 }))).toEqual({
      payee_id: 'payee_DePrueba',
      amount: 50000,
      currency: 'MXN',
      metadata: { order_id: 'oid-1110011', request_key: '0123456789abcdef0123456789abcdef' },
    });
  });

  it.each([
    [1, 1],
    [1050, 1050],
    [9_999_999_999, 9_999_999_999],
  ])('sends %i centavos as %i', (amountMinor, amount) => {
    const text = JSON.stringify(conektaTransferBody(clabeInstruction({ recipientId: 'p', amountMinor })));
    expect(text).toContain(`"amount":${amount},`);
  });

  it.each([
    ['no payee id', { recipientId: undefined }],
    ['a zero amount', { recipientId: 'p', amountMinor: 0 }],
    ['a fractional amount', { recipientId: 'p', amountMinor: 10.5 }],
    ['another currency', { recipientId: 'p', currency: 'ARS' as const }],
  ])('refuses %s', (_what, overrides) => {
    expect(() => conektaTransferBody(clabeInstruction(overrides))).toThrow(expect.objectContaining({ kind: 'validation' }));
  });
});
