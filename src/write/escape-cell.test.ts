import { describe, expect, it } from 'vitest';
import { FORMULA_TRIGGERS, escapeCell, isFormulaLike } from './escape-cell.ts';

describe('escapeCell', () => {
  it.each([
    ['=HYPERLINK("http://evil.example","click")'],
    ['+1+cmd|" /C calc"!A0'],
    ['-2+3'],
    ['@SUM(A1:A2)'],
  ])('prefixes a quote to %j', (text) => {
    expect(isFormulaLike(text)).toBe(true);
    expect(escapeCell(text)).toBe(`'${text}`);
  });

  it.each([
    ['\t=1+1', "'\t'=1+1"],
    ['\r=1+1', "'\r'=1+1"],
  ])('prefixes a quote to %j, and to the formula a tab or CR splits out', (text, expected) => {
    expect(isFormulaLike(text)).toBe(true);
    expect(escapeCell(text)).toBe(expected);
  });

  it('covers exactly the OWASP trigger characters', () => {
    expect([...FORMULA_TRIGGERS].sort()).toEqual(['\t', '\r', '+', '-', '=', '@'].sort());
  });

  it.each([[''], ['José Peña'], ['ORD-1'], ['012***********7897'], ['1234.56'], [' =1+1'], ["'quoted"]])(
    'leaves %j as is',
    (text) => {
      expect(isFormulaLike(text)).toBe(false);
      expect(escapeCell(text)).toBe(text);
    },
  );

  it('is idempotent, so escaping again on the way to XLSX adds nothing', () => {
    expect(escapeCell(escapeCell('=1+1'))).toBe("'=1+1");
  });
});

describe('escapeCell, for readers that split at another delimiter', () => {
  it.each([
    ["x;=cmd|' /C calc'!A0;", "x;'=cmd|' /C calc'!A0;"],
    ['a,+1', "a,'+1"],
    ['a\t-1', "a\t'-1"],
    ['a;"=1+1"', `a;"'=1+1"`],
    ['a;\t=1', "a;'\t'=1"],
    ['l1\n@SUM(A1)', "l1\n'@SUM(A1)"],
    ['=a;=b', "'=a;'=b"],
  ])('escapes the trigger after each delimiter in %j', (text, expected) => {
    expect(escapeCell(text)).toBe(expected);
    expect(escapeCell(expected)).toBe(expected);
  });

  it.each([['a;b'], ['1,5'], ['a; =1'], ['Peña; López']])('leaves %j as is', (text) => {
    expect(escapeCell(text)).toBe(text);
  });

  it('leaves no piece that starts with a trigger, split at any delimiter', () => {
    const alphabet = ['a', ';', ',', '\t', '\n', '\r', '"', '=', '+', '-', '@', ' ', "'"];
    let seed = 11;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    for (let n = 0; n < 3000; n++) {
      const text = Array.from({ length: next() % 9 }, () => alphabet[next() % alphabet.length]).join('');
      const escaped = escapeCell(text);
      for (const piece of escaped.split(/[,;\t\n\r]/)) expect(isFormulaLike(piece.replace(/^"+/, '')), JSON.stringify(text)).toBe(false);
    }
  });
});

describe('escapeCell, against its definition', () => {
  /** The rule spelled out one character at a time: a quote before a trigger that starts a cell, past its quotes. */
  function byDefinition(text: string): string {
    let out = '';
    let cellStart = true;
    for (const ch of text) {
      if (cellStart && ch !== '"' && FORMULA_TRIGGERS.includes(ch)) out += "'";
      out += ch;
      if (ch !== '"') cellStart = false;
      if ([',', ';', '\t', '\n', '\r'].includes(ch)) cellStart = true;
    }
    return out;
  }

  it('escapes what the definition escapes, on random text of triggers, splitters, quotes and letters', () => {
    const alphabet = ['a', 'Z', 'ñ', '0', ';', ',', '\t', '\n', '\r', '"', '=', '+', '-', '@', ' ', "'", 'A', '?'];
    let seed = 29;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    for (let n = 0; n < 5000; n++) {
      const text = Array.from({ length: next() % 12 }, () => alphabet[next() % alphabet.length]).join('');
      expect(escapeCell(text), JSON.stringify(text)).toBe(byDefinition(text));
    }
  });
});
