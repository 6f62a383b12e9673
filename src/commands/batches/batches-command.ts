import type { Target } from '../../config/config-types.ts';
import type { ProviderId } from '../../domain/provider-id.ts';
import { formatMinor } from '../../domain/money.ts';
import type { Batch, LedgerStore, StatusTotal } from '../../ledger/ledger-store.ts';
import { RunError } from '../../run-error.ts';
import { formatMinorGrouped } from '../../write/format-amount.ts';
import { providerLabel } from '../shared/batch-label.ts';
import { withCommandScope } from '../shared/command-scope.ts';
import { displayZone, parseTzOption, startOfTypedDay } from '../shared/display-zone.ts';
import { formatLocal } from '../../domain/local-time.ts';

export interface BatchesArgs {
  since?: string;
  json: boolean;
  target: Target;
  ledger?: string;
  config?: string;
  /** --tz: the zone of the dates shown and of a --since day (default: config "timeZone", else the providers' country). */
  tz?: string;
}

export interface BatchOverview {
  batch: Batch;
  providers: ProviderId[];
  totals: StatusTotal[];
}

/** `payout-batch batches`: every batch in the ledger, newest first, with its counts and totals. Reads only. */
export async function batchesCommand(args: BatchesArgs): Promise<number> {
  const tz = parseTzOption(args.tz);
  if (args.since !== undefined) parseSince(args.since, 'UTC'); // a typo is a usage error before the ledger is opened
  return withCommandScope({ config: args.config, target: args.target, signals: false }, async (scope) => {
    const { ledger, ledgerPath } = await scope.openLedger({ path: args.ledger, mustExist: { hint: 'pass --ledger with the file run used' } });
    const all = await batchOverviews(ledger);
    // One zone for the whole list: the one asked for, else the one its batches' providers share.
    const zone = await displayZone(tz, scope.config.timeZone, [...new Set(all.flatMap((o) => (o.providers.length ? o.providers : [o.batch.provider])))]);
    const since = args.since === undefined ? undefined : parseSince(args.since, zone);
    const overviews = since ? all.filter((o) => o.batch.createdAt >= since) : all;
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ command: 'batches', ledger_path: ledgerPath, time_zone: zone, batches: overviews.map(batchJson), exit_code: 0 })}\n`);
      return 0;
    }
    if (overviews.length === 0) {
      process.stdout.write(`no batches in ${ledgerPath}${since ? ` since ${args.since}` : ''}\n`);
      return 0;
    }
    process.stdout.write(formatBatches(overviews, zone));
    return 0;
  });
}

/** --since: a day (YYYY-MM-DD, from its start in `zone`) or a full ISO time. */
function parseSince(text: string, zone: string): Date {
  const at = startOfTypedDay(text, zone) ?? new Date(text);
  if (Number.isNaN(at.getTime())) throw new RunError('USAGE', `--since ${JSON.stringify(text)} is not a date`, { hint: 'write a day as YYYY-MM-DD' });
  return at;
}

export async function batchOverviews(ledger: LedgerStore, since?: Date): Promise<BatchOverview[]> {
  const batches = (await ledger.listBatches()).filter((b) => !since || b.createdAt >= since);
  return Promise.all(
    batches.map(async (batch) => ({ batch, providers: await ledger.batchProviders(batch.id), totals: await ledger.totalsByStatus(batch.id) })),
  );
}

function countsOf(totals: readonly StatusTotal[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const t of totals) counts[t.status] = (counts[t.status] ?? 0) + t.count;
  return counts;
}

export function batchJson(o: BatchOverview) {
  const { batch } = o;
  return {
    id: batch.id,
    file_name: batch.fileName,
    provider: providerLabel(o.providers, batch.provider),
    providers: o.providers.length ? o.providers : [batch.provider],
    environment: batch.environment,
    created_at: batch.createdAt.toISOString(),
    updated_at: batch.updatedAt.toISOString(),
    state: batch.status,
    operator: batch.operator ?? null,
    rows: batch.rowCount,
    counts: countsOf(o.totals),
    totals: o.totals
      .filter((t) => t.currency !== null)
      .map((t) => ({ status: t.status, currency: t.currency, count: t.count, amount: formatMinor(t.amountMinor), amount_minor: t.amountMinor })),
  };
}

function formatBatches(overviews: readonly BatchOverview[], zone: string): string {
  const header = ['batch', 'file', 'provider', 'env', `created (${zone})`, 'state', 'by', 'rows', 'counts', 'paid / pending'];
  const rows = overviews.map((o) => {
    const counts = countsOf(o.totals);
    const money = o.totals
      .filter((t) => (t.status === 'paid' || t.status === 'pending') && t.currency !== null)
      .map((t) => `${t.status} ${t.currency} ${formatMinorGrouped(t.amountMinor)}`)
      .join(', ');
    return [
      o.batch.id,
      o.batch.fileName,
      o.providers.length > 1 ? `mixed (${o.providers.join(', ')})` : providerLabel(o.providers, o.batch.provider),
      o.batch.environment,
      formatLocal(o.batch.createdAt, zone).slice(0, 16),
      o.batch.status,
      o.batch.operator ?? '-',
      String(o.batch.rowCount),
      Object.entries(counts).map(([s, n]) => `${s} ${n}`).join(', '),
      money || '-',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
