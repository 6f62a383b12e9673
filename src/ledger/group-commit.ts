/**
 * Group commit: one durable transaction for many rows. One fsync per row per transition cannot reach the required
 * throughput, so the dispatcher submits each row and waits; the committer flushes every `maxDelayMs` (or as soon as
 * `maxItems` are waiting) in one call, then resolves every submitter of that flush. A submitter must not act (send
 * the request) until its promise resolves: it resolves only after the flush containing its item returned.
 *
 * Flushes never overlap and run in submission order. When `flush` returns an array, it must hold one result per
 * item, in order; each submitter receives its own. When `flush` throws, every submitter of that flush is rejected
 * with the error and nothing of it may be assumed done.
 */
export interface GroupCommitter<T, R = void> {
  /** Resolves after the flush containing the item committed; rejects if that flush threw. */
  submit(item: T): Promise<R>;
  /** Flushes everything submitted so far; rejects with the first flush error. */
  flush(): Promise<void>;
  /** Flushes what is waiting, then refuses new items. */
  close(): Promise<void>;
}

export interface GroupCommitOptions {
  /** Longest an item waits for its flush, from the first item of a group. */
  maxDelayMs: number;
  /** Flush as soon as this many items wait; also the most items handed to one flush. */
  maxItems: number;
}

interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

export class GroupCommitClosedError extends Error {
  override readonly name = 'GroupCommitClosedError';
  readonly code = 'GROUP_COMMIT_CLOSED';
  constructor() {
    super('the group committer is closed');
  }
}

export function createGroupCommitter<T, R = void>(
  flush: (items: T[]) => readonly R[] | void | Promise<readonly R[] | void>,
  options: GroupCommitOptions,
): GroupCommitter<T, R> {
  const { maxDelayMs, maxItems } = options;
  if (!Number.isFinite(maxDelayMs) || maxDelayMs < 0) throw new TypeError(`maxDelayMs must be a number >= 0, got ${maxDelayMs}`);
  if (!Number.isSafeInteger(maxItems) || maxItems < 1) throw new TypeError(`maxItems must be an integer >= 1, got ${maxItems}`);

  let waiting: Waiting<T, R>[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  // Flushes are chained so they never overlap: a later group must not commit before an earlier one.
  let tail: Promise<void> = Promise.resolve();

  const disarm = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };

  const runGroup = async (group: Waiting<T, R>[]): Promise<unknown> => {
    let results: readonly R[] | void;
    try {
      results = await flush(group.map((w) => w.item));
      if (Array.isArray(results) && results.length !== group.length) {
        throw new TypeError(`flush returned ${results.length} results for ${group.length} items`);
      }
    } catch (error) {
      for (const w of group) w.reject(error);
      return error;
    }
    group.forEach((w, i) => w.resolve((results ? results[i] : undefined) as R));
    return undefined;
  };

  /** Queues a flush of everything waiting now; resolves with the first error of the groups it ran, if any. */
  const schedule = (): Promise<unknown> => {
    disarm();
    const run = tail.then(async () => {
      let firstError: unknown;
      while (waiting.length > 0) {
        const group = waiting.slice(0, maxItems);
        waiting = waiting.slice(group.length);
        const error = await runGroup(group);
        if (error !== undefined && firstError === undefined) firstError = error;
      }
      return firstError;
    });
    tail = run.then(() => undefined);
    return run;
  };

  return {
    submit(item: T): Promise<R> {
      if (closed) return Promise.reject(new GroupCommitClosedError());
      return new Promise<R>((resolve, reject) => {
        waiting.push({ item, resolve, reject });
        if (waiting.length >= maxItems) void schedule();
        else if (timer === undefined) timer = setTimeout(() => void schedule(), maxDelayMs);
      });
    },
    async flush(): Promise<void> {
      const error = await schedule();
      if (error !== undefined) throw error;
    },
    async close(): Promise<void> {
      closed = true;
      const error = await schedule();
      if (error !== undefined) throw error;
    },
  };
}
