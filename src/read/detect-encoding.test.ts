import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { detectEncoding, encodingNamed } from './detect-encoding.ts';

const NAME = 'orden;titular;monto\r\nA-1;José Peña Núñez;1.250,00\r\nA-2;Ñandú Güemes;3,00\r\n';

function nameOf(bytes: Uint8Array, pieces: Uint8Array[] = []): string {
  const guess = detectEncoding(bytes, pieces);
  if ('binary' in guess) return 'binary';
  return guess.text.name;
}

describe('detectEncoding', () => {
  it('reads the BOM first', () => {
    expect(nameOf(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(NAME)]))).toBe('utf-8-bom');
    expect(nameOf(Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(NAME, 'utf-16le')]))).toBe('utf-16le');
    expect(nameOf(Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(NAME, 'utf-16be')]))).toBe('utf-16be');
  });

  it('tells UTF-16 without a BOM by where its zero bytes fall', () => {
    expect(nameOf(iconv.encode(NAME, 'utf-16le'))).toBe('utf-16le');
    expect(nameOf(iconv.encode(NAME, 'utf-16be'))).toBe('utf-16be');
  });

  it('takes valid UTF-8 (and plain ASCII) as UTF-8', () => {
    expect(nameOf(Buffer.from(NAME))).toBe('utf-8');
    expect(nameOf(Buffer.from('order_id,amount\n1,2\n'))).toBe('utf-8');
  });

  it('does not trip over a character cut at the end of the sample', () => {
    const bytes = Buffer.from(`${NAME}José`);
    expect(nameOf(bytes.subarray(0, bytes.length - 1))).toBe('utf-8');
  });

  it('takes Spanish in a single-byte code page as Windows-1252', () => {
    expect(nameOf(iconv.encode(NAME, 'windows-1252'))).toBe('windows-1252');
    expect(nameOf(iconv.encode('a;b\r\nJosé;1\r\n', 'latin1'))).toBe('windows-1252');
  });

  it("recognises Excel's CSV (MS-DOS), code page 850", () => {
    expect(nameOf(iconv.encode(NAME, 'cp850'))).toBe('ibm850');
  });

  it('lets chardet name a non-Latin code page', () => {
    const cyrillic = 'номер;получатель;сумма\r\n1;Иванов Иван Петрович;100,00\r\n2;Смирнова Анна Сергеевна;250,50\r\n';
    expect(nameOf(iconv.encode(cyrillic, 'windows-1251'))).toBe('windows-1251');
  });

  it('looks past an ASCII beginning at pieces from further in', () => {
    const head = Buffer.from('order_id,name\n1,Ana\n');
    expect(nameOf(head, [iconv.encode('2,José Peña\n', 'windows-1252')])).toBe('windows-1252');
    expect(nameOf(head, [Buffer.from('2,José Peña\n')])).toBe('utf-8');
  });

  it('does not fail a piece cut in the middle of a character', () => {
    const piece = Buffer.from('ñandú,José\n').subarray(1);
    expect(nameOf(Buffer.from('a,b\n'), [piece])).toBe('utf-8');
  });

  it('takes a file that is UTF-8 in one place and not in another as UTF-8, for the guard to refuse at the bad line', () => {
    const utf8 = Buffer.from('order_id,name\n1,José Peña\n');
    const latin1 = iconv.encode('2,Núñez\n', 'latin1');
    expect(nameOf(Buffer.concat([utf8, latin1]))).toBe('utf-8');
    expect(nameOf(utf8, [latin1])).toBe('utf-8');
    expect(nameOf(latin1, [utf8])).toBe('utf-8');
  });

  it('names the encoding --encoding asks for, and refuses one it cannot read', () => {
    expect(encodingNamed('UTF-8')).toEqual({ name: 'utf-8' });
    expect(encodingNamed('windows-1252')).toEqual({ name: 'windows-1252', iconv: 'windows-1252' });
    expect(encodingNamed('latin1')).toEqual({ name: 'latin1', iconv: 'latin1' });
    expect(encodingNamed('utf-16le')).toEqual({ name: 'utf-16le', iconv: 'utf-16le' });
    expect(() => encodingNamed('klingon')).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });

  it('calls bytes with NULs or many control characters binary', () => {
    const junk = Buffer.alloc(2048);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 7919) % 256;
    expect(nameOf(junk)).toBe('binary');
    expect(nameOf(Buffer.from([0x01, 0x02, 0x03, 0x41, 0x04, 0x05, 0x06, 0x42, 0x07, 0x08]))).toBe('binary');
  });

  it('lets a DOS end-of-file mark and tabs pass as text', () => {
    expect(nameOf(Buffer.from('a\tb\r\n1\t2\r\n\x1a'))).toBe('utf-8');
  });
});
