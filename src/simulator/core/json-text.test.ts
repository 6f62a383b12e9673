import { describe, expect, it } from 'vitest';
import { DecimalAmount, NumberText, parseJsonExact, toJsonText } from './json-text.ts';

describe('parseJsonExact', () => {
  it('keeps the literal of amounts and account numbers, wherever they are', () => {
    const value = parseJsonExact('{"amount":100.00,"bank_account":{"clabe":"012298026516924616"},"d":{"account_number":123456789012345678},"n":[1,2.5]}') as Record<string, any>;
    expect(value.amount).toEqual(new NumberText('100.00', false));
    expect(value.bank_account.clabe).toBe('012298026516924616');
    expect(value.d.account_number).toEqual(new NumberText('123456789012345678', false));
    expect(value.n).toEqual([1, 2.5]);
  });

  it('marks an amount sent as a string as quoted', () => {
    expect((parseJsonExact('{"amount":"10.50"}') as Record<string, unknown>).amount).toEqual(new NumberText('10.50', true));
  });

  it('leaves digits inside strings alone, including escaped quotes', () => {
    expect(parseJsonExact('{"description":"pago \\"12\\" de 3","x":-1.5e3}')).toEqual({ description: 'pago "12" de 3', x: -1500 });
  });

  it.each(['{"amount":01}', '{"amount":1.}', '{"a":-}', '{"a":1 2}', '{', '{"a":"x"'])('rejects invalid JSON %s', (text) => {
    expect(() => parseJsonExact(text)).toThrow(SyntaxError);
  });

  it('echoes a kept literal back as the number it was', () => {
    expect(JSON.stringify(parseJsonExact('{"metadata":{"amount":12.30}}'))).toBe('{"metadata":{"amount":12.3}}');
  });
});

describe('toJsonText', () => {
  it('writes DecimalAmount as a two-decimal literal', () => {
    expect(toJsonText({ amount: new DecimalAmount(10000), b: [new DecimalAmount(1050)], s: 'x' })).toBe('{"amount":100.00,"b":[10.50],"s":"x"}');
  });
});
