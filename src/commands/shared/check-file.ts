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
import { RunError } from '../../run-error.ts';
import { Tally } from './tally.ts';

/** The columns a file must have for a provider; a missing one is a run-level error (exit 1), not 1,000 row errors. */
export function requiredFieldsFor(provider: ProviderId): CanonicalField[] {
  return [...getProviderModule(provider).requiredColumns];
}

/** Without --provider the file must route every row itself: a provider column, and what every provider needs. */
const SELF_ROUTED_FIELDS: CanonicalField[] = ['provider', 'order_id', 'amount'];

export interface CheckFileOptions {
  file: string;
  /** --provider: for rows whose provider cell is empty. Without it, every row must name its provider. */
  provider: ProviderId | undefined;
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
  /** The providers the rows are routed to (valid or not), in the order the file first names them; never one the file names none of ours. */
  providers: ProviderId[];
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
      requiredFields: options.provider ? requiredFieldsFor(options.provider) : SELF_ROUTED_FIELDS,
      ...(options.encoding !== undefined ? { encoding: encodingNamed(options.encoding) } : {}),
      ...(options.limits ? { limits: options.limits } : {}),
    }),
    hashFile(options.file),
  ]);
  const context = { defaultProvider: options.provider, target: options.target, columns: opened.columns };
  const deduper = options.replayOf ?? createInFileDeduper();
  const dedupe = options.replayOf ? (row: CheckedRow) => deduper.replay(row) : (row: CheckedRow) => deduper.check(row);
  const tally = new Tally();
  const providers = new Set<ProviderId>();
  /** Rows whose provider cell is empty while no --provider was given (a run-level error once the file is read). */
  const unrouted: number[] = [];
  for await (const batch of opened.rowBatches()) {
    // Synchronous within a chunk of the file: an await only where the output asks to wait.
    for (const raw of batch) {
      if (!options.provider && (raw.cells.provider?.text ?? '').trim() === '') unrouted.push(raw.row);
      const checked = dedupe(validateRow(raw, context));
      if (checked.provider) providers.add(checked.provider);
      tally.add(checked.status, checked.payout?.currency ?? checked.input.currency, checked.payout?.amountMinor);
      const pending = options.onRow(checked);
      if (pending) await pending;
    }
  }
  if (unrouted.length > 0) {
    const shown = unrouted.slice(0, 20).join(', ');
    const more = unrouted.length > 20 ? ` and ${unrouted.length - 20} more` : '';
    throw new RunError('PROVIDER_MISSING', `${unrouted.length === 1 ? 'row' : 'rows'} ${shown}${more} name no provider, and no --provider was given; nothing was done`, {
      hint: 'fill their provider cell, or pass --provider for the rows without one',
    });
  }
  const lateConflicts = deduper.lateConflicts();
  for (const late of lateConflicts.values()) tally.move(late.previousStatus, 'conflict', late.currency, late.amountMinor);
  return { opened, fileHash, tally, lateConflicts, deduper, providers: [...providers] };
}
