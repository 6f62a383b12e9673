import { Transform, type TransformCallback } from 'node:stream';
import { ReadLimitError, type ReadLimits } from './read-limits.ts';

/**
 * The most bytes one character of cell text can take in XML: a numeric reference such as `&#x10FFFF;` (10 bytes).
 * A run of bytes with no `<` in it is one text node (markup cannot contain a raw `<`), so a run longer than this
 * many times the cell limit is a cell too long whatever its escaping.
 */
const MAX_BYTES_PER_CHAR = 10;
/** A run also holds the tag before the text (`t xml:space="preserve">`). */
const TAG_SLACK = 1024;

export interface XmlGuardOptions {
  /** Who holds the part, for messages: `sheet "Pagos"`, `the workbook`. */
  what: string;
  limits: Pick<ReadLimits, 'maxCellChars' | 'maxSharedStrings' | 'maxSharedStringsBytes'>;
  /** The shared-strings part: count its `<si>` entries and their bytes. */
  sharedStrings?: boolean;
}

/**
 * Passes a workbook part's XML through unchanged, refusing it before exceljs holds it in memory: a text node longer
 * than any cell may be, and for the shared strings more entries (`<si>`) or more bytes than allowed. The `uniqueCount`
 * the part declares is checked at its start, so a bomb is named by its own count.
 */
export class XmlGuard extends Transform {
  private run = 0;
  private entries = 0;
  private bytes = 0;
  private headChecked = false;
  private head = '';

  constructor(private readonly options: XmlGuardOptions) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.check(chunk);
    } catch (error) {
      callback(error as Error);
      return;
    }
    callback(null, chunk);
  }

  private check(chunk: Buffer): void {
    const { limits, sharedStrings, what } = this.options;
    const maxRun = limits.maxCellChars * MAX_BYTES_PER_CHAR + TAG_SLACK;
    if (sharedStrings) {
      this.bytes += chunk.length;
      if (!this.headChecked) this.checkDeclaredCount(chunk);
      if (this.bytes > limits.maxSharedStringsBytes) {
        throw new ReadLimitError(`${what} has more than ${limits.maxSharedStringsBytes} bytes of shared strings`, { limit: 'maxSharedStringsBytes', max: limits.maxSharedStringsBytes, found: this.bytes });
      }
    }
    let from = 0;
    for (let at = chunk.indexOf(0x3c); at !== -1; at = chunk.indexOf(0x3c, at + 1)) {
      this.run += at - from;
      this.checkRun(maxRun);
      this.run = 0;
      if (sharedStrings) this.countEntry(chunk, at);
      from = at + 1;
    }
    this.run += chunk.length - from;
    this.checkRun(maxRun);
  }

  private checkRun(maxRun: number): void {
    const run = this.run;
    if (run > maxRun) {
      throw new ReadLimitError(`${this.options.what} has a cell longer than ${this.options.limits.maxCellChars} characters (a text of more than ${maxRun} bytes)`, {
        limit: 'maxCellChars',
        max: this.options.limits.maxCellChars,
        found: run,
      });
    }
  }

  /** `<si>` or `<si …>` at `at` (the `<`). */
  private countEntry(chunk: Buffer, at: number): void {
    const after = (i: number) => chunk[at + i];
    if (after(1) === 0x73 && after(2) === 0x69 && (after(3) === 0x3e || after(3) === 0x20 || after(3) === 0x2f || after(3) === undefined)) {
      // One whose "si" is cut off by the chunk's end is missed (at most one in 64 KB): the count is a bound.
      this.entries++;
      const max = this.options.limits.maxSharedStrings;
      if (this.entries > max) {
        throw new ReadLimitError(`${this.options.what} has more than ${max} shared strings`, { limit: 'maxSharedStrings', max, found: this.entries });
      }
    }
  }

  /** `<sst … uniqueCount="N">` declares the entries; a count past the limit is refused before any is read. */
  private checkDeclaredCount(chunk: Buffer): void {
    this.head += chunk.toString('latin1', 0, Math.min(chunk.length, 4096));
    const sst = /<(?:\w+:)?sst\b[^>]*>/.exec(this.head);
    if (!sst && this.head.length < 4096) return;
    this.headChecked = true;
    const declared = sst ? /\buniqueCount\s*=\s*["'](\d+)["']/.exec(sst[0]) ?? /\bcount\s*=\s*["'](\d+)["']/.exec(sst[0]) : null;
    const count = declared ? Number(declared[1]) : 0;
    const max = this.options.limits.maxSharedStrings;
    if (count > max) throw new ReadLimitError(`${this.options.what} has ${count} shared strings`, { limit: 'maxSharedStrings', max, found: count });
    this.head = '';
  }
}
