import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { CsvRecordParser, CsvSyntaxError } from './csv-records.mjs';

/** csv-parse over the whole text at once, with the reader's options: the reference the chunked feeding must match. */
function reference(text: string, delimiter: string): { records: string[][] } | { code: string } {
  try {
    const records = parse(text, {
      delimiter,
      quote: '"',
      escape: '"',
      bom: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: false,
      record_delimiter: ['\r\n', '\n', '\r'],
    }) as string[][];
    return { records };
  } catch (error) {
    return { code: (error as { code: string }).code };
  }
}

/** Ours, fed in pieces cut at `cuts` (so records, quotes and \r\n are split across chunks). */
function ours(text: string, delimiter: string, cuts: number[] = [], maxRecordChars = 1 << 20): { records: string[][] } | { code: string } {
  const parser = new CsvRecordParser({ delimiter, maxRecordChars });
  const records: string[][] = [];
  try {
    let at = 0;
    for (const cut of [...cuts, text.length]) {
      records.push(...parser.push(text.slice(at, cut)));
      at = cut;
    }
    records.push(...parser.end());
    return { records };
  } catch (error) {
    if (error instanceof CsvSyntaxError) return { code: error.code };
    throw error;
  }
}

function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

describe('CsvRecordParser', () => {
  it.each<[string, string, string[][]]>([
    ['plain', 'a,b\nc,d\n', [['a', 'b'], ['c', 'd']]],
    ['quoted delimiter, doubled quote, line break', '"x,y","say ""hi""","l1\r\nl2"\n', [['x,y', 'say "hi"', 'l1\r\nl2']]],
    ['a quote inside an unquoted field is text', 'Juan "Chato" Pérez,1\n', [['Juan "Chato" Pérez', '1']]],
    ['a closing quote followed by text', '"ab"cd,e\n', [['"ab"cd', 'e']]],
    ['blank lines are records; the end after a line break is not', 'a\n\n\r\nb', [['a'], [''], [''], ['b']]],
    ['mixed line endings', 'a\r\nb\nc\rd', [['a'], ['b'], ['c'], ['d']]],
    ['a trailing delimiter is an empty last field', 'a,\n', [['a', '']]],
    ['an empty quoted field at the end', '""', [['']]],
    ['BOM', '\uFEFForder_id;amount\n1;2', [['order_id', 'amount'], ['1', '2']]],
  ])('%s', (_, text, expected) => {
    const delimiter = text.includes(';') ? ';' : ',';
    expect(ours(text, delimiter)).toEqual({ records: expected });
    expect(reference(text, delimiter)).toEqual({ records: expected });
  });

  it('agrees with csv-parse on generated input, however the text is cut into chunks', () => {
    const next = random(20251121);
    const alphabet = ['a', 'ñ', ' ', ',', ';', '"', '"', '""', '\n', '\r', '\r\n', '😀', '1'];
    for (let n = 0; n < 5000; n++) {
      const delimiter = n % 3 === 0 ? ';' : ',';
      const text = Array.from({ length: Math.floor(next() * 24) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
      const cuts = Array.from({ length: Math.floor(next() * 4) }, () => Math.floor(next() * (text.length + 1))).sort((a, b) => a - b);
      expect(ours(text, delimiter, cuts), JSON.stringify({ text, cuts })).toEqual(reference(text, delimiter));
    }
  });

  it('reports an unclosed quote, and a quoted record over the limit as one, even before the text ends', () => {
    expect(ours('a,b\n"open,c\nd,e\n', ',')).toEqual({ code: 'CSV_QUOTE_NOT_CLOSED' });
    const parser = new CsvRecordParser({ delimiter: ',', maxRecordChars: 100 });
    expect(parser.push('a,b\n"open')).toEqual([['a', 'b']]);
    expect(() => parser.push('x'.repeat(200))).toThrow(expect.objectContaining({ code: 'CSV_QUOTE_NOT_CLOSED', line: 2 }));
  });

  it('tells an unquoted line over the limit from an unclosed quote', () => {
    const parser = new CsvRecordParser({ delimiter: ',', maxRecordChars: 100 });
    expect(() => parser.push(`a,b\n${'x'.repeat(200)}`)).toThrow(expect.objectContaining({ code: 'CSV_MAX_RECORD_SIZE', line: 2 }));
  });

  it('stops at a record with more fields, or a field longer, than allowed', () => {
    const wide = new CsvRecordParser({ delimiter: ',', maxRecordChars: 1000, maxColumns: 3 });
    expect(() => wide.push('a,b,c\na,b,c,d\nz\n')).toThrow(expect.objectContaining({ code: 'CSV_MAX_COLUMNS', line: 2, found: 4 }));
    const long = new CsvRecordParser({ delimiter: ',', maxRecordChars: 1000, maxCellChars: 5 });
    expect(() => long.push('h\nabcde\nabcdef\nz\n')).toThrow(expect.objectContaining({ code: 'CSV_MAX_CELL', line: 3, found: 6 }));
  });

  it('says on which line the failing record starts, counting line breaks inside quoted cells', () => {
    // LF line ends: csv-parse counts a CRLF inside a quoted cell as two lines, so with CRLF the line is approximate.
    const error = (() => {
      try {
        ours('h\n"a\nb"\n"c\n', ',');
      } catch (caught) {
        return caught;
      }
      const parser = new CsvRecordParser({ delimiter: ',', maxRecordChars: 1000 });
      parser.push('h\n"a\nb"\n"c\n');
      try {
        parser.end();
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(CsvSyntaxError);
    expect((error as CsvSyntaxError).line).toBe(4);
  });

  it('counts the records it returned', () => {
    const parser = new CsvRecordParser({ delimiter: ',', maxRecordChars: 1000 });
    parser.push('a\n\nb\n"c');
    expect(parser.records).toBe(3);
  });
});
