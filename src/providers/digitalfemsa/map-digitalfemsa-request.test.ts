import { describe, expect, it } from 'vitest';
import type { PayoutInstruction } from '../payout-provider.ts';
import { femsaCustomerBody, femsaPayoutOrderBody, femsaReason, femsaRecipientKey } from './map-digitalfemsa-request.ts';

function instruction(overrides: Partial<PayoutInstruction> = {}): PayoutInstruction {
  return {
    requestKey: 'fedcba9876543210fedcba9876543210',
    orderId: 'CASH-1',
    amountMinor: 3000,
    currency: 'MXN',
    account: { kind: 'clabe', number: '012298026516924616', bankCode: '012' },
    name: 'User',
    email: 'User@Example.com ',
    recipientId: 'cus_2oAokFrKM7CyVxGJm',
    ...overrides,
  };
}

describe('femsaRecipientKey', () => {
  it('is the lower-cased email', () => {
    expect(femsaRecipientKey(instruction())).toBe('user@example.com');
  });

  it('refuses a row without email', () => {
    expect(() => femsaRecipientKey(instruction({ email: undefined }))).toThrow(expect.objectContaining({ kind: 'validation' }));
  });
});

describe('femsaCustomerBody', () => {
  it('is the documented customer (digitalfemsa-cashout.txt, Crear Customer)', () => {
    expect(femsaCustomerBody(instruction({ phone: '5566982096' }))).toEqual({ name: 'User', email: 'User@Example.com', phone: '5566982096' });
    expect(femsaCustomerBody(instruction())).toEqual({ name: 'User', email: 'User@Example.com' });
  });
});

describe('femsaPayoutOrderBody', () => {
  it('is the documented payout order (digitalfemsa-cashout.txt, Crear Referencia)', () => {
    expect(femsaPayoutOrderBody(instruction({ description: 'Referencia de retiro' }))).toEqual({
      currency: 'MXN',
      amount: 3000,
      customer_info: { customer_id: 'cus_2oAokFrKM7CyVxGJm' },
      allowed_payout_methods: ['cashout'],
      reason: 'Referencia de retiro',
      payout: { payout_method: { type: 'cashout' } },
      metadata: { order_id: 'CASH-1', request_key: 'fedcba9876543210fedcba9876543210' },
    });
  });

  it('defaults the required reason', () => {
    expect(femsaPayoutOrderBody(instruction()).reason).toBe('Retiro en efectivo');
  });

  it.each([
    ['centavos not ending in 00', { amountMinor: 3050 }],
    ['a zero amount', { amountMinor: 0 }],
    ['no customer id', { recipientId: undefined }],
    ['a reason over 40 characters', { description: 'r'.repeat(41) }],
  ])('refuses %s', (_what, overrides) => {
    expect(() => femsaPayoutOrderBody(instruction(overrides))).toThrow(expect.objectContaining({ kind: 'validation' }));
  });

  it('accepts a reason of exactly 40 characters', () => {
    expect(femsaReason({ description: 'r'.repeat(40) })).toHaveLength(40);
  });
});
