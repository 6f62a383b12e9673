import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { creditCounter, grantCredit, takeCredit } from './thread-credits.mjs';

describe('thread credits', () => {
  it('spends the initial credits, then waits for a grant', async () => {
    const counter = creditCounter(2);
    await takeCredit(counter);
    await takeCredit(counter);
    let taken = false;
    const third = takeCredit(counter).then(() => (taken = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(taken).toBe(false);
    grantCredit(counter);
    await third;
    expect(taken).toBe(true);
    expect(counter[0]).toBe(0);
  });

  it('never lets a thread send more than its credits ahead of the reader', async () => {
    const counter = creditCounter(3);
    const sent = new Int32Array(new SharedArrayBuffer(4));
    const url = new URL('./thread-credits.mjs', import.meta.url).href;
    const worker = new Worker(
      `import { parentPort, workerData } from 'node:worker_threads';
       const { takeCredit } = await import(${JSON.stringify(url)});
       parentPort.on('message', () => {});
       for (let i = 0; i < 2000; i++) { await takeCredit(workerData.counter); Atomics.add(workerData.sent, 0, 1); parentPort.postMessage(i); }`,
      { eval: true, workerData: { counter, sent } },
    );
    let taken = 0;
    let mostAhead = 0;
    await new Promise<void>((resolve, reject) => {
      worker.on('error', reject);
      worker.on('message', () => {
        mostAhead = Math.max(mostAhead, Atomics.load(sent, 0) - taken);
        taken++;
        grantCredit(counter);
        if (taken === 2000) resolve();
      });
    });
    await worker.terminate();
    expect(taken).toBe(2000);
    expect(mostAhead).toBeLessThanOrEqual(3);
  });
});
