import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CanonicalField } from '../domain/payout-row.ts';
import { openBatch } from './open-batch.ts';
import { expectRunError, fixture, readAll, texts } from './test-support.ts';

const REQUIRED: CanonicalField[] = ['order_id', 'amount', 'account'];
const open = (path: string) => openBatch(path, { requiredFields: REQUIRED });
const openAndRead = async (path: string) => readAll(await open(path));

/** Where a ZIP entry's compressed bytes start (local header: name length at +26, extra length at +28, 30 bytes). */
function entryData(zip: Buffer, name: string): number {
  const at = zip.indexOf(Buffer.concat([Buffer.from('PK\x03\x04', 'latin1')]), 0);
  for (let offset = at; offset >= 0; offset = zip.indexOf('PK\x03\x04', offset + 4, 'latin1')) {
    const nameLength = zip.readUInt16LE(offset + 26);
    if (zip.toString('utf8', offset + 30, offset + 30 + nameLength) === name) return offset + 30 + nameLength + zip.readUInt16LE(offset + 28);
  }
  throw new Error(`${name} not in the archive`);
}

// Each of these must end in a RunError, never hang: the timeout is the hang detector, not a speed requirement.
describe('openBatch on broken files', { timeout: 10_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'open-batch-broken-'));

  it('rejects binary junk named .csv with FILE_FORMAT', async () => {
    await expectRunError(open(fixture('binary-junk.csv')), 'FILE_FORMAT');
  });

  it('rejects an empty file with FILE_EMPTY', async () => {
    await expectRunError(open(fixture('empty.csv')), 'FILE_EMPTY');
  });

  it('rejects a file of blank lines with FILE_EMPTY', async () => {
    writeFileSync(join(dir, 'blank.csv'), '\r\n  \r\n;;;\r\n\r\n');
    await expectRunError(open(join(dir, 'blank.csv')), 'FILE_EMPTY');
  });

  it('rejects a header without rows with FILE_EMPTY', async () => {
    await expectRunError(open(fixture('header-only.csv')), 'FILE_EMPTY');
  });

  it('rejects wrong headers with COLUMNS_MISSING', async () => {
    await expectRunError(open(fixture('wrong-headers.csv')), 'COLUMNS_MISSING');
  });

  it('fails the read at an unclosed quote with FILE_FORMAT, after the rows before it', async () => {
    const batch = await open(fixture('unclosed-quote.csv'));
    const seen: string[] = [];
    const reading = (async () => {
      for await (const row of batch.rows()) seen.push(texts(row).order_id!);
    })();
    await expectRunError(reading, 'FILE_FORMAT');
    expect(seen).toEqual(['Q-1', 'Q-2']);
  });

  it('stops at an unclosed quote early in a large file instead of swallowing the rest', async () => {
    const lines = ['order_id,account,name,amount', '1,012180001183597198,"Peña, José,1.00'];
    for (let i = 2; i < 60_000; i++) lines.push(`${i},012180001183597198,Ana María López Fernández ${i},${i}.00`);
    writeFileSync(join(dir, 'unclosed-large.csv'), lines.join('\n'));
    await expectRunError(openAndRead(join(dir, 'unclosed-large.csv')), 'FILE_FORMAT');
  });

  it('rejects a truncated .xlsx with FILE_FORMAT', async () => {
    await expectRunError(open(fixture('truncated.xlsx')), 'FILE_FORMAT');
  });

  it('reads CSV content named .xlsx as CSV, with a warning', async () => {
    const batch = await open(fixture('csv-named.xlsx'));
    expect(batch.format).toBe('csv');
    expect(batch.warnings).toHaveLength(1);
  });

  it('rejects a workbook whose sheet data is damaged with FILE_FORMAT', async () => {
    const zip = readFileSync(fixture('shared-strings.xlsx'));
    const at = entryData(zip, 'xl/worksheets/sheet2.xml');
    for (let i = 0; i < 64; i++) zip[at + 8 + i]! ^= 0xa5;
    writeFileSync(join(dir, 'damaged.xlsx'), zip);
    await expectRunError(openAndRead(join(dir, 'damaged.xlsx')), 'FILE_FORMAT');
  });

  it('rejects a ZIP that holds no workbook with FILE_FORMAT', async () => {
    // Same length, so the archive stays valid; only the workbook part is gone.
    const zip = readFileSync(fixture('numbers-and-dates.xlsx'));
    const renamed = Buffer.from(zip.toString('latin1').replaceAll('xl/workbook.xml', 'xl/notebook.xml'), 'latin1');
    writeFileSync(join(dir, 'not-a-workbook.xlsx'), renamed);
    await expectRunError(open(join(dir, 'not-a-workbook.xlsx')), 'FILE_FORMAT');
  });

  it('rejects a legacy .xls with FILE_FORMAT', async () => {
    await expectRunError(open(fixture('legacy.xls')), 'FILE_FORMAT');
  });

  it('rejects an HTML table saved as .xls with FILE_FORMAT', async () => {
    writeFileSync(join(dir, 'report.xls'), '<html><body><table><tr><td>order_id</td><td>amount</td></tr></table></body></html>');
    await expectRunError(open(join(dir, 'report.xls')), 'FILE_FORMAT');
  });

  it('rejects a missing path and a directory with FILE_UNREADABLE', async () => {
    await expectRunError(open(join(dir, 'missing.csv')), 'FILE_UNREADABLE');
    mkdirSync(join(dir, 'folder.csv'));
    await expectRunError(open(join(dir, 'folder.csv')), 'FILE_UNREADABLE');
  });
});
