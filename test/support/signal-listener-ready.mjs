// Preloaded (node --import) by test/issues/sigterm-during-startup.test.ts: writes one byte to fd 3 when the program
// adds its first SIGTERM listener, so the test's delays count from the moment the program itself starts running.
// It installs no listener of its own: a program that listened late would still be killed by the default action.
import { writeSync } from 'node:fs';

let told = false;
for (const method of ['on', 'addListener', 'prependListener', 'once']) {
  const original = process[method].bind(process);
  process[method] = (event, listener) => {
    if (event === 'SIGTERM' && !told) {
      told = true;
      try {
        writeSync(3, 'R');
      } catch {
        // fd 3 not open: nobody is timing this process.
      }
    }
    return original(event, listener);
  };
}
