import type { CanonicalField, RawRow } from '../domain/payout-row.ts';
import { RunError } from '../run-error.ts';
import { detectDelimiter } from './detect-delimiter.ts';
import { matchColumns, namedFields, type ColumnMap } from './match-columns.ts';
import { plainLines } from './csv-quick-split.mjs';
import { CsvRecordReader } from './read-csv.ts';
import type { ZipDirectory } from './zip-archive.ts';
import type { PeekedRecord, RecordReader } from './record-reader.ts';
import { sniffFile } from './sniff-file.ts';
import type { TextEncoding } from './detect-encoding.ts';
import { DEFAULT_READ_LIMITS, type ReadLimits } from './read-limits.ts';

/** The XLSX reader and exceljs under it, loaded only for a workbook: a CSV starts without them. */
const xlsxReader = () => import('./read-xlsx.ts');

export interface OpenBatchOptions {
  /** XLSX sheet name; default the first visible sheet. */
  sheet?: string;
  /** --map field=Header overrides (header text as in the file). */
  map?: Partial<Record<CanonicalField, string>>;
  /** Missing → RunError('COLUMNS_MISSING'). */
  requiredFields: CanonicalField[];
  /** CSV: --encoding, read as told instead of detected (encodingNamed). */
  encoding?: TextEncoding;
  /** What the file may hold before it is refused (default DEFAULT_READ_LIMITS). */
  limits?: ReadLimits;
}

export interface OpenedBatch {
  format: 'csv' | 'xlsx';
  /** csv: 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'windows-1252' | 'ibm850' … */
  encoding?: string;
  /** csv */
  delimiter?: string;
  /** xlsx */
  sheet?: string;
  /** As found in the file, by column position (trailing empty ones left out). */
  headers: string[];
  /** field → header text it was matched to */
  columns: Partial<Record<CanonicalField, string>>;
  /** e.g. read by content although the extension said otherwise */
  warnings: string[];
  /** Single pass, streaming. A read error is thrown from the iteration as a RunError. */
  rows(): AsyncIterable<RawRow>;
  /** The same rows a chunk of the file at a time (never an empty batch); either this or rows(), once. */
  rowBatches(): AsyncIterable<RawRow[]>;
}

async function* flatten(batches: AsyncIterable<RawRow[]>): AsyncGenerator<RawRow> {
  for await (const batch of batches) yield* batch;
}

/**
 * How far down to look for the header. Exports often put a title, a date or a blank line above it; a sheet whose
 * first rows name no fields at all is taken to start with its header, and COLUMNS_MISSING lists what that row has.
 */
const HEADER_SEARCH_ROWS = 10;

function headerTexts(record: PeekedRecord): string[] {
  const texts = [...record.texts];
  if (texts[0] !== undefined) texts[0] = texts[0].replace(/^\uFEFF/, '');
  while (texts.length > 0 && texts[texts.length - 1]!.trim() === '') texts.pop();
  return texts;
}

/** A header names at least two fields, or every required one (a file may need only one). */
function looksLikeHeader(texts: readonly string[], map: ColumnMap, required: readonly CanonicalField[]): boolean {
  const named = namedFields(texts, map);
  return named.size >= 2 || (required.length > 0 && required.every((field) => named.has(field)));
}

async function findHeader(reader: RecordReader, map: ColumnMap, required: readonly CanonicalField[], where: string) {
  const seen: PeekedRecord[] = [];
  let at = -1;
  while (seen.length < HEADER_SEARCH_ROWS) {
    const record = await reader.peek();
    if (record === undefined) break;
    seen.push(record);
    if (looksLikeHeader(record.texts, map, required)) {
      at = seen.length - 1;
      break;
    }
  }
  const first = seen[0];
  if (first === undefined) {
    throw new RunError('FILE_EMPTY', `${where} has no rows: every line is blank`, { hint: 'export the payouts again; the file has nothing in it' });
  }
  const warnings: string[] = [];
  if (at > 0) {
    const above = seen.slice(0, at).map((record) => record.row);
    warnings.push(`the header is on row ${seen[at]!.row}; ${above.length === 1 ? `row ${above[0]} above it was` : `rows ${above.join(', ')} above it were`} ignored`);
  }
  const header = at < 0 ? first : seen[at]!;
  reader.drop((at < 0 ? 0 : at) + 1);
  return { header, warnings };
}

/**
 * Opens a payout file for reading: finds out what it is by its content (CSV in any common encoding and
 * delimiter, or XLSX), finds the header, matches the columns to fields, and checks there is at least one row.
 * Every problem with the file as a whole is a RunError here; the rows are read later, once, by rows().
 */
export async function openBatch(path: string, options: OpenBatchOptions): Promise<OpenedBatch> {
  const map = options.map ?? {};
  const limits = options.limits ?? DEFAULT_READ_LIMITS;
  const sniffed = await sniffFile(path, options.encoding ? { encoding: options.encoding } : {});
  let reader: RecordReader;
  let details: Pick<OpenedBatch, 'format' | 'encoding' | 'delimiter' | 'sheet'>;
  let where: string;
  if (sniffed.format === 'xlsx') {
    const { openXlsx } = await xlsxReader();
    const xlsx = await openXlsx(path, sniffed.zip, options.sheet, limits);
    reader = xlsx;
    details = { format: 'xlsx', sheet: xlsx.sheetName };
    where = `sheet ${JSON.stringify(xlsx.sheetName)} of ${path}`;
  } else {
    const head = sniffed.headText.replace(/^\uFEFF/, '');
    const { delimiter, sepLine } = detectDelimiter(head);
    // A file whose head is all plain lines is split on this thread; csv-parse is worth a thread of its own.
    reader = new CsvRecordReader(path, { encoding: sniffed.encoding, delimiter, sepLine, limits, parseHere: plainLines(head, delimiter) });
    details = { format: 'csv', encoding: sniffed.encoding.name, delimiter };
    where = path;
  }

  try {
    const { header, warnings } = await findHeader(reader, map, options.requiredFields, where);
    const headers = headerTexts(header);
    const match = matchColumns(headers, map, options.requiredFields);
    const firstRow = await reader.peek();
    if (firstRow === undefined) {
      throw new RunError('FILE_EMPTY', `${where} has a header (row ${header.row}) but no rows under it`, {
        hint: details.format === 'xlsx' ? 'check that this is the sheet with the payouts, or name another with --sheet' : 'export the payouts again',
      });
    }
    let started = false;
    const rowBatches = () => {
      if (started) throw new Error('rows() reads the file once; open the batch again to read it again');
      started = true;
      return reader.batches(match.indexes);
    };
    return {
      ...details,
      headers,
      columns: match.columns,
      warnings: [...sniffed.warnings, ...warnings, ...match.warnings],
      rows: () => flatten(rowBatches()),
      rowBatches,
    };
  } catch (error) {
    reader.close();
    if (error instanceof RunError && error.code === 'COLUMNS_MISSING' && sniffed.format === 'xlsx' && details.sheet !== undefined) {
      throw await withOtherSheets(error, path, sniffed.zip, details.sheet, map, options.requiredFields, limits);
    }
    throw error;
  }
}

/**
 * COLUMNS_MISSING on one sheet of a workbook: the payouts are often on another (an "Instrucciones" sheet first).
 * The error then lists every other visible sheet's header, and the hint names a sheet whose header has every
 * required column. Only on this error path are the other sheets opened, one at a time, their first rows only.
 */
async function withOtherSheets(
  error: RunError,
  path: string,
  zip: ZipDirectory,
  chosen: string,
  map: ColumnMap,
  required: readonly CanonicalField[],
  limits: ReadLimits,
): Promise<RunError> {
  const { openXlsx, visibleWorksheets } = await xlsxReader();
  let names: string[];
  try {
    names = (await visibleWorksheets(path, zip, limits)).filter((name) => name !== chosen);
  } catch {
    return error;
  }
  if (names.length === 0) return error;
  const described: string[] = [];
  let fits: string | undefined;
  for (const name of names) {
    const reader = await openXlsx(path, zip, name, limits).catch(() => undefined);
    if (!reader) {
      described.push(`${JSON.stringify(name)}: (could not be read)`);
      continue;
    }
    try {
      const { header } = await findHeader(reader, map, required, `sheet ${JSON.stringify(name)}`);
      const headers = headerTexts(header);
      const named = headers.filter((h) => h.trim() !== '');
      described.push(`${JSON.stringify(name)}: ${named.length === 0 ? '(none)' : named.map((h) => JSON.stringify(h)).join(', ')}`);
      if (fits === undefined) {
        try {
          matchColumns(headers, map, required);
          fits = name;
        } catch {
          // Not this one either.
        }
      }
    } catch {
      described.push(`${JSON.stringify(name)}: (no rows)`);
    } finally {
      reader.close();
    }
  }
  return new RunError('COLUMNS_MISSING', `sheet ${JSON.stringify(chosen)}: ${error.message}; other sheets: ${described.join('; ')}`, {
    hint: fits !== undefined ? `the payouts look like they are on sheet ${JSON.stringify(fits)}: pass --sheet ${JSON.stringify(fits)}` : (error.hint ?? 'name the sheet with the payouts with --sheet'),
    cause: error,
  });
}
