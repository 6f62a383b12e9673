// Plain JavaScript (typed by JSDoc, checked by tsc): the CSV parsing thread loads it without a TypeScript loader.
/**
 * The credits a parsing thread spends to send a batch, as one counter in shared memory: the reader grants one per
 * batch it takes with an atomic add, where a message per batch would be a postMessage on the main thread (which,
 * on a busy machine, waits on the thread's queue lock) and a message event on the parsing thread.
 */

/**
 * Atomics.waitAsync (Node 16+; typed in lib es2024, past this project's ES2022).
 * @type {{ waitAsync(array: Int32Array, index: number, value: number): { async: false, value: string } | { async: true, value: Promise<string> } }}
 */
const atomics = /** @type {never} */ (/** @type {unknown} */ (Atomics));

/**
 * @param {number} initial Batches the thread may send before the reader takes any.
 * @returns {Int32Array}
 */
export function creditCounter(initial) {
  if (!Number.isSafeInteger(initial) || initial < 1) throw new RangeError(`initial credits must be a positive integer, got ${initial}`);
  // [0] the credits, [1] 1 while the thread waits for one: the reader notifies only then (a notify takes a lock);
  // [2] how many credits a waiting thread is woken with (below).
  const counter = new Int32Array(new SharedArrayBuffer(12));
  counter[0] = initial;
  counter[2] = Math.ceil(initial / 2);
  return counter;
}

/**
 * The reader's side: one more batch may be sent. A waiting thread is woken once half its credits are back, not at
 * each one: every wake-up is a trip through the scheduler, which on a busy machine costs more than the batch. It
 * cannot wait for ever: while it has fewer credits than that, more than half of its batches are still on their way
 * to the reader, whose taking them grants the rest.
 * @param {Int32Array} counter
 */
export function grantCredit(counter) {
  const credits = Atomics.add(counter, 0, 1) + 1;
  if (Atomics.load(counter, 1) === 1 && credits >= Atomics.load(counter, 2)) Atomics.notify(counter, 0);
}

/**
 * The thread's side: waits for a credit and spends it. Atomics.waitAsync keeps no thread alive by itself; the thread
 * stays up through its open port (a listener on parentPort).
 * @param {Int32Array} counter
 * @returns {Promise<void>}
 */
export async function takeCredit(counter) {
  for (;;) {
    const available = Atomics.load(counter, 0);
    if (available > 0) {
      if (Atomics.compareExchange(counter, 0, available, available - 1) === available) return;
      continue;
    }
    // Flagged before the wait: a credit added after the flag is seen either by the wait (the value changed) or by
    // the reader, who then notifies.
    Atomics.store(counter, 1, 1);
    const waited = atomics.waitAsync(counter, 0, available);
    if (waited.async) await waited.value;
    Atomics.store(counter, 1, 0);
  }
}
