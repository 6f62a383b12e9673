// Preloaded (node --import) by test/issues/sigterm-during-startup.test.ts: writes one byte to fd 3 when the program
// adds its first SIGTERM listener, so the test's delays count from the moment the program itself starts running.
// It installs no listener of its own: a program that listened late would still be killed by the default action.
import { writeSync } from 'node:fs';

/** @typedef {(event: string | symbol, listener: (...args: unknown[]) => void) => unknown} AddListener */
const methods = /** @type {Record<string, AddListener>} */ (/** @type {unknown} */ (process));
let told = false;
for (const method of ['on', 'addListener', 'prependListener', 'once']) {
  const original = /** @type {AddListener} */ (methods[method]).bind(process);
  methods[method] = (event, listener) => {
    // The listener first, then the word: told before it was in place, a loaded machine could deliver the signal in
    // between and the default action would end the process (a test race, not the program's).
    const result = original(event, listener);
    if (event === 'SIGTERM' && !told) {
      told = true;
      try {
        writeSync(3, 'R');
      } catch {
        // fd 3 not open: nobody is timing this process.
      }
    }
    return result;
  };
}
