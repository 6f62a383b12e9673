import { chmodSync, existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LedgerError } from '../ledger-error.ts';
import { zeroLeafPage } from '../test-support/damage-ledger.ts';
import { openBatchInput, queuedRow, tempLedger } from '../test-support/fixtures.ts';
import { openSqliteLedger } from './open-sqlite-ledger.ts';

let tmp: ReturnType<typeof tempLedger>;
beforeEach(() => {
  tmp = tempLedger();
});
afterEach(() => tmp.cleanup());

function codeOf(open: () => unknown): string | undefined {
  try {
    (open() as { close(): Promise<void> }).close().catch(() => {});
    return undefined;
  } catch (error) {
    return error instanceof LedgerError ? error.code : `not a LedgerError: ${String(error)}`;
  }
}

describe('openSqliteLedger checks the file', () => {
  it('create: false refuses a missing file without creating it or its folder', () => {
    expect(codeOf(() => openSqliteLedger(tmp.path, { create: false }))).toBe('LEDGER_MISSING');
    expect(existsSync(tmp.path)).toBe(false);
  });

  it('create: false opens an existing ledger', async () => {
    await openSqliteLedger(tmp.path).close();
    expect(codeOf(() => openSqliteLedger(tmp.path, { create: false }))).toBeUndefined();
  });

  it('refuses a ledger with a damaged page (quick_check), and leaves the file as it was', async () => {
    const ledger = openSqliteLedger(tmp.path);
    const { batch } = await ledger.openBatch(openBatchInput('damaged'));
    await ledger.insertRows(batch.id, Array.from({ length: 600 }, (_, i) => queuedRow(i + 2, `OP-DMG-${i}`)));
    await ledger.close();
    zeroLeafPage(tmp.path);
    expect(codeOf(() => openSqliteLedger(tmp.path))).toBe('LEDGER_CORRUPT');
    // Still damaged on a second open: nothing repaired or recreated it.
    expect(codeOf(() => openSqliteLedger(tmp.path, { create: false }))).toBe('LEDGER_CORRUPT');
  });

  it('refuses a file that is not a SQLite database', async () => {
    await openSqliteLedger(tmp.path).close();
    writeFileSync(tmp.path, Buffer.alloc(8192, 0x41));
    expect(codeOf(() => openSqliteLedger(tmp.path))).toBe('LEDGER_CORRUPT');
  });
});

describe('saveCopy', () => {
  it('writes what the connection sees, even after its file was deleted, and never overwrites a file', async () => {
    const ledger = openSqliteLedger(tmp.path);
    try {
      const { batch } = await ledger.openBatch(openBatchInput('copy'));
      await ledger.insertRows(batch.id, [queuedRow(2, 'OP-COPY-1'), queuedRow(3, 'OP-COPY-2')]);
      rmSync(tmp.path);
      const copy = `${tmp.path}.copy`;
      await ledger.saveCopy(copy);
      const reopened = openSqliteLedger(copy, { create: false });
      expect((await reopened.countsByStatus(batch.id)).queued.count).toBe(2);
      await reopened.close();
      await expect(ledger.saveCopy(copy)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    } finally {
      await ledger.close();
    }
  });
});

describe('the ledger is private to its owner', () => {
  const modeOf = (path: string) => statSync(path).mode & 0o777;

  it('creates its folder 0700 and the file, its -wal and -shm 0600, whatever the umask allows', async () => {
    const ledger = openSqliteLedger(tmp.path);
    try {
      const { batch } = await ledger.openBatch(openBatchInput('private'));
      await ledger.insertRows(batch.id, [queuedRow(2, 'OP-PRIV-1')]);
      expect(modeOf(dirname(tmp.path))).toBe(0o700);
      for (const path of [tmp.path, `${tmp.path}-wal`, `${tmp.path}-shm`]) expect(modeOf(path), path).toBe(0o600);
      const copy = join(tmp.dir, 'copy.sqlite');
      await ledger.saveCopy(copy);
      expect(modeOf(copy)).toBe(0o600);
    } finally {
      await ledger.close();
    }
  });

  it('leaves the mode of an existing ledger as it is', async () => {
    await openSqliteLedger(tmp.path).close();
    chmodSync(tmp.path, 0o640);
    await openSqliteLedger(tmp.path).close();
    expect(modeOf(tmp.path)).toBe(0o640);
  });
});
