// The CSV parsing thread. Plain JavaScript (typed by JSDoc, checked by tsc), so the thread starts without a
// TypeScript loader: it reads the file, checks or decodes it, parses it with csv-parse and sends the records to the
// reader (read-csv.ts) in packed batches. Parsing here while the main thread validates uses the second core; the
// batches it may send ahead are bounded by credits the reader grants, so memory stays flat.
import { parentPort, workerData } from 'node:worker_threads';
import { csvFileRecords } from './csv-file-records.mjs';
import { CsvRecordParser, CsvSyntaxError } from './csv-records.mjs';
import { joinPacked, packRecords } from './csv-thread-protocol.mjs';
import { takeCredit } from './thread-credits.mjs';
import { NotUtf8Error } from './utf8-guard.mjs';

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

/**
 * Records gathered before they are sent: about three 64 KB chunks of a payout file. Each batch is a credit to wait
 * for, a message and a wake-up of the other thread; on a busy machine a wake-up costs the waker its turn on the CPU.
 * Each chunk's records are packed at once, so they die young; the packs are joined when the batch is sent.
 */
const BATCH_RECORDS = 2048;
/** @type {import('./csv-thread-protocol.mjs').PackedRecords[]} */
let gathered = [];
let gatheredRecords = 0;

/**
 * @param {string[][]} records
 * @param {boolean} [last] the end of the text, or an error: send whatever was gathered
 */
async function flush(records, last = false) {
  if (records.length > 0) {
    gathered.push(packRecords(records));
    gatheredRecords += records.length;
  }
  if (gatheredRecords === 0 || (!last && gatheredRecords < BATCH_RECORDS)) return;
  const packed = joinPacked(gathered);
  gathered = [];
  gatheredRecords = 0;
  await takeCredit(data.credits);
  send({ type: 'records', ...packed }, [/** @type {ArrayBuffer} */ (packed.widths.buffer), /** @type {ArrayBuffer} */ (packed.lengths.buffer)]);
}

try {
  for await (const records of csvFileRecords(data.path, data.iconv, parser)) await flush(records);
  await flush([], true);
  send({ type: 'end', records: parser.records });
} catch (error) {
  // The rows before the one that failed are read first, as they would have been without the gathering.
  await flush([], true);
  if (error instanceof CsvSyntaxError) send({ type: 'error', kind: 'syntax', code: error.code, line: error.line, records: parser.records, found: error.found });
  else if (error instanceof NotUtf8Error) send({ type: 'error', kind: 'utf8', offset: error.offset });
  else {
    const code = /** @type {NodeJS.ErrnoException | undefined} */ (error)?.code;
    send({ type: 'error', kind: 'other', message: error instanceof Error ? error.message : String(error), ...(typeof code === 'string' ? { code } : {}) });
  }
}
