import { basename } from 'node:path';
import { formatMinor } from '../domain/money.ts';
import type { Minor } from '../domain/money.ts';
import { ROW_STATUSES } from '../domain/row-status.ts';
import { formatMinorGrouped } from './format-amount.ts';
import { formatLocal } from '../domain/local-time.ts';

/** What a command did, for the operator (text) or the nightly job (one JSON line). */
export interface RunSummary {
  command: string;
  file: string;
  /** --provider, or without it the one provider the rows name, or 'mixed'. */
  provider: string;
  /** The providers the rows are routed to. */
  providers?: string[];
  outDir: string;
  resultsCsv?: string;
  resultsXlsx?: string;
  ledgerPath?: string;
  /** Statement and reconciliation files written with the results. */
  reports?: string[];
  batchId?: string;
  /** Rows per status. */
  counts: Record<string, number>;
  totals: Array<{ currency: string; status: string; count: number; amountMinor: Minor }>;
  warnings: string[];
  /** run: what the plan would send, per provider and currency (amounts, fees and IVA in minor units). */
  plan?: Array<{ provider: string; currency: string; count: number; amountMinor: Minor; feeMinor: Minor; ivaMinor: Minor }>;
  /**
   * sync: paid rows asked about again inside the return window, and what the ledger now shows of them (returned:
   * paid → failed as a reversal; deleted / amount changed: still paid, flagged PROVIDER_DELETED / AMOUNT_CHANGED).
   */
  /** `cleared`: flags of earlier syncs (deleted, amount changed) the provider no longer bears out. */
  /**
   * `returnReversed`: returned rows the provider shows paid again, now paid again; `paidTwice`: such rows whose order id
   * another row paid after the return (they stay failed, flagged PAID_TWICE).
   */
  returnWindow?: { days: number; rechecked: number; returned: number; deleted: number; amountChanged: number; cleared: number; returnReversed?: number; paidTwice?: number };
  /** Rows per error code and the first problem rows (commands/shared/issue-digest.ts). */
  issues?: {
    byCode: Record<string, number>;
    first: Array<{ row: number; field?: string; code: string; message: string; status: string }>;
    more: number;
  };
  /**
   * run: payouts at a provider under one of the batch's order ids that no ledger row accounts for (its reconciliation
   * listing, or a provider event kept in the ledger): NOT_IN_LEDGER, money may have left twice (exit 3).
   */
  unaccountedPayouts?: number;
  /** run: a batch already finished before this run, with nothing left to send. */
  alreadyFinished?: { at: string; sentNow: number };
  exitCode: number;
  startedAt: string;
  finishedAt: string;
  /** The zone the text's dates are shown in (--tz, config "timeZone", else the providers' country); absent: UTC as stored. */
  timeZone?: string;
}

/** A readable report: rows per status, amounts per currency and status, where the results went. Ends with a newline. */
export function formatSummaryText(summary: RunSummary): string {
  const lines: string[] = [];
  const several = summary.providers && summary.providers.length > 1 ? `: ${summary.providers.join(', ')}` : '';
  lines.push(`${summary.command} ${summary.file} (provider ${summary.provider}${several})`);
  if (summary.batchId) lines.push(`batch ${summary.batchId}`);
  const shown = (iso: string): string => (summary.timeZone === undefined ? iso : `${formatLocal(new Date(iso), summary.timeZone)} ${summary.timeZone}`);
  if (summary.alreadyFinished) {
    lines.push(`this batch was already finished at ${shown(summary.alreadyFinished.at)}; ${summary.alreadyFinished.sentNow} sent now`);
  }

  const statuses = orderedStatuses(Object.keys(summary.counts));
  const total = statuses.reduce((sum, status) => sum + (summary.counts[status] ?? 0), 0);
  lines.push('');
  lines.push(
    ...table(
      ['status', 'rows'],
      [...statuses.map((status) => [status, String(summary.counts[status] ?? 0)]), ['total', String(total)]],
      ['left', 'right'],
    ),
  );

  if (summary.totals.length > 0) {
    const totals = sortedTotals(summary.totals);
    lines.push('');
    lines.push(
      ...table(
        ['status', 'rows', 'amount'],
        totals.map((t) => [t.status, String(t.count), `${t.currency} ${formatMinorGrouped(t.amountMinor)}`]),
        ['left', 'right', 'right'],
      ),
    );
  }

  if (summary.issues && Object.keys(summary.issues.byCode).length > 0) {
    const issues = summary.issues;
    lines.push('');
    lines.push(...table(['code', 'rows'], Object.entries(issues.byCode).map(([code, n]) => [code, String(n)]), ['left', 'right']));
    lines.push('');
    lines.push('first problem rows:');
    for (const i of issues.first) lines.push(`  row ${i.row} · ${i.field ? `${i.field} · ` : ''}${i.code} · ${i.message}`);
    if (issues.more > 0) lines.push(`  and ${issues.more} more in ${basename(summary.resultsXlsx ?? summary.resultsCsv ?? 'the results file')}`);
  }

  const where: Array<[string, string | undefined]> = [
    ['results', summary.resultsCsv],
    ['results', summary.resultsXlsx],
    ...(summary.reports ?? []).map((path): [string, string] => ['report', path]),
    ['ledger', summary.ledgerPath],
  ];
  const present = where.filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '');
  lines.push('');
  if (present.length === 0) lines.push(`output  ${summary.outDir}`);
  for (const [label, path] of present) lines.push(`${label.padEnd(7)}  ${path}`);

  if (summary.returnWindow) {
    const w = summary.returnWindow;
    lines.push('');
    lines.push(
      `paid rows re-checked (return window ${w.days} d): ${w.rechecked}; returned ${w.returned}, deleted at the provider ${w.deleted}, amount changed ${w.amountChanged}${w.cleared ? `; flags cleared ${w.cleared} (the provider agrees again)` : ''}${w.returnReversed ? `; returns reversed ${w.returnReversed} (paid again)` : ''}${w.paidTwice ? `; PAID TWICE ${w.paidTwice}` : ''}`,
    );
  }

  if (summary.unaccountedPayouts) {
    lines.push('');
    lines.push(`unaccounted payouts at the provider (NOT_IN_LEDGER, under this batch's order ids): ${summary.unaccountedPayouts}`);
  }

  if (summary.warnings.length > 0) {
    lines.push('');
    lines.push('warnings:');
    for (const warning of summary.warnings) lines.push(`  - ${warning}`);
  }

  lines.push('');
  lines.push(`exit ${summary.exitCode}  started ${shown(summary.startedAt)}  finished ${shown(summary.finishedAt)}`);
  return `${lines.join('\n')}\n`;
}

/**
 * The summary as one JSON object on one line, snake_case like the results file. Amounts appear both as the
 * canonical decimal string (for people and for tools that would lose cents in a float) and as integer minor units.
 */
export function formatSummaryJson(summary: RunSummary): string {
  const statuses = orderedStatuses(Object.keys(summary.counts));
  return JSON.stringify({
    command: summary.command,
    file: summary.file,
    provider: summary.provider,
    ...(summary.providers ? { providers: summary.providers } : {}),
    out_dir: summary.outDir,
    results_csv: summary.resultsCsv,
    results_xlsx: summary.resultsXlsx,
    ...(summary.reports ? { reports: summary.reports } : {}),
    ledger_path: summary.ledgerPath,
    batch_id: summary.batchId,
    counts: Object.fromEntries(statuses.map((status) => [status, summary.counts[status] ?? 0])),
    totals: sortedTotals(summary.totals).map((t) => ({
      currency: t.currency,
      status: t.status,
      count: t.count,
      amount: formatMinor(t.amountMinor),
      amount_minor: t.amountMinor,
    })),
    warnings: summary.warnings,
    ...(summary.issues
      ? {
          issues_by_code: summary.issues.byCode,
          first_issues: summary.issues.first.map((i) => ({ row: i.row, field: i.field ?? null, code: i.code, message: i.message, status: i.status })),
          more_issues: summary.issues.more,
        }
      : {}),
    ...(summary.unaccountedPayouts !== undefined ? { unaccounted_payouts: summary.unaccountedPayouts } : {}),
    ...(summary.alreadyFinished ? { already_finished: { at: summary.alreadyFinished.at, sent_now: summary.alreadyFinished.sentNow } } : {}),
    ...(summary.returnWindow
      ? {
          return_window: {
            days: summary.returnWindow.days,
            rechecked: summary.returnWindow.rechecked,
            returned: summary.returnWindow.returned,
            deleted: summary.returnWindow.deleted,
            amount_changed: summary.returnWindow.amountChanged,
            cleared: summary.returnWindow.cleared,
            return_reversed: summary.returnWindow.returnReversed ?? 0,
            paid_twice: summary.returnWindow.paidTwice ?? 0,
          },
        }
      : {}),
    ...(summary.plan
      ? {
          plan: summary.plan.map((p) => ({
            provider: p.provider,
            currency: p.currency,
            count: p.count,
            amount: formatMinor(p.amountMinor),
            amount_minor: p.amountMinor,
            fees: formatMinor(p.feeMinor + p.ivaMinor),
            fees_minor: p.feeMinor + p.ivaMinor,
          })),
        }
      : {}),
    exit_code: summary.exitCode,
    // Times stay UTC ISO 8601 for programs; the zone the text shows them in is named beside them.
    started_at: summary.startedAt,
    finished_at: summary.finishedAt,
    ...(summary.timeZone !== undefined ? { time_zone: summary.timeZone } : {}),
  });
}

/** Statuses in lifecycle order (valid … not_sent), then any others alphabetically. */
function orderedStatuses(statuses: string[]): string[] {
  const rank = (status: string): number => {
    const i = (ROW_STATUSES as readonly string[]).indexOf(status);
    return i < 0 ? ROW_STATUSES.length : i;
  };
  return [...statuses].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function sortedTotals(totals: RunSummary['totals']): RunSummary['totals'] {
  const order = orderedStatuses([...new Set(totals.map((t) => t.status))]);
  return [...totals].sort(
    (a, b) => a.currency.localeCompare(b.currency) || order.indexOf(a.status) - order.indexOf(b.status),
  );
}

function table(header: string[], rows: string[][], align: Array<'left' | 'right'>): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const render = (cells: string[]): string =>
    cells
      .map((cell, i) => (align[i] === 'right' ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [render(header), ...rows.map(render)];
}
