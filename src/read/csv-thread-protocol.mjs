// Plain JavaScript (typed by JSDoc, checked by tsc): the CSV parsing thread loads it without a TypeScript loader.
/** What the CSV reader and its parsing thread (csv-parse-thread.ts) say to each other. */

/**
 * @typedef {object} CsvThreadData
 * @property {string} path
 * @property {string} delimiter
 * @property {string} [iconv] iconv-lite codec; absent for UTF-8, which is checked and parsed as bytes.
 * @property {number} maxRecordChars
 * @property {number} maxColumns
 * @property {number} maxCellChars
 * @property {Int32Array} credits Batches the thread may send (thread-credits.mjs): shared with the reader, who adds one per batch it takes.
 */

/**
 * Records packed for the trip between threads: the fields of every record concatenated into one string, with the
 * length of each field and the number of fields of each record. One string and two transferred arrays cost far less
 * to pass than millions of small strings in nested arrays.
 */
/**
 * @typedef {object} PackedRecords
 * @property {string} text
 * @property {Uint32Array} widths
 * @property {Uint32Array} lengths
 */

/**
 * @typedef {({ type: 'records' } & PackedRecords)
 *   | { type: 'end', records: number }
 *   | { type: 'error', kind: 'syntax', code: import('./csv-records.mjs').CsvSyntaxCode, line: number, records: number, found: number }
 *   | { type: 'error', kind: 'utf8', offset: number }
 *   | { type: 'error', kind: 'other', message: string, code?: string }} CsvThreadMessage
 */

/**
 * @param {readonly string[][]} records
 * @returns {PackedRecords}
 */
export function packRecords(records) {
  let fields = 0;
  for (const record of records) fields += record.length;
  const widths = new Uint32Array(records.length);
  const lengths = new Uint32Array(fields);
  /** @type {string[]} */
  const parts = new Array(fields);
  let f = 0;
  for (let r = 0; r < records.length; r++) {
    const record = /** @type {string[]} */ (records[r]);
    widths[r] = record.length;
    for (let i = 0; i < record.length; i++) {
      const field = /** @type {string} */ (record[i]);
      lengths[f] = field.length;
      parts[f++] = field;
    }
  }
  return { text: parts.join(''), widths, lengths };
}

/**
 * Several packs as one, in order.
 * @param {readonly PackedRecords[]} packs
 * @returns {PackedRecords}
 */
export function joinPacked(packs) {
  if (packs.length === 1) return /** @type {PackedRecords} */ (packs[0]);
  let records = 0;
  let fields = 0;
  for (const pack of packs) {
    records += pack.widths.length;
    fields += pack.lengths.length;
  }
  const widths = new Uint32Array(records);
  const lengths = new Uint32Array(fields);
  records = 0;
  fields = 0;
  for (const pack of packs) {
    widths.set(pack.widths, records);
    lengths.set(pack.lengths, fields);
    records += pack.widths.length;
    fields += pack.lengths.length;
  }
  return { text: packs.map((pack) => pack.text).join(''), widths, lengths };
}

/**
 * @param {PackedRecords} packed
 * @returns {string[][]}
 */
export function unpackRecords(packed) {
  const { text, widths, lengths } = packed;
  /** @type {string[][]} */
  const records = new Array(widths.length);
  let at = 0;
  let f = 0;
  for (let r = 0; r < widths.length; r++) {
    const width = /** @type {number} */ (widths[r]);
    /** @type {string[]} */
    const record = new Array(width);
    for (let i = 0; i < width; i++) {
      const length = /** @type {number} */ (lengths[f++]);
      record[i] = text.slice(at, at + length);
      at += length;
    }
    records[r] = record;
  }
  return records;
}
