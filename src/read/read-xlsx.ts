import { pipeline } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { CanonicalField, RawCell, RawRow } from '../domain/payout-row.ts';
import { RunError, type RunErrorCode } from '../run-error.ts';
import { DEFAULT_READ_LIMITS, type ReadLimits } from './read-limits.ts';
import { XmlGuard } from './xml-guard.ts';
import { normalizeHeader } from './match-columns.ts';
import { columnPlan, type FieldIndexes, type PeekedRecord, type RecordReader } from './record-reader.ts';
import { unpackRows, type SheetRow, type XlsxThreadData, type XlsxThreadMessage } from './xlsx-thread-protocol.ts';
import { threadBatches } from './thread-batches.ts';
import { creditCounter } from './thread-credits.mjs';
import { damaged, workbookParsers, xlsxFailure as failure, type SheetModel } from './xlsx-workbook.ts';
import { openZipEntry, type ZipDirectory, type ZipEntry } from './zip-archive.ts';

/** Batches (one parsed chunk of sheet XML each) the parsing thread may have in flight. */
const THREAD_CREDITS = 8;

/** A relationship target is relative to xl/ unless it starts with "/" (the package root). */
function partName(target: string): string {
  const segments: string[] = [];
  for (const segment of (target.startsWith('/') ? target.slice(1) : `xl/${target}`).split('/')) {
    if (segment === '..') segments.pop();
    else if (segment !== '.' && segment !== '') segments.push(segment);
  }
  return segments.join('/');
}

function isVisible(sheet: SheetModel): boolean {
  return sheet.state !== 'hidden' && sheet.state !== 'veryHidden';
}

function isBlankRow(row: SheetRow): boolean {
  for (const cell of row.cells) if (cell !== undefined && cell.text.trim() !== '') return false;
  return true;
}

function rowTexts(row: SheetRow): string[] {
  const texts: string[] = [];
  // Column A is at index 1, as in exceljs.
  for (let col = 1; col < row.cells.length; col++) texts.push(row.cells[col]?.text ?? '');
  return texts;
}

/**
 * Opens the wanted worksheet of a workbook (by name, matched like a header: findSheet; by default the first
 * visible one in tab order). Only the workbook's list of sheets is read here; the shared strings, styles and the
 * sheet itself are parsed by exceljs on a thread of their own (xlsx-parse-thread.ts) while the rows are validated.
 */
/** A zip entry by name, case-insensitively as Excel writes them either way. */
function entryFinder(zip: ZipDirectory): (name: string) => ZipEntry | undefined {
  return (name) => {
    const exact = zip.entries.get(name);
    if (exact) return exact;
    const lower = name.toLowerCase();
    for (const entry of zip.entries.values()) if (entry.name.toLowerCase() === lower) return entry;
    return undefined;
  };
}

/** The workbook's list of sheets and relationships, parsed on the main thread. */
async function readWorkbookList(path: string, zip: ZipDirectory, limits: ReadLimits) {
  const entryNamed = entryFinder(zip);
  const workbook = workbookParsers(path);
  const rels = entryNamed('xl/_rels/workbook.xml.rels');
  const book = entryNamed('xl/workbook.xml');
  if (!rels || !book) throw damaged(path, 'the workbook part or its relationships are missing');
  // Parsed here, on the main thread: the same XML guard as on the parsing thread keeps a text node bounded.
  const guarded = async (entry: ZipEntry, what: string) => pipeline(await openZipEntry(path, entry, limits), new XmlGuard({ what, limits }), () => {});
  await workbook._parseRels(await guarded(rels, 'the workbook relationships'));
  await workbook._parseWorkbook(await guarded(book, 'the workbook'));
  const relationships = workbook.workbookRels ?? [];
  const sheets = workbook.model?.sheets ?? [];
  const worksheetRel = (sheet: SheetModel) => relationships.find((r) => r.Id === sheet.rId && (r.Type === undefined || r.Type.endsWith('/worksheet')));
  return { entryNamed, rels, book, relationships, sheets, worksheetRel };
}

/**
 * The sheet --sheet names, matched as headers are: exactly, then ignoring case and surrounding spaces (as Excel
 * does), then ignoring accents and punctuation too (`--sheet Dispersion` finds "Dispersión", `pagos_nov` finds
 * "Pagos Nov"), the first in tab order when two sheets read the same.
 */
export function findSheet<S extends { name: string }>(sheets: readonly S[], wanted: string): S | undefined {
  const lower = wanted.trim().toLowerCase();
  const loose = normalizeHeader(wanted);
  return (
    sheets.find((sheet) => sheet.name === wanted) ??
    sheets.find((sheet) => sheet.name.trim().toLowerCase() === lower) ??
    (loose === '' ? undefined : sheets.find((sheet) => normalizeHeader(sheet.name) === loose))
  );
}

/** The workbook's visible worksheets (not charts), in tab order: where else the payouts may be. */
export async function visibleWorksheets(path: string, zip: ZipDirectory, limits: ReadLimits = DEFAULT_READ_LIMITS): Promise<string[]> {
  try {
    const { sheets, worksheetRel } = await readWorkbookList(path, zip, limits);
    return sheets.filter((sheet) => isVisible(sheet) && worksheetRel(sheet)).map((sheet) => sheet.name);
  } catch (error) {
    throw failure(error, path);
  }
}

export async function openXlsx(path: string, zip: ZipDirectory, wantedSheet: string | undefined, limits: ReadLimits = DEFAULT_READ_LIMITS): Promise<XlsxRecordReader> {
  try {
    const { entryNamed, rels, book, relationships, sheets, worksheetRel } = await readWorkbookList(path, zip, limits);
    const partOf = (type: string) => {
      const rel = relationships.find((r) => r.Type?.endsWith(`/${type}`));
      return rel ? entryNamed(partName(rel.Target)) : undefined;
    };
    const sharedStrings = partOf('sharedStrings') ?? entryNamed('xl/sharedStrings.xml');
    const styles = partOf('styles') ?? entryNamed('xl/styles.xml');

    const chosen = wantedSheet === undefined ? sheets.find((sheet) => isVisible(sheet) && worksheetRel(sheet)) : findSheet(sheets, wantedSheet);
    const list = sheets.length > 0 ? sheets.map((sheet) => JSON.stringify(sheet.name)).join(', ') : '(none)';
    if (chosen === undefined) {
      if (wantedSheet !== undefined) {
        const suggestion = sheets.find(isVisible)?.name ?? sheets[0]?.name ?? 'Sheet1';
        throw new RunError('SHEET_NOT_FOUND', `no sheet named ${JSON.stringify(wantedSheet)}; the workbook has ${list}`, {
          hint: `name one of them with --sheet, e.g. --sheet ${JSON.stringify(suggestion)}`,
        });
      }
      throw new RunError('FILE_FORMAT', `the workbook ${path} has no visible worksheet (sheets: ${list})`, {
        hint: 'unhide the sheet with the payouts, or name it with --sheet',
      });
    }
    const rel = worksheetRel(chosen);
    if (!rel) {
      throw new RunError('SHEET_NOT_FOUND', `sheet ${JSON.stringify(chosen.name)} is a chart, not a table; the workbook has ${list}`, {
        hint: 'name the sheet with the payouts with --sheet',
      });
    }
    const part = entryNamed(partName(rel.Target));
    if (!part) throw damaged(path, `sheet ${JSON.stringify(chosen.name)} is listed but missing`);
    const data: XlsxThreadData = {
      path,
      rels,
      workbook: book,
      ...(sharedStrings ? { sharedStrings } : {}),
      ...(styles ? { styles } : {}),
      sheet: part,
      sheetNo: /(\d+)\.xml$/i.exec(part.name)?.[1] ?? '1',
      credits: creditCounter(THREAD_CREDITS),
      sheetName: chosen.name,
      limits,
    };
    return new XlsxRecordReader(path, chosen.name, data);
  } catch (error) {
    throw failure(error, path);
  }
}

/**
 * The thread's entry: compiled, the thread module itself; run from source (tests, benchmarks), a plain-JavaScript
 * shim that registers the TypeScript loader first, since a worker thread does not inherit it.
 */
const XLSX_THREAD_ENTRY = import.meta.url.endsWith('.ts') ? new URL('./xlsx-parse-worker.mjs', import.meta.url) : new URL('./xlsx-parse-thread.js', import.meta.url);

/**
 * The parsing thread's heap. The read limits keep a workbook far below it (a million shared strings, 64 MB of them);
 * a workbook that still gets here ends the thread, not the process (ERR_WORKER_OUT_OF_MEMORY, one line).
 */
export const XLSX_THREAD_MEMORY = { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: 320 } as const;

export class XlsxRecordReader implements RecordReader {
  /** Rows a chunk of sheet XML at a time. */
  private readonly chunks: AsyncGenerator<SheetRow[]>;
  private readonly worker: Worker;
  /** Rows parsed and not yet taken. */
  private batch: SheetRow[] = [];
  private batchAt = 0;
  private readonly queue: SheetRow[] = [];

  constructor(
    private readonly path: string,
    readonly sheetName: string,
    data: XlsxThreadData,
  ) {
    this.worker = new Worker(XLSX_THREAD_ENTRY, { workerData: data, resourceLimits: XLSX_THREAD_MEMORY });
    this.chunks = threadBatches(this.worker, data.credits, (message: XlsxThreadMessage) => {
      if (message.type === 'end') return undefined;
      if (message.type === 'error') {
        if (message.runError) throw new RunError(message.runError.code as RunErrorCode, message.runError.message, message.runError.hint ? { hint: message.runError.hint } : {});
        throw Object.assign(new Error(message.message), message.code ? { code: message.code } : {});
      }
      return unpackRows(message);
    });
  }

  /** Parses on until rows are waiting; false at the end of the sheet. */
  private async fill(): Promise<boolean> {
    while (this.batchAt >= this.batch.length) {
      let result: IteratorResult<SheetRow[]>;
      try {
        result = await this.chunks.next();
      } catch (error) {
        if ((error as NodeJS.ErrnoException | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
          throw new RunError('FILE_LIMIT', `refused: reading sheet ${JSON.stringify(this.sheetName)} of ${this.path} needs more than the ${XLSX_THREAD_MEMORY.maxOldGenerationSizeMb} MB of memory its parsing thread may use`, {
            hint: 'lower the read limits (see "Limits" in the README) or export the sheet as "CSV UTF-8"',
            cause: error,
          });
        }
        throw failure(error, this.path);
      }
      if (result.done) return false;
      this.batch = result.value;
      this.batchAt = 0;
    }
    return true;
  }

  private async next(): Promise<SheetRow | undefined> {
    return (await this.fill()) ? this.batch[this.batchAt++] : undefined;
  }

  async peek(): Promise<PeekedRecord | undefined> {
    for (;;) {
      const row = await this.next();
      if (row === undefined) return undefined;
      if (isBlankRow(row)) continue;
      this.queue.push(row);
      return { row: row.number, texts: rowTexts(row) };
    }
  }

  drop(count: number): void {
    this.queue.splice(0, count);
  }

  async *batches(indexes: FieldIndexes): AsyncGenerator<RawRow[]> {
    const { fields, positions } = columnPlan(indexes);
    const width = fields.length;
    const toRow = (row: SheetRow): RawRow | undefined => {
      const cells: Partial<Record<CanonicalField, RawCell>> = {};
      let content = false;
      for (let i = 0; i < width; i++) {
        const raw = row.cells[positions[i]! + 1];
        if (raw === undefined) continue;
        cells[fields[i]!] = raw;
        if (!content && raw.text.trim() !== '') content = true;
      }
      // Only a row whose mapped cells are all empty needs the full look at its other cells.
      if (!content && isBlankRow(row)) return undefined;
      return { row: row.number, cells };
    };
    const convert = (rows: SheetRow[]): RawRow[] => {
      const raws: RawRow[] = [];
      for (const row of rows) {
        const raw = toRow(row);
        if (raw) raws.push(raw);
      }
      return raws;
    };
    try {
      const queued = convert(this.queue.splice(0));
      if (queued.length > 0) yield queued;
      while (await this.fill()) {
        // The rows of a chunk become RawRows synchronously.
        const raws = convert(this.batchAt === 0 ? this.batch : this.batch.slice(this.batchAt));
        this.batchAt = this.batch.length;
        if (raws.length > 0) yield raws;
      }
    } finally {
      this.close();
    }
  }

  close(): void {
    this.chunks.return(undefined).catch(() => {});
    void this.worker.terminate();
  }
}
