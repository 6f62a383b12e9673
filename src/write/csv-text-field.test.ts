import { describe, expect, it } from 'vitest';
import { csvField } from './csv-line.ts';
import { csvTextField } from './csv-text-field.ts';
import { escapeCell } from './escape-cell.ts';

describe('csvTextField', () => {
  it.each([
    [''],
    ['José Peña'],
    ['ORD-1'],
    ['012***********7897'],
    ['=HYPERLINK("http://evil.example","click")'],
    ['+1+cmd|" /C calc"!A0'],
    ['-2+3'],
    ['@SUM(A1:A2)'],
    ['\t=1+1'],
    ['\r=1+1'],
    ["x;=cmd|' /C calc'!A0;"],
    ['a,+1'],
    ['a;"=1+1"'],
    ['l1\n@SUM(A1)'],
    ['say "hi"'],
    ["'=1+1"],
    [' =1+1'],
  ])('writes %j as csvField(escapeCell(text)) does', (text) => {
    expect(csvTextField(text)).toBe(csvField(escapeCell(text)));
  });

  it('agrees with csvField(escapeCell(text)) for any mix of delimiters, quotes, line breaks and triggers', () => {
    const alphabet = ['a', 'ñ', ' ', ',', '"', '\n', '\r', ';', "'", '=', '+', '-', '@', '\t', '😀', '0', 'A'];
    let seed = 11;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed;
    };
    for (let n = 0; n < 5000; n++) {
      const text = Array.from({ length: next() % 8 }, () => alphabet[next() % alphabet.length]).join('');
      expect(csvTextField(text), JSON.stringify(text)).toBe(csvField(escapeCell(text)));
    }
  });
});
