import { closeSync, openSync, writeSync } from 'node:fs';
import Database from 'better-sqlite3';

/**
 * Damages a closed ledger file the way a bad disk block or a torn copy does: zeroes one leaf page of `table` in the
 * middle of the file (pages in the WAL are checkpointed first), leaving the header and the schema page intact so
 * the file still opens. Returns the damaged page number.
 */
export function zeroLeafPage(path: string, table = 'payout_rows'): number {
  const db = new Database(path);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const leaves = db.prepare("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno").all(table) as Array<{ pageno: number }>;
  db.close();
  if (leaves.length < 3) throw new Error(`${table} has ${leaves.length} leaf page(s); write more rows before damaging it`);
  const page = leaves[Math.floor(leaves.length / 2)]!.pageno;
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, Buffer.alloc(pageSize), 0, pageSize, (page - 1) * pageSize);
  } finally {
    closeSync(fd);
  }
  return page;
}

/**
 * Empties every page of one index of a closed ledger (zeroes them, WAL checkpointed first), the way a torn write or
 * a bad block loses an index while the table pages survive: the file opens, and `PRAGMA quick_check` fails on it.
 * Returns the zeroed page numbers.
 */
export function zeroIndexPages(path: string, index = 'payout_rows_key'): number[] {
  const db = new Database(path);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const pages = (db.prepare('SELECT pageno FROM dbstat WHERE name = ? ORDER BY pageno').all(index) as Array<{ pageno: number }>).map((p) => p.pageno);
  db.close();
  if (pages.length === 0) throw new Error(`no pages for index ${index}`);
  const fd = openSync(path, 'r+');
  try {
    for (const page of pages) writeSync(fd, Buffer.alloc(pageSize), 0, pageSize, (page - 1) * pageSize);
  } finally {
    closeSync(fd);
  }
  return pages;
}
