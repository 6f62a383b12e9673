// Plain JavaScript (typed by JSDoc, checked by tsc): the CSV parsing thread loads it without a TypeScript loader.
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import iconv from 'iconv-lite';
import { Utf8Guard } from './utf8-guard.mjs';

/** @typedef {import('./csv-records.mjs').CsvRecordParser} CsvRecordParser */

/**
 * The records of a CSV file, as `parser` reads them, 64 KB of the file at a time: the file is read, checked as
 * UTF-8 (NotUtf8Error at the first bad byte) or decoded from `encoding` (an iconv-lite codec), and fed to the
 * parser. Errors of the file, the check and the parser (CsvSyntaxError) are thrown from the iteration; `parser`
 * still holds how many records it read before.
 * @param {string} path
 * @param {string | undefined} encoding
 * @param {CsvRecordParser} parser
 * @returns {AsyncGenerator<string[][]>}
 */
export async function* csvFileRecords(path, encoding, parser) {
  const source = createReadStream(path, { highWaterMark: 1 << 16 });
  /** @type {import('node:stream').Transform} */
  const check = encoding ? /** @type {import('node:stream').Transform} */ (/** @type {unknown} */ (iconv.decodeStream(encoding))) : new Utf8Guard();
  // Any stage's error reaches the last one, whose iteration then throws it.
  pipeline(source, check, () => {});
  try {
    for await (const chunk of check) yield parser.push(chunk);
    yield parser.end();
  } finally {
    source.destroy();
  }
}
