// The CSV parsing thread. Plain JavaScript (typed by JSDoc, checked by tsc), so the thread starts without a
// TypeScript loader: it reads the file, checks or decodes it, parses it with csv-parse and sends the records to the
// reader (read-csv.ts) in packed batches. Parsing here while the main thread validates uses the second core; the
// batches it may send ahead are bounded by credits the reader grants, so memory stays flat.
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import iconv from 'iconv-lite';
import { CsvRecordParser, CsvSyntaxError } from './csv-records.mjs';
import { packRecords } from './csv-thread-protocol.mjs';
import { takeCredit } from './thread-credits.mjs';
import { NotUtf8Error, Utf8Guard } from './utf8-guard.mjs';

/** @typedef {import('./csv-thread-protocol.mjs').CsvThreadData} CsvThreadData */
/** @typedef {import('./csv-thread-protocol.mjs').CsvThreadMessage} CsvThreadMessage */

const data = /** @type {CsvThreadData} */ (workerData);
const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
// The reader says nothing by message; the listener keeps the thread alive while it waits for a credit.
port.on('message', () => {});

/**
 * @param {CsvThreadMessage} message
 * @param {ArrayBuffer[]} [transfer]
 */
const send = (message, transfer = []) => port.postMessage(message, transfer);

const parser = new CsvRecordParser({ delimiter: data.delimiter, maxRecordChars: data.maxRecordChars, maxColumns: data.maxColumns, maxCellChars: data.maxCellChars });
const source = createReadStream(data.path, { highWaterMark: 1 << 16 });
/** @type {import('node:stream').Transform} */
const check = data.iconv ? /** @type {import('node:stream').Transform} */ (/** @type {unknown} */ (iconv.decodeStream(data.iconv))) : new Utf8Guard();
// Any stage's error reaches the last one, whose iteration then throws it.
pipeline(source, check, () => {});

/** @param {string[][]} records */
async function flush(records) {
  if (records.length === 0) return;
  await takeCredit(data.credits);
  const packed = packRecords(records);
  send({ type: 'records', ...packed }, [/** @type {ArrayBuffer} */ (packed.widths.buffer), /** @type {ArrayBuffer} */ (packed.lengths.buffer)]);
}

try {
  for await (const chunk of check) await flush(parser.push(chunk));
  await flush(parser.end());
  send({ type: 'end', records: parser.records });
} catch (error) {
  source.destroy();
  if (error instanceof CsvSyntaxError) send({ type: 'error', kind: 'syntax', code: error.code, line: error.line, records: parser.records, found: error.found });
  else if (error instanceof NotUtf8Error) send({ type: 'error', kind: 'utf8', offset: error.offset });
  else {
    const code = /** @type {NodeJS.ErrnoException | undefined} */ (error)?.code;
    send({ type: 'error', kind: 'other', message: error instanceof Error ? error.message : String(error), ...(typeof code === 'string' ? { code } : {}) });
  }
}
