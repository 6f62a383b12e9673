import { Parser } from 'csv-parse';
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

interface Outcome {
  records: string[][];
  error?: { code: string; line: number; found: number; records: number };
}

interface Limits {
  maxRecordChars: number;
  maxColumns?: number;
  maxCellChars?: number;
}

interface Engine {
  parse(buffer: Buffer | undefined, end: boolean, push: (record: string[]) => void, close: () => void): { code: string } | undefined;
  info: { lines: number };
  state: { quoting: boolean };
}

/**
 * csv-parse alone, streaming, with the limits checked on each record as it comes: how the reader read every line
 * before plain lines were split without csv-parse, and the oracle the split must agree with, errors and lines too.
 */
function csvParseAlone(chunks: readonly Buffer[], delimiter: string, limits: Limits): Outcome {
  const options = {
    delimiter,
    quote: '"',
    escape: '"',
    bom: true,
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: false,
    record_delimiter: ['\r\n', '\n', '\r'],
    max_record_size: limits.maxRecordChars,
  };
  const engine = (new Parser(options) as unknown as { api: Engine }).api;
  const records: string[][] = [];
  let line = 1;
  let failed: Outcome['error'];
  const collect = (record: string[]) => {
    if (failed) return;
    if (record.length > (limits.maxColumns ?? Infinity)) failed = { code: 'CSV_MAX_COLUMNS', line, found: record.length, records: records.length };
    const long = record.find((cell) => cell.length > (limits.maxCellChars ?? Infinity));
    if (!failed && long !== undefined) failed = { code: 'CSV_MAX_CELL', line, found: long.length, records: records.length };
    if (failed) return;
    records.push(record);
    line = engine.info.lines + 1;
  };
  for (let i = 0; i <= chunks.length; i++) {
    const error = engine.parse(chunks[i], i === chunks.length, collect, () => {});
    if (failed) return { records, error: failed };
    if (error) {
      const code = error.code === 'CSV_MAX_RECORD_SIZE' && engine.state.quoting ? 'CSV_QUOTE_NOT_CLOSED' : error.code;
      return { records, error: { code, line, found: 0, records: records.length } };
    }
  }
  return { records };
}

/** The reader's parser over the same chunks. */
function reader(chunks: readonly Buffer[], delimiter: string, limits: Limits): Outcome {
  const parser = new CsvRecordParser({ delimiter, ...limits });
  const records: string[][] = [];
  try {
    for (const chunk of chunks) records.push(...parser.push(chunk));
    records.push(...parser.end());
    return { records };
  } catch (error) {
    if (!(error instanceof CsvSyntaxError)) throw error;
    // The records of the push that failed are not returned, but counted (the failing row is told by the count).
    return { records, error: { code: error.code, line: error.line, found: error.found, records: parser.records } };
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

  it('refuses a line of more empty fields than any limit before it ends, not after growing it all', () => {
    const parser = new CsvRecordParser({ delimiter: ',', maxRecordChars: 1 << 20, maxColumns: 16_384 });
    expect(parser.push('head\n')).toEqual([['head']]);
    const commas = ','.repeat(1 << 16);
    expect(() => {
      for (let i = 0; i < 64; i++) parser.push(commas);
    }).toThrow(expect.objectContaining({ code: 'CSV_MAX_COLUMNS', line: 2 }));
  });

  it('counts the records it returned', () => {
    const parser = new CsvRecordParser({ delimiter: ',', maxRecordChars: 1000 });
    parser.push('a\n\nb\n"c');
    expect(parser.records).toBe(3);
  });

  it('agrees with csv-parse on generated payout files, plain lines and every edge among them, cut into chunks anywhere', () => {
    const next = random(20261207);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
    const names = ['Ana', 'José Pérez', 'Zoë 😀 Ñandú', "O'Brien", ''];
    // Fields as files have them: plain, wholly quoted (a delimiter inside, or empty), and the ones only csv-parse
    // reads (a quote inside unquoted text, a doubled quote, text after the closing quote, a quoted line break, …).
    const plainField = (d: string) => pick([pick(names), String(Math.floor(next() * 1e6)), `"${pick(names)}"`, `"1${d}234.50"`, '""', '  ', `"${pick(names)} "`]);
    const hardField = (d: string) =>
      pick(['Juan "Chato" Pérez', '"say ""hi"""', '"ab"cd', '"l1\nl2"', '"l1\r\nl2"', 'a"', '"', '"open', `"x${d}`, '"a"\r', '"\r"', 'x\ry', '"a" ', '""""']);
    const ends = ['\n', '\n', '\n', '\r\n', '\r\n', '\r'];
    for (let n = 0; n < 400; n++) {
      const d = pick([',', ',', ';', '\t', '|']);
      const hardness = pick([0, 0, 0.002, 0.02, 0.2]);
      const lineEnd = pick([...ends, 'mixed']);
      const lines: string[] = [];
      const count = 1 + Math.floor(next() * 300);
      for (let l = 0; l < count; l++) {
        const fields = next() < 0.03 ? [''] : Array.from({ length: 1 + Math.floor(next() * 8) }, () => (next() < hardness ? hardField(d) : plainField(d)));
        lines.push(fields.join(d) + (lineEnd === 'mixed' ? pick(ends) : lineEnd));
      }
      let text = (next() < 0.3 ? '\uFEFF' : '') + lines.join('');
      if (next() < 0.4) text = text.replace(/(\r\n|\r|\n)$/, '');
      const bytes = Buffer.from(text, 'utf8');
      // Cut anywhere, through a UTF-8 sequence or a \r\n too; sometimes into many small pieces.
      const pieces = next() < 0.2 ? 1 + Math.floor(next() * 200) : Math.floor(next() * 6);
      const cuts = Array.from({ length: pieces }, () => Math.floor(next() * (bytes.length + 1))).sort((a, b) => a - b);
      const chunks = [...cuts, bytes.length].map((cut, i, all) => bytes.subarray(i === 0 ? 0 : all[i - 1]!, cut));
      const limits = pick<Limits>([{ maxRecordChars: 1 << 20 }, { maxRecordChars: 1 << 20, maxColumns: 7, maxCellChars: 12 }, { maxRecordChars: 30 + Math.floor(next() * 120) }]);
      const ours = reader(chunks, d, limits);
      const theirs = csvParseAlone(chunks, d, limits);
      const where = JSON.stringify({ n, text: text.slice(0, 3000), cuts, limits });
      expect(ours.error, where).toEqual(theirs.error);
      expect(ours.records, where).toEqual(ours.error ? theirs.records.slice(0, ours.records.length) : theirs.records);
    }
  });

  it('hands a long quoted cell of line breaks to csv-parse and takes the plain lines after it back', () => {
    const text = `h,a\n"${'x\n'.repeat(50_000)}",1\n${'p,"2"\n'.repeat(1000)}`;
    const bytes = Buffer.from(text);
    const chunks = Array.from({ length: Math.ceil(bytes.length / 65536) }, (_, i) => bytes.subarray(i * 65536, (i + 1) * 65536));
    const outcome = reader(chunks, ',', { maxRecordChars: 1 << 20 });
    expect(outcome).toEqual(csvParseAlone(chunks, ',', { maxRecordChars: 1 << 20 }));
    expect(outcome.records).toHaveLength(1002);
  });
});
