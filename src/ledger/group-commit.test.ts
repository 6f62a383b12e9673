import { afterEach, describe, expect, it, vi } from 'vitest';
import { createGroupCommitter, GroupCommitClosedError } from './group-commit.ts';

afterEach(() => {
  vi.useRealTimers();
});

/** Resolves once every already-queued microtask has run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('createGroupCommitter', () => {
  it('hands everything submitted within maxDelayMs to one flush, and resolves submitters only after it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const flushed: number[][] = [];
    const committer = createGroupCommitter<number>((items) => void flushed.push(items), { maxDelayMs: 5, maxItems: 100 });
    const resolved: number[] = [];
    const promises = [1, 2, 3].map((n) => committer.submit(n).then(() => resolved.push(n)));

    await vi.advanceTimersByTimeAsync(4);
    expect(flushed).toEqual([]);
    expect(resolved).toEqual([]);

    await vi.advanceTimersByTimeAsync(1);
    await Promise.all(promises);
    expect(flushed).toEqual([[1, 2, 3]]);
    expect(resolved).toEqual([1, 2, 3]);
  });

  it('flushes as soon as maxItems are waiting, without waiting for the timer', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const flushed: string[][] = [];
    const committer = createGroupCommitter<string>((items) => void flushed.push(items), { maxDelayMs: 60_000, maxItems: 2 });
    await Promise.all([committer.submit('a'), committer.submit('b')]);
    expect(flushed).toEqual([['a', 'b']]);

    const c = committer.submit('c');
    let cDone = false;
    void c.then(() => (cDone = true));
    await settle();
    expect(cDone).toBe(false);
    await committer.flush();
    expect(cDone).toBe(true);
    expect(flushed).toEqual([['a', 'b'], ['c']]);
  });

  it('rejects every submitter of a failed flush, and only those', async () => {
    let fail = true;
    const committer = createGroupCommitter<number>(
      () => {
        if (fail) throw new Error('disk full');
      },
      { maxDelayMs: 1, maxItems: 2 },
    );
    const first = [committer.submit(1), committer.submit(2)];
    const outcomes = await Promise.allSettled(first);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);

    fail = false;
    await expect(committer.submit(3)).resolves.toBeUndefined();
  });

  it('flush() rejects with the error of a group it ran', async () => {
    const committer = createGroupCommitter<number>(
      () => {
        throw new Error('boom');
      },
      { maxDelayMs: 60_000, maxItems: 10 },
    );
    const submitted = committer.submit(1);
    await expect(committer.flush()).rejects.toThrow('boom');
    await expect(submitted).rejects.toThrow('boom');
  });

  it('gives each submitter its own result when flush returns one per item', async () => {
    const committer = createGroupCommitter<number, string>((items) => items.map((n) => `#${n}`), { maxDelayMs: 60_000, maxItems: 3 });
    const results = await Promise.all([committer.submit(1), committer.submit(2), committer.submit(3)]);
    expect(results).toEqual(['#1', '#2', '#3']);
  });

  it('rejects a flush that returns the wrong number of results', async () => {
    const committer = createGroupCommitter<number, number>(() => [1], { maxDelayMs: 60_000, maxItems: 2 });
    const outcomes = await Promise.allSettled([committer.submit(1), committer.submit(2)]);
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
  });

  it('never runs two flushes at once, and keeps their order, with an async flush', async () => {
    let running = 0;
    let maxRunning = 0;
    const order: number[] = [];
    const committer = createGroupCommitter<number>(
      async (items) => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await settle();
        order.push(...items);
        running -= 1;
      },
      { maxDelayMs: 0, maxItems: 2 },
    );
    await Promise.all([1, 2, 3, 4, 5, 6, 7].map((n) => committer.submit(n)));
    expect(maxRunning).toBe(1);
    expect(order).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('close() flushes what is waiting and refuses new items', async () => {
    const flushed: number[][] = [];
    const committer = createGroupCommitter<number>((items) => void flushed.push(items), { maxDelayMs: 60_000, maxItems: 10 });
    const waiting = committer.submit(1);
    await committer.close();
    await waiting;
    expect(flushed).toEqual([[1]]);
    await expect(committer.submit(2)).rejects.toBeInstanceOf(GroupCommitClosedError);
  });

  it('refuses nonsensical options', () => {
    expect(() => createGroupCommitter(() => {}, { maxDelayMs: -1, maxItems: 1 })).toThrow(TypeError);
    expect(() => createGroupCommitter(() => {}, { maxDelayMs: 1, maxItems: 0 })).toThrow(TypeError);
  });
});
