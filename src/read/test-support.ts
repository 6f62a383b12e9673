import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { expect } from 'vitest';
import type { RawRow } from '../domain/payout-row.ts';
import { RunError, type RunErrorCode } from '../run-error.ts';
import type { OpenedBatch } from './open-batch.ts';

/** Path of a file in test/fixtures/read/. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`../../test/fixtures/read/${name}`, import.meta.url));
}

export async function readAll(batch: OpenedBatch): Promise<RawRow[]> {
  const rows: RawRow[] = [];
  for await (const row of batch.rows()) rows.push(row);
  return rows;
}

/** The cell texts of a row by field, for compact assertions. */
export function texts(row: RawRow | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(row?.cells ?? {}).map(([field, cell]) => [field, cell.text]));
}

/** Awaits `work` and checks it failed the way a user should see it: a RunError with this code, one line, a hint. */
export async function expectRunError(work: Promise<unknown>, code: RunErrorCode): Promise<RunError> {
  const error = await work.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(RunError);
  const runError = error as RunError;
  expect(runError.code).toBe(code);
  expect(runError.message).not.toContain('\n');
  expect(runError.hint).toBeTruthy();
  return runError;
}

/**
 * Writes a ZIP with its members stored uncompressed, in the order given: for workbooks shaped the way some
 * generators shape them (parts in unusual order or places), which exceljs's writer will not produce.
 */
export function storedZip(members: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(members)) {
    const data = Buffer.from(text);
    const fileName = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fileName.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(fileName.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, fileName, data);
    centrals.push(central, fileName);
    offset += local.length + fileName.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(members).length, 8);
  end.writeUInt16LE(Object.keys(members).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
