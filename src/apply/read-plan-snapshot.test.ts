import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkFile } from '../commands/shared/check-file.ts';
import { openSqliteLedger } from '../ledger/sqlite/open-sqlite-ledger.ts';
import type { SqliteLedger } from '../ledger/sqlite/sqlite-ledger.ts';
import { manualClock, openBatchInput, queuedRow, tempLedger } from '../ledger/test-support/fixtures.ts';
import { forEachPlannedChunk } from './read-plan-snapshot.ts';

let tmp: ReturnType<typeof tempLedger>;
let ledger: SqliteLedger;
beforeEach(() => {
  tmp = tempLedger();
  ledger = openSqliteLedger(tmp.path, { now: manualClock().now });
});
afterEach(async () => {
  await ledger.close();
  tmp.cleanup();
});

const FILE = [
  'order_id,clabe,nombre,monto',
  'A-1,646180109400135624,Uno,100.00', // row 2: row 11 reuses A-1 with another amount → conflict
  'A-2,646180109400135624,Dos,200.00',
  'A-3,646180109400135624,Tres,300.00',
  'A-4,646180109400135624,Cuatro,x', // row 5: invalid
  'OWNED,646180109400135624,Viejo,50.00', // row 6: owned by an earlier batch (other fingerprint) → conflict
  'A-3,646180109400135624,Tres,300.00', // row 7: duplicate of row 4
  'A-7,646180109400135624,Siete,700.00',
  'A-8,646180109400135624,Ocho,800.00',
  'A-9,646180109400135624,Nueve,900.00',
  'A-1,646180109400135624,Uno,101.00',
].join('\n');

describe('planned chunks', () => {
  it('streams the file in chunks with its final verdicts: late conflicts from the first pass, owners from the ledger', async () => {
    const { batch: earlier } = await ledger.openBatch(openBatchInput('earlier', 'openpay', 1));
    await ledger.insertRows(earlier.id, [queuedRow(2, 'OWNED', 5_000)]);
    const file = join(tmp.dir, 'file.csv');
    writeFileSync(file, FILE);
    const check = { file, provider: 'openpay' as const, target: 'simulator' as const };
    const first = await checkFile({ ...check, onRow: () => {} });
    expect([...first.lateConflicts.keys()]).toEqual([2]);

    const chunks: Array<Array<[number, string]>> = [];
    await forEachPlannedChunk({
      check,
      lateConflicts: first.lateConflicts,
      deduper: first.deduper,
      fileHash: first.fileHash,
      ledger,
      environment: 'simulator',
      batchId: 'b-now',
      chunkRows: 3,
      onChunk: (rows) => void chunks.push(rows.map((r) => [r.row, r.status])),
    });
    expect(chunks.map((c) => c.length)).toEqual([3, 3, 3, 1]);
    expect(chunks.flat()).toEqual([
      [2, 'conflict'],
      [3, 'valid'],
      [4, 'valid'],
      [5, 'invalid'],
      [6, 'conflict'],
      [7, 'duplicate'],
      [8, 'valid'],
      [9, 'valid'],
      [10, 'valid'],
      [11, 'conflict'],
    ]);
  });

  it('refuses a file that changed since the first pass, and a chunk size below 1', async () => {
    const file = join(tmp.dir, 'file.csv');
    writeFileSync(file, FILE);
    const check = { file, provider: 'openpay' as const, target: 'simulator' as const };
    const first = await checkFile({ ...check, onRow: () => {} });
    const options = { check, lateConflicts: new Map(), deduper: first.deduper, fileHash: 'not-the-hash', ledger, environment: 'simulator' as const, batchId: 'b-now', onChunk: () => {} };
    await expect(forEachPlannedChunk({ ...options, chunkRows: 5 })).rejects.toMatchObject({ code: 'FILE_UNREADABLE' });
    await expect(forEachPlannedChunk({ ...options, chunkRows: 0 })).rejects.toThrow(RangeError);
  });
});
