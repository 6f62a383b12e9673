import type { Worker } from 'node:worker_threads';
import { grantCredit } from './thread-credits.mjs';

/**
 * The batches a parsing thread (csv-parse-worker.mjs, xlsx-parse-worker.mjs) sends, in order. `open` turns one
 * message into a batch, or undefined at the end, and throws for an error message; each batch taken grants the
 * thread one more credit (in `credits`, the counter it was started with), so it never runs more than its credits
 * ahead of the reader.
 */
export async function* threadBatches<M, T>(worker: Worker, credits: Int32Array, open: (message: M) => T | undefined): AsyncGenerator<T> {
  const inbox: M[] = [];
  let wake: (() => void) | undefined;
  let crashed: Error | undefined;
  const onMessage = (message: M) => {
    inbox.push(message);
    wake?.();
  };
  const onError = (error: Error) => {
    crashed = error;
    wake?.();
  };
  worker.on('message', onMessage);
  worker.on('error', onError);
  try {
    for (;;) {
      while (inbox.length === 0 && !crashed) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      if (inbox.length === 0) throw crashed;
      const batch = open(inbox.shift()!);
      if (batch === undefined) return;
      grantCredit(credits);
      yield batch;
    }
  } finally {
    worker.off('message', onMessage);
    worker.off('error', onError);
  }
}
