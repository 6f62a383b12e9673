// Plain JavaScript (typed by JSDoc, checked by tsc): the CSV parsing thread loads it without a TypeScript loader.
import { isUtf8 } from 'node:buffer';
import { Transform } from 'node:stream';

/**
 * Length of `data` up to the end of its last complete UTF-8 sequence. A chunk boundary may split a character
 * (lead byte 110xxxxx needs 1 continuation byte, 1110xxxx 2, 11110xxx 3); those trailing bytes wait for the
 * next chunk.
 * @param {Uint8Array} data
 * @returns {number}
 */
function completeLength(data) {
  const end = data.length;
  for (let back = 1; back <= 3 && back <= end; back++) {
    const byte = /** @type {number} */ (data[end - back]);
    if ((byte & 0xc0) === 0x80) continue;
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? end - back : end;
  }
  return end;
}

/** Where, within a few bytes, the first invalid sequence of `data` is: the longest valid prefix, by bisection. * @param {Uint8Array} data
 * @returns {number}
 */
function firstInvalid(data) {
  let valid = 0;
  let invalid = data.length;
  while (invalid - valid > 1) {
    const middle = (valid + invalid) >> 1;
    if (isUtf8(data.subarray(0, completeLength(data.subarray(0, middle))))) valid = middle;
    else invalid = middle;
  }
  return valid;
}

/** Bytes that are not UTF-8, at about `offset` bytes into the file. */
export class NotUtf8Error extends Error {
  /** @param {number} offset */
  constructor(offset) {
    super(`not valid UTF-8 at byte ${offset}`);
    /** @readonly */
    this.offset = offset;
  }
}

/**
 * Passes bytes through unchanged, failing with NotUtf8Error at the first invalid UTF-8. The encoding is detected
 * on samples; a file that is ASCII there and Windows-1252 elsewhere would otherwise turn names into U+FFFD
 * without a word.
 */
export class Utf8Guard extends Transform {
  /** @type {Buffer | undefined} */
  #carry;
  #offset = 0;

  /**
   * @override
   * @param {Buffer} chunk
   * @param {BufferEncoding} _encoding
   * @param {import('node:stream').TransformCallback} callback
   */
  _transform(chunk, _encoding, callback) {
    const data = this.#carry ? Buffer.concat([this.#carry, chunk]) : chunk;
    const complete = completeLength(data);
    const body = complete === data.length ? data : data.subarray(0, complete);
    if (!isUtf8(body)) {
      callback(new NotUtf8Error(this.#offset + firstInvalid(body)));
      return;
    }
    this.#carry = complete === data.length ? undefined : Buffer.from(data.subarray(complete));
    this.#offset += complete;
    callback(null, chunk);
  }

  /**
   * @override
   * @param {import('node:stream').TransformCallback} callback
   */
  _flush(callback) {
    callback(this.#carry ? new NotUtf8Error(this.#offset) : null);
  }
}
