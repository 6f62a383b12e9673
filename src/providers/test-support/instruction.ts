import type { PayoutInstruction } from '../payout-provider.ts';

/** A valid Openpay/Conekta-style instruction; tests override what they are about. */
export function clabeInstruction(overrides: Partial<PayoutInstruction> = {}): PayoutInstruction {
  return {
    requestKey: '0123456789abcdef0123456789abcdef',
    orderId: 'oid-1110011',
    amountMinor: 1050,
    currency: 'MXN',
    account: { kind: 'clabe', number: '012298026516924616', bankCode: '012' },
    name: 'Mi empresa',
    ...overrides,
  };
}
