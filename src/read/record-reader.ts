import type { CanonicalField, RawRow } from '../domain/payout-row.ts';

/** A non-blank record read ahead of the data rows, while looking for the header. */
export interface PeekedRecord {
  /** Spreadsheet row number. */
  row: number;
  /** Each cell as text, by 0-based column position. */
  texts: string[];
}

/** Column positions (0-based) of the fields the file has. */
export type FieldIndexes = Partial<Record<CanonicalField, number>>;

/**
 * One pass over a sheet's records, the same for CSV and XLSX. The header is found by reading ahead with
 * peek(); what was read ahead and not dropped comes out first in batches().
 */
export interface RecordReader {
  /** Reads the next non-blank record and queues it. */
  peek(): Promise<PeekedRecord | undefined>;
  /** Forgets the first `count` queued records (lines above the header and the header itself). */
  drop(count: number): void;
  /**
   * The data rows, a chunk of the file at a time (one await per chunk, not per row): queued ones first, then the
   * rest of the file; blank ones skipped, numbering kept. Batches are never empty.
   */
  batches(indexes: FieldIndexes): AsyncGenerator<RawRow[]>;
  /** Releases the file when rows() will not be read to the end. */
  close(): void;
}

/** Fields and positions as two parallel arrays: the per-row loop then reads no object keys. */
export function columnPlan(indexes: FieldIndexes): { fields: CanonicalField[]; positions: number[] } {
  const fields: CanonicalField[] = [];
  const positions: number[] = [];
  for (const [field, position] of Object.entries(indexes) as [CanonicalField, number | undefined][]) {
    if (position === undefined) continue;
    fields.push(field);
    positions.push(position);
  }
  return { fields, positions };
}
