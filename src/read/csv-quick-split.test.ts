import { describe, expect, it } from 'vitest';
import { plainLines, splitPlainLines } from './csv-quick-split.mjs';

describe('splitPlainLines', () => {
  it('splits plain lines and wholly quoted fields, and stops at the first line it leaves to csv-parse', () => {
    const records: string[][] = [];
    const text = 'a,"1,5",\r\n,""\nJuan "Chato",1\nz\n';
    expect(splitPlainLines(text, ',', 1000, records)).toBe(text.indexOf('Juan'));
    expect(records).toEqual([['a', '1,5', ''], ['', '']]);
  });

  it('leaves a line longer than allowed', () => {
    expect(splitPlainLines('abcd\n', ',', 3, [])).toBe(0);
  });
});

describe('plainLines', () => {
  it.each<[string, boolean]>([
    ['order_id,amount\nA-1,"10.00"\nA-2,"1,000.00"\r\n', true],
    ['order_id,amount\nA-1,"say ""hi"""\n', false],
    ['order_id,amount\nA-1,"two\nlines"\n', false],
    ['order_id,amount\rA-1,1\r', false],
    ['order_id,amount\nA-1,"half a line', true],
  ])('%j: %s', (text, plain) => {
    expect(plainLines(text, ',')).toBe(plain);
  });
});
