import { describe, expect, it } from 'vitest';
import { type LedgerError } from '../ledger-error.ts';
import { parseInt8 } from './pg-integer.ts';

describe('parseInt8', () => {
  it('reads bigints up to 2^53 - 1 exactly, and refuses larger ones instead of rounding', () => {
    expect(parseInt8('0')).toBe(0);
    expect(parseInt8('-12345')).toBe(-12345);
    expect(parseInt8('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
    for (const text of ['9007199254740992', '-9007199254740992', '9223372036854775807', '1.5', '']) {
      let code: string | undefined;
      try {
        parseInt8(text);
      } catch (error) {
        code = (error as LedgerError).code;
      }
      expect(code, text).toBe('INTEGER_OUT_OF_RANGE');
    }
  });
});
