import type { Target } from '../../config/config-types.ts';
import type { CanonicalField, CheckedRow } from '../../domain/payout-row.ts';
import type { ProviderId } from '../../domain/provider-id.ts';
import { createInFileDeduper, type InFileDeduper, type LateConflict } from '../../dedupe/dedupe-in-file.ts';
import { getProviderModule } from '../../providers/registry.ts';
import { openBatch, type OpenedBatch } from '../../read/open-batch.ts';
import { hashFile } from '../../read/hash-file.ts';
import { encodingNamed } from '../../read/detect-encoding.ts';
import { resolveReadLimits, type ReadLimits } from '../../read/read-limits.ts';
import { validateRow } from '../../validate/validate-row.ts';
import { Tally } from './tally.ts';

/** The columns a file must have for a provider; a missing one is a run-level error (exit 1), not 1,000 row errors. */
export function requiredFieldsFor(provider: ProviderId): CanonicalField[] {
  return [...getProviderModule(provider).requiredColumns];
}

export interface CheckFileOptions {
  file: string;
  provider: ProviderId;
  target: Target;
  sheet?: string;
  map?: Partial<Record<CanonicalField, string>>;
  /** --encoding, as given. */
  encoding?: string | undefined;
  /** The limits in force (readLimitsOf). */
  limits?: ReadLimits;
  /** Called for every row in file order, with its status as known at that point. */
  onRow: (row: CheckedRow) => void | Promise<void>;
  /**
   * A later pass over a file already checked: the first pass's deduper gives each row the verdict it gave then
   * (replay), so the pass keeps no dedupe table of its own.
   */
  replayOf?: InFileDeduper;
}

export interface CheckedFile {
  opened: OpenedBatch;
  fileHash: string;
  tally: Tally;
  /** Rows already passed to onRow as valid/duplicate that a later row turned into conflicts. */
  lateConflicts: Map<number, LateConflict>;
  /** The pass's deduper, for a later pass over the same file (replayOf). */
  deduper: InFileDeduper;
}

/** The read limits in force: defaults, then the config's "limits", then the --max-… flags (yargs's camelCase keys). */
export function readLimitsOf(configLimits: Partial<ReadLimits> | undefined, args: object): ReadLimits {
  return resolveReadLimits(configLimits, args as Partial<Record<string, unknown>>);
}

/** read → validate → dedupe in the file, streaming: the first half of every command that takes a file. */
export async function checkFile(options: CheckFileOptions): Promise<CheckedFile> {
  const [opened, fileHash] = await Promise.all([
    openBatch(options.file, {
      sheet: options.sheet,
      map: options.map,
      requiredFields: requiredFieldsFor(options.provider),
      ...(options.encoding !== undefined ? { encoding: encodingNamed(options.encoding) } : {}),
      ...(options.limits ? { limits: options.limits } : {}),
    }),
    hashFile(options.file),
  ]);
  const context = { defaultProvider: options.provider, target: options.target, columns: opened.columns };
  const deduper = options.replayOf ?? createInFileDeduper();
  const dedupe = options.replayOf ? (row: CheckedRow) => deduper.replay(row) : (row: CheckedRow) => deduper.check(row);
  const tally = new Tally();
  for await (const batch of opened.rowBatches()) {
    // Synchronous within a chunk of the file: an await only where the output asks to wait.
    for (const raw of batch) {
      const checked = dedupe(validateRow(raw, context));
      tally.add(checked.status, checked.payout?.currency ?? checked.input.currency, checked.payout?.amountMinor);
      const pending = options.onRow(checked);
      if (pending) await pending;
    }
  }
  const lateConflicts = deduper.lateConflicts();
  for (const late of lateConflicts.values()) tally.move(late.previousStatus, 'conflict', late.currency, late.amountMinor);
  return { opened, fileHash, tally, lateConflicts, deduper };
}
