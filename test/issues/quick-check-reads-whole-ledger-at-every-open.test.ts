import { closeSync, existsSync, openSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/ledger/ledger-error.ts';
import { stampPath } from '../../src/ledger/sqlite/integrity-stamp.ts';
import { openSqliteLedger } from '../../src/ledger/sqlite/open-sqlite-ledger.ts';
import { zeroIndexPages } from '../../src/ledger/test-support/damage-ledger.ts';
import { openBatchInput, queuedRow, tempLedger } from '../../src/ledger/test-support/fixtures.ts';

/**
 * `PRAGMA quick_check` ran at every open and read every page: on a ledger of millions of rows, more time than the
 * batch's plan. It is now skipped only when a clean close's stamp vouches for the untouched file; a file changed,
 * copied, replaced or left open by a dead process is checked in full.
 */
describe('the ledger is checked in full at open unless untouched since a clean close', () => {
  const dirs: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of dirs.splice(0)) cleanup();
  });

  async function ledgerWithRows(): Promise<string> {
    const t = tempLedger();
    dirs.push(t.cleanup);
    const ledger = openSqliteLedger(t.path);
    expect(ledger.integrity?.check).toBe('full');
    const { batch } = await ledger.openBatch(openBatchInput('stamp'));
    await ledger.insertRows(batch.id, Array.from({ length: 300 }, (_, i) => queuedRow(i + 2, `ord-${i}`, 100 + i)));
    await ledger.close();
    return t.path;
  }

  it('a clean close stamps the file (0600); the next open skips the full check and removes the stamp while open', async () => {
    const path = await ledgerWithRows();
    expect(existsSync(stampPath(path))).toBe(true);
    expect(statSync(stampPath(path)).mode & 0o777).toBe(0o600);

    const again = openSqliteLedger(path);
    expect(again.integrity?.check).toBe('skipped');
    expect(existsSync(stampPath(path))).toBe(false);
    await again.close();
    expect(openSqliteLedger(path).integrity?.check).toBe('skipped');
  });

  it('a file written behind the ledger after a clean close is checked again, and emptied index pages are refused', async () => {
    const path = await ledgerWithRows();
    zeroIndexPages(path, 'payout_rows_key');
    expect(existsSync(stampPath(path))).toBe(true);
    let error: unknown;
    try {
      openSqliteLedger(path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LedgerError);
    expect((error as LedgerError).code).toBe('LEDGER_CORRUPT');
  });

  it('a byte rewritten with the same value (size and content unchanged) still forces the full check', async () => {
    const path = await ledgerWithRows();
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.from('S'), 0, 1, 0); // "SQLite format 3": the same first byte
    closeSync(fd);
    const ledger = openSqliteLedger(path);
    expect(ledger.integrity?.check).toBe('full');
    await ledger.close();
  });

  it('a ledger another connection still has open is not stamped by the first close; the last close stamps it', async () => {
    const path = await ledgerWithRows();
    const a = openSqliteLedger(path);
    const b = openSqliteLedger(path);
    expect(a.integrity?.check).toBe('skipped');
    expect(b.integrity?.check).toBe('full'); // a removed the stamp as it opened
    await a.openBatch(openBatchInput('while-b-open'));
    await a.close();
    expect(existsSync(stampPath(path))).toBe(false);
    await b.close();
    expect(existsSync(stampPath(path))).toBe(true);
  });

  it('a copy, a replaced file, an unreadable stamp and an old full check all mean a full check', async () => {
    const path = await ledgerWithRows();
    // A file moved over the ledger's path while it was open is not stamped at close.
    const other = await ledgerWithRows();
    const open = openSqliteLedger(path);
    renameSync(other, path);
    await open.close();
    expect(existsSync(stampPath(path))).toBe(false);
    const replaced = openSqliteLedger(path);
    expect(replaced.integrity?.check).toBe('full');
    await replaced.close();

    // Hostile or damaged stamps are no stamp.
    for (const body of ['{', 'null', '{"version":1,"dev":"1e9"}', JSON.stringify({ version: 2 }), 'x'.repeat(10_000)]) {
      writeFileSync(stampPath(path), body);
      const ledger = openSqliteLedger(path);
      expect(ledger.integrity?.check, body.slice(0, 20)).toBe('full');
      await ledger.close();
    }

    // The stamp vouches for a limited period only.
    const later = new Date(Date.now() + 25 * 60 * 60 * 1000);
    const old = openSqliteLedger(path, { now: () => later });
    expect(old.integrity?.check).toBe('full');
    await old.close();
    const always = openSqliteLedger(path, { fullCheckPeriodMs: 0 });
    expect(always.integrity?.check).toBe('full');
    await always.close();
  });
});
