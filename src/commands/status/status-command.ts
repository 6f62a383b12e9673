import type { Target } from '../../config/config-types.ts';
import { formatMinor } from '../../domain/money.ts';
import { ROW_STATUSES } from '../../domain/row-status.ts';
import type { Batch, HistoryEntry, LedgerRow, LedgerStore } from '../../ledger/ledger-store.ts';
import { RunError } from '../../run-error.ts';
import { formatMinorGrouped } from '../../write/format-amount.ts';
import { batchJson, type BatchOverview } from '../batches/batches-command.ts';
import { providerLabel } from '../shared/batch-label.ts';
import { withCommandScope } from '../shared/command-scope.ts';
import { providerOfRow } from '../../domain/row-provider.ts';
import type { ProviderId } from '../../domain/provider-id.ts';
import { displayZone, parseTzOption, showTime } from '../shared/display-zone.ts';
import { messageText } from '../../messages/stored-message.ts';

export interface StatusArgs {
  /** A batch id (or an unambiguous start of one) or an order_id / externalReference. */
  id: string;
  limit: number;
  json: boolean;
  target: Target;
  ledger?: string;
  config?: string;
  /** --tz: the zone of the dates shown (default: config "timeZone", else the providers' country). */
  tz?: string;
}

/**
 * `payout-batch status <batch|order_id>`: a batch's rows by state, or one payout's whole history across batches
 * (every row that carried its order_id, every transition with its attempt, provider id, provider status and time).
 * Reads only.
 */
export async function statusCommand(args: StatusArgs): Promise<number> {
  if (!(Number.isSafeInteger(args.limit) && args.limit >= 0)) throw new RunError('USAGE', '--limit must be an integer ≥ 0');
  const tz = parseTzOption(args.tz);
  return withCommandScope({ config: args.config, target: args.target, signals: false }, async (scope) => {
    const { ledger, ledgerPath } = await scope.openLedger({ path: args.ledger, mustExist: { hint: 'pass --ledger with the file run used' } });
    const batch = await findBatch(ledger, args.id);
    const zoneFor = (providers: readonly ProviderId[]) => displayZone(tz, scope.config.timeZone, providers);
    if (batch) {
      const view = await batchStatus(ledger, batch, args.limit, zoneFor);
      process.stdout.write(args.json ? `${JSON.stringify({ command: 'status', kind: 'batch', ledger_path: ledgerPath, ...view.json, exit_code: 0 })}\n` : view.text);
      return 0;
    }
    const rows = await ledger.rowsByOrderKey(args.id);
    if (rows.length === 0) {
      throw new RunError('NOT_FOUND', `no batch and no payout ${JSON.stringify(args.id)} in ${ledgerPath}`, { hint: 'payout-batch batches lists the batches; an order_id is matched exactly' });
    }
    const view = await payoutStatus(ledger, args.id, rows, await zoneFor([...new Set(rows.map((r) => r.provider))]));
    process.stdout.write(args.json ? `${JSON.stringify({ command: 'status', kind: 'payout', ledger_path: ledgerPath, ...view.json, exit_code: 0 })}\n` : view.text);
    return 0;
  });
}

/** The batch with this id, or the one batch whose id starts with it (at least 6 characters). */
async function findBatch(ledger: LedgerStore, id: string): Promise<Batch | undefined> {
  const exact = await ledger.getBatch(id);
  if (exact || id.length < 6 || !/^[0-9a-f]+$/.test(id)) return exact;
  const matches = (await ledger.listBatches()).filter((b) => b.id.startsWith(id));
  return matches.length === 1 ? matches[0] : undefined;
}

function money(r: LedgerRow): string {
  return r.amountMinor !== undefined && r.currency ? `${r.currency} ${formatMinorGrouped(r.amountMinor)}` : '-';
}

/** A row whose provider cell named none of ours belongs to no provider (the ledger files it under the batch's). */
function providerOf(r: LedgerRow): string | null {
  return providerOfRow(r) ?? null;
}

function rowJson(r: LedgerRow) {
  return {
    row: r.rowNumber,
    order_id: r.orderKey ?? null,
    provider: providerOf(r),
    status: r.status,
    currency: r.currency ?? null,
    amount: r.amountMinor !== undefined ? formatMinor(r.amountMinor) : null,
    amount_minor: r.amountMinor ?? null,
    attempts: r.attempts,
    provider_id: r.providerPayoutId ?? null,
    provider_status: r.providerStatus ?? null,
    error_code: r.errorCode ?? null,
    error_message: r.errorMessage === undefined ? null : messageText(r.errorMessage, 'en'),
    updated_at: r.updatedAt.toISOString(),
  };
}

function rowLine(r: LedgerRow): string {
  const parts = [`row ${r.rowNumber}`, r.orderKey ?? '-', providerOf(r) ?? 'no provider', money(r)];
  if (r.providerPayoutId) parts.push(`provider id ${r.providerPayoutId}`);
  if (r.providerStatus) parts.push(`provider status ${r.providerStatus}`);
  if (r.errorCode) parts.push(r.errorCode);
  return parts.join(' · ');
}

async function batchStatus(ledger: LedgerStore, batch: Batch, limit: number, zoneFor: (providers: readonly ProviderId[]) => Promise<string>) {
  const overview: BatchOverview = { batch, providers: await ledger.batchProviders(batch.id), totals: await ledger.totalsByStatus(batch.id) };
  const zone = await zoneFor(overview.providers.length ? overview.providers : [batch.provider]);
  const counts = new Map<string, number>();
  for (const t of overview.totals) counts.set(t.status, (counts.get(t.status) ?? 0) + t.count);
  const byStatus: Record<string, { count: number; rows: ReturnType<typeof rowJson>[]; more: number }> = {};
  const lines = [
    `batch ${batch.id}  ${batch.fileName}  provider ${providerLabel(overview.providers, batch.provider)}${overview.providers.length > 1 ? ` (${overview.providers.join(', ')})` : ''}  ${batch.environment}`,
    `state ${batch.status}  created ${showTime(batch.createdAt, zone)}  updated ${showTime(batch.updatedAt, zone)}${batch.operator ? `  by ${batch.operator}` : ''}`,
  ];
  for (const status of ROW_STATUSES) {
    const count = counts.get(status) ?? 0;
    if (count === 0) continue;
    const shown: LedgerRow[] = [];
    if (limit > 0) {
      for await (const r of ledger.rowsByStatus(batch.id, [status], { pageSize: Math.min(limit, 1000) })) {
        shown.push(r);
        if (shown.length >= limit) break;
      }
    }
    byStatus[status] = { count, rows: shown.map(rowJson), more: count - shown.length };
    lines.push('', `${status} (${count})`);
    for (const r of shown) lines.push(`  ${rowLine(r)}`);
    if (count > shown.length) lines.push(`  and ${count - shown.length} more (--limit, or payout-batch report --batch ${batch.id})`);
  }
  return { json: { time_zone: zone, batch: batchJson(overview), rows_by_status: byStatus }, text: `${lines.join('\n')}\n` };
}

function historyJson(h: HistoryEntry) {
  return {
    at: h.at.toISOString(),
    from: h.from,
    to: h.to,
    cause: h.cause,
    attempt: h.attempt,
    provider_status: h.providerStatus ?? null,
    provider_code: h.providerCode ?? null,
    provider_message: h.providerMessage ?? null,
    error_code: h.errorCode ?? null,
  };
}

async function payoutStatus(ledger: LedgerStore, orderId: string, rows: readonly LedgerRow[], zone: string) {
  const batches = new Map<string, Batch | undefined>();
  const out = [];
  const lines = [`payout ${orderId}: ${rows.length} row(s) in ${new Set(rows.map((r) => r.batchId)).size} batch(es)`];
  for (const r of rows) {
    if (!batches.has(r.batchId)) batches.set(r.batchId, await ledger.getBatch(r.batchId));
    const batch = batches.get(r.batchId);
    const history = await ledger.history(r.id);
    out.push({ batch_id: r.batchId, file_name: batch?.fileName ?? null, environment: r.environment, ...rowJson(r), history: history.map(historyJson) });
    lines.push('', `batch ${r.batchId} (${batch?.fileName ?? '?'}, ${r.environment}): ${rowLine(r)} · ${r.status}, ${r.attempts} attempt(s)`);
    for (const h of history) {
      const what = [`${showTime(h.at, zone)}  ${h.from ?? 'written'} → ${h.to}`, h.cause];
      if (h.attempt > 0) what.push(`attempt ${h.attempt}`);
      if (h.providerStatus) what.push(`provider status ${h.providerStatus}`);
      if (h.providerCode || h.providerMessage) what.push(`provider said ${[h.providerCode, h.providerMessage].filter(Boolean).join(' ')}`);
      if (h.errorCode) what.push(h.errorCode);
      lines.push(`  ${what.join(' · ')}`);
    }
  }
  return { json: { time_zone: zone, order_id: orderId, rows: out }, text: `${lines.join('\n')}\n` };
}
