import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { csvLine, QUOTE_ALSO } from './csv-line.ts';

describe('csvLine', () => {
  it('quotes a field only when it holds a delimiter of any locale (, ; tab), a quote or a line break, doubling the quotes', () => {
    expect(csvLine(['a', '', 'b c', 'x,y', 'say "hi"', 'l1\nl2', 'l1\rl2', "'=1+1", 'x;y', 'x\ty'])).toBe(
      'a,,b c,"x,y","say ""hi""","l1\nl2","l1\rl2",\'=1+1,"x;y","x\ty"',
    );
  });

  it('writes exactly what csv-stringify writes, for any mix of awkward characters', () => {
    // Deterministic pseudo-random fields over the characters that matter, and some that must not.
    const alphabet = ['a', 'ñ', ' ', ',', '"', '\n', '\r', ';', "'", '=', '\t', '😀', '0'];
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed;
    };
    for (let n = 0; n < 2000; n++) {
      const fields = Array.from({ length: 1 + (next() % 6) }, () => Array.from({ length: next() % 7 }, () => alphabet[next() % alphabet.length]).join(''));
      expect(`${csvLine(fields)}\n`, JSON.stringify(fields)).toBe(stringify([fields], { quoted_match: QUOTE_ALSO }));
    }
  });
});
