// Plain JavaScript (typed by JSDoc, checked by tsc): the CSV parsing thread loads it without a TypeScript loader.
/**
 * The quick split of a CSV reader: lines cut at "\n" and fields at the delimiter by indexOf, for the lines whose
 * reading leaves nothing to decide. csv-parse reads such a line exactly the same way, a byte at a time, and that is
 * most of the time validate spends on a payout file; every other line is left to csv-parse (csv-records.mjs).
 *
 * A line is plain when it ends in "\n" or "\r\n" (or at the end of the text) and every field is either
 * - free of quotes, or
 * - wholly quoted: `"` first, the closing `"` the next quote, followed by the delimiter or the end of the line (the
 *   delimiter may be inside; a doubled quote, a line break, text after the closing quote may not);
 * and it holds no other "\r" and is no longer than the caller allows (csv-parse's max_record_size, counted as it
 * counts it, can then never be reached). Everything else — a quote inside an unquoted field, `""`, a quoted line
 * break, an old Mac "\r" line end — stops the split at the start of that line.
 */

const QUOTE = 34;

/**
 * Splits the plain lines at the start of `text` into records (appended to `records`).
 * @param {string} text Whole lines; the last may lack its line break only at the end of the file.
 * @param {string} delimiter One character, neither a quote nor a line break.
 * @param {number} maxLineChars Longest line (in UTF-16 units, without its line break) the split may take.
 * @param {string[][]} records
 * @returns {number} Where it stopped: `text.length`, or the start of the first line it leaves to csv-parse.
 */
export function splitPlainLines(text, delimiter, maxLineChars, records) {
  const end = text.length;
  // The next quote, "\r" and delimiter at or after where the search is: each is searched for again only once
  // passed, so a line costs its own length whatever the lines around it hold.
  let quote = -1;
  let cr = -1;
  let comma = -1;
  let at = 0;
  while (at < end) {
    const lf = text.indexOf('\n', at);
    const lineEnd = lf === -1 ? end : lf;
    let contentEnd = lineEnd;
    if (cr < at) {
      cr = text.indexOf('\r', at);
      if (cr === -1) cr = end;
    }
    if (cr < lineEnd) {
      // Only the "\r" of a "\r\n" line end.
      if (lf === -1 || cr !== lineEnd - 1) return at;
      contentEnd = cr;
    }
    if (contentEnd - at > maxLineChars) return at;
    if (quote < at) {
      quote = text.indexOf('"', at);
      if (quote === -1) quote = end;
    }
    /** @type {string[]} */
    const record = [];
    let start = at;
    for (;;) {
      if (start < contentEnd && text.charCodeAt(start) === QUOTE) {
        const close = text.indexOf('"', start + 1);
        if (close === -1 || close >= contentEnd) return at;
        const after = close + 1;
        if (after !== contentEnd && text[after] !== delimiter) return at;
        record.push(text.slice(start + 1, close));
        quote = -1;
        if (after === contentEnd) break;
        start = after + 1;
        continue;
      }
      if (comma < start) {
        comma = text.indexOf(delimiter, start);
        if (comma === -1) comma = end;
      }
      const fieldEnd = comma < contentEnd ? comma : contentEnd;
      if (quote < start) {
        quote = text.indexOf('"', start);
        if (quote === -1) quote = end;
      }
      if (quote < fieldEnd) return at;
      record.push(text.slice(start, fieldEnd));
      if (fieldEnd === contentEnd) break;
      start = fieldEnd + 1;
    }
    records.push(record);
    at = lineEnd + 1;
  }
  return end;
}

/**
 * Whether every whole line of `text` is plain: how the head of a file is judged.
 * @param {string} text
 * @param {string} delimiter
 * @returns {boolean}
 */
export function plainLines(text, delimiter) {
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\r' || delimiter === '\n') return false;
  // Up to the last line break of either kind: a file of old Mac "\r" line ends is not plain.
  const whole = text.slice(0, Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r')) + 1);
  return splitPlainLines(whole, delimiter, Infinity, []) === whole.length;
}
