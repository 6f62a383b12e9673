import { describe, expect, it } from 'vitest';
import { REDACTED, censor, maskAccountValue } from './redact.ts';

describe('maskAccountValue', () => {
  it.each([
    ['012180001234567897', '012***********7897'],
    ['0121 8000 1234 5678 97', '012***********7897'],
    // A CLABE read from Excel as a number: digits only, masked the same way.
    [1218000123456, '121******3456'],
    [{ kind: 'clabe', number: '012180001234567897', bankCode: '012' }, '012***********7897'],
    [{ kind: 'cvu', number: '0000003100010000000001' }, '000***************0001'],
    [{ kind: 'alias', alias: 'casa.perro.sol' }, 'casa.perro.sol'],
    ['casa.perro.sol', 'casa.perro.sol'],
    ['juan@example.com', 'j***@example.com'],
    ['012***********7897', '012***********7897'],
    [{ kind: 'clabe' }, REDACTED],
    [['012180001234567897'], REDACTED],
  ])('%j → %j', (value, masked) => {
    expect(maskAccountValue(value)).toBe(masked);
  });
});

describe('censor', () => {
  it('removes secrets outright and masks accounts by the key it is called for', () => {
    expect(censor('sk_live_123', ['config', 'privateKey'])).toBe(REDACTED);
    expect(censor({ nested: 'object' }, ['token'])).toBe(REDACTED);
    expect(censor('012180001234567897', ['payout', 'clabe'])).toBe('012***********7897');
    expect(censor('ana@example.mx', ['customer', 'email'])).toBe('a***@example.mx');
  });
});
