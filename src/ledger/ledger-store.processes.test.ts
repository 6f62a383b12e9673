import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { requestKey } from '../domain/request-key.ts';
import { batchIdFor } from './batch-identity.ts';
import { collectRows } from './collect-rows.ts';
import { BatchLockedError } from './ledger-error.ts';
import { hashOf, openBatchInput, TEST_SCOPE } from './test-support/fixtures.ts';
import { describeLedgerStores } from './test-support/ledger-stores.ts';

/** The store contract across processes (crash, lock, key ownership), on SQLite and on PostgreSQL. */
const CHILD = fileURLToPath(new URL('./test-support/ledger-child.ts', import.meta.url));

interface Child {
  process: ChildProcess;
  /** Resolves with each stdout line in turn; rejects if the child exits before printing it. */
  nextLine(): Promise<string>;
  /** Every line printed so far. */
  lines: string[];
  exited: Promise<number | null>;
}

const children: Child[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
    await child.exited;
  }
});

function startChild(...args: string[]): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters: { resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  let read = 0;
  let buffer = '';
  let stderr = '';
  let ended = false;
  const deliver = () => {
    while (waiters.length > 0 && read < lines.length) waiters.shift()!.resolve(lines[read++]!);
    if (ended) for (const w of waiters.splice(0)) w.reject(new Error(`child exited before printing a line: ${stderr}`));
  };
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    lines.push(...parts);
    deliver();
  });
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) =>
    proc.on('close', (code) => {
      ended = true;
      deliver();
      resolve(code);
    }),
  );
  const child: Child = {
    process: proc,
    lines,
    exited,
    nextLine: () => new Promise<string>((resolve, reject) => {
      waiters.push({ resolve, reject });
      deliver();
    }),
  };
  children.push(child);
  return child;
}

async function kill(child: Child): Promise<void> {
  child.process.kill('SIGKILL');
  await child.exited;
}

describeLedgerStores('processes', (h) => {
describe('crash safety', () => {
  it('keeps every row the killed process marked sending, with its key, attempt and complete history', async () => {
    const rows = 3000;
    const group = 10;
    const child = startChild('mark-sending', await h.location(), 'crash', String(rows), String(group));
    expect(await child.nextLine()).toBe(`committed ${group}`);
    await kill(child);
    // Everything the child reported committed is what it may already have sent.
    const reported = Math.max(...child.lines.filter((l) => l.startsWith('committed ')).map((l) => Number(l.split(' ')[1])));

    const ledger = await h.open();
    try {
      const batchId = batchIdFor(hashOf('crash'), 'openpay', TEST_SCOPE);
      const sending = (await collectRows(ledger.rowsByStatus(batchId, ['sending'])));
      const queued = (await collectRows(ledger.rowsByStatus(batchId, ['queued'])));
      expect(sending.length + queued.length).toBe(rows);
      expect(sending.length).toBeGreaterThanOrEqual(reported);
      // markSending is one transaction per call: a kill never leaves part of a group.
      expect(sending.length % group).toBe(0);

      for (const row of sending) {
        expect(row).toMatchObject({ attempts: 1, requestKey: requestKey('openpay', row.orderKey!) });
        expect(row.sentAt).toBeInstanceOf(Date);
        expect((await ledger.history(row.id)).map((h) => `${h.from}→${h.to}:${h.cause}@${h.attempt}`)).toEqual([
          'null→queued:planned@0',
          'queued→sending:sent@1',
        ]);
      }
      for (const row of queued) {
        expect(row.attempts).toBe(0);
        expect(await ledger.history(row.id)).toHaveLength(1);
      }

      // The dead run's lock is taken over by the next run on this host.
      const lock = await ledger.acquireBatchLock(batchId);
      expect(lock.tookOverFrom?.pid).toBe(child.process.pid);
    } finally {
      await ledger.close();
    }
  });
});

describe('batch lock across processes', () => {
  it('lets exactly one of several processes starting together take the batch', async () => {
    const location = await h.location();
    const contenders = Array.from({ length: 4 }, () => startChild('try-lock', location, 'contended'));
    const answers = await Promise.all(contenders.map((c) => c.nextLine()));
    const winners = contenders.filter((_, i) => answers[i] === 'locked');
    expect(winners).toHaveLength(1);
    const winnerPid = winners[0]!.process.pid;
    for (const answer of answers.filter((a) => a !== 'locked')) expect(answer).toBe(`refused ${winnerPid}`);
  });

  it('refuses a second run while the first is alive, naming it, and takes over once it is dead', async () => {
    const location = await h.location();
    const holder = startChild('try-lock', location, 'held');
    expect(await holder.nextLine()).toBe('locked');

    const ledger = await h.open();
    try {
      const { batch } = await ledger.openBatch(openBatchInput('held'));
      let refused: unknown;
      try {
        await ledger.acquireBatchLock(batch.id);
      } catch (error) {
        refused = error;
      }
      expect(refused).toBeInstanceOf(BatchLockedError);
      expect((refused as BatchLockedError).owner.pid).toBe(holder.process.pid);

      await kill(holder);
      expect((await ledger.acquireBatchLock(batch.id)).tookOverFrom?.pid).toBe(holder.process.pid);
    } finally {
      await ledger.close();
    }
  });
});

describe('key ownership across processes', () => {
  it('gives each provider + order key to exactly one row when two batches with the same keys are written at once', async () => {
    const keys = 500;
    const location = await h.location();
    const writers = [startChild('insert', location, 'file-one', String(keys), 'shared'), startChild('insert', location, 'file-two', String(keys), 'shared')];
    const results = (await Promise.all(writers.map((w) => w.nextLine()))).map((l) => JSON.parse(l) as { inserted: number; demoted: number });
    expect(results.map((r) => r.inserted)).toEqual([keys, keys]);
    expect(results[0]!.demoted + results[1]!.demoted).toBe(keys);

    const ledger = await h.open();
    try {
      const owners = await ledger.findKeyOwners('simulator', Array.from({ length: keys }, (_, i) => `shared-${i}`));
      expect(owners.size).toBe(keys);
      for (const owner of owners.values()) expect(owner).toMatchObject({ status: 'queued', ownsKey: true });
      const dispatchable = (
        await Promise.all(['file-one', 'file-two'].map(async (name) => (await collectRows(ledger.rowsByStatus(batchIdFor(hashOf(name), 'openpay', TEST_SCOPE), ['queued']))).length))
      ).reduce((a, b) => a + b, 0);
      expect(dispatchable).toBe(keys);
    } finally {
      await ledger.close();
    }
  });
});
});
