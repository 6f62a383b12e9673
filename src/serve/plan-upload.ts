import { createHash } from 'node:crypto';
import { ledgerPayable, readPlanSnapshot } from '../apply/read-plan-snapshot.ts';
import { checkFile, readLimitsOf, type CheckedFile } from '../commands/shared/check-file.ts';
import { createSession, type ProviderTarget } from '../commands/shared/provider-sessions.ts';
import type { AppConfig, Target } from '../config/config-types.ts';
import { accountValue, maskAccount, maskDigits } from '../domain/mask-account.ts';
import { formatMinor, type Minor } from '../domain/money.ts';
import type { CanonicalField, CheckedRow } from '../domain/payout-row.ts';
import type { Currency, ProviderId } from '../domain/provider-id.ts';
import { batchIdFor } from '../ledger/batch-identity.ts';
import type { KeyOwner, LedgerStore } from '../ledger/ledger-store.ts';
import { keysToLookUp, planChunk, RunPlanner, withLateConflict, type PlanSnapshot, type RunPlan } from '../plan/plan-run.ts';
import type { ProviderSession } from '../providers/payout-provider.ts';
import { providerAccount } from '../providers/provider-account.ts';
import { RunError } from '../run-error.ts';
import type { TotalsByCurrency } from './approval-rules.ts';
import type { ReviewRow } from './review-store.ts';

/** What planning needs of the server: the ledger, the config, and the providers of its target. */
export interface PlanContext {
  ledger: LedgerStore;
  config: AppConfig;
  target: Target;
  /** The target's providers (the in-process or given simulator, or the real endpoints with env credentials). */
  connect(providers: readonly ProviderId[]): Promise<ProviderTarget>;
}

export interface PlanInput {
  path: string;
  provider: ProviderId;
  sheet?: string | undefined;
  map?: Partial<Record<CanonicalField, string>> | undefined;
}

export interface TotalView {
  provider: ProviderId;
  currency: Currency;
  count: number;
  amount: string;
  fee: string;
  iva: string;
  debit: string;
  balance?: string;
  short: boolean;
}

/** What the review page and GET /api/batches/{id} show of a plan. */
export interface ReviewSummary {
  format: 'csv' | 'xlsx';
  sheet?: string;
  encoding?: string;
  headers: string[];
  /** field → header it was read from. */
  columns: Record<string, string>;
  /** Headers no field was read from. */
  unused: string[];
  warnings: string[];
  rowCount: number;
  /** Rows per verdict: valid, invalid, duplicate, conflict. */
  counts: Record<string, number>;
  /** Rows per issue code. */
  codes: Record<string, number>;
  totals: TotalView[];
  /** Amount to pay per currency, minor units. */
  totalsByCurrency: TotalsByCurrency;
  /** Earlier batches that own an order_id of this file. */
  duplicates: Array<{ batchId: string; rows: number }>;
  toPay: number;
  insufficientFunds: boolean;
}

export interface PreparedPlan {
  checked: CheckedFile;
  /**
   * The file's rows with their verdicts in the file and against the ledger. An upload is bounded in size (the
   * multipart limit), so the server keeps them: the review lists them and the approval hash covers them.
   */
  rows: CheckedRow[];
  plan: RunPlan;
  snapshot: PlanSnapshot;
  /** The ledger's owners of the file's order ids, as the plan saw them. */
  keyOwners: ReadonlyMap<string, KeyOwner>;
  batchId: string;
  environment: Target;
  account: string;
  sessions: Map<ProviderId, ProviderSession>;
  planHash: string;
  summary: ReviewSummary;
}

/**
 * The first half of `run` on an uploaded file: read, validate, dedupe in the file and against the ledger, totals with
 * fees, funds — the same functions `run` calls — plus the plan's hash, which approvals are bound to.
 */
export async function preparePlan(ctx: PlanContext, input: PlanInput): Promise<PreparedPlan> {
  const read: CheckedRow[] = [];
  const checked = await checkFile({
    file: input.path,
    provider: input.provider,
    target: ctx.target,
    ...(input.sheet ? { sheet: input.sheet } : {}),
    ...(input.map ? { map: input.map } : {}),
    limits: readLimitsOf(ctx.config.limits, {}),
    onRow: (row) => void read.push(row),
  });
  const inFile = read.map((r) => withLateConflict(r, checked.lateConflicts.get(r.row)));
  const providers = [...new Set([input.provider, ...inFile.flatMap((r) => (r.payout ? [r.payout.provider] : []))])];
  const target = await ctx.connect(providers);
  const account = providerAccount(input.provider, target.credentials);
  if (account === undefined) throw new RunError('CREDENTIALS_MISSING', `no ${input.provider} credentials for ${ctx.target}`, { hint: 'set the provider keys in the environment' });
  const batchId = batchIdFor(checked.fileHash, input.provider, { environment: ctx.target, account });
  const sessions = new Map(providers.map((id) => [id, createSession(id, target, ctx.config)] as const));
  const snapshot = await readPlanSnapshot({ ledger: ctx.ledger, batchId, providers, sessions });
  const keyOwners = await ctx.ledger.findKeyOwners(ctx.target, keysToLookUp(inFile));
  const rows = planChunk(inFile, keyOwners, batchId);
  const fees = Object.fromEntries(Object.entries(ctx.config.providers).map(([id, p]) => [id, p.fees])) as ConstructorParameters<typeof RunPlanner>[1];
  const planner = new RunPlanner(snapshot, fees);
  for (const r of rows) planner.add(r);
  if (snapshot.planned) for await (const p of ledgerPayable(ctx.ledger, batchId)) planner.addLedgerPayable(p);
  const plan = planner.finish();
  const planHash = hashPlan(checked.fileHash, input.provider, ctx.target, rows, plan);
  return { checked, rows, plan, snapshot, keyOwners, batchId, environment: ctx.target, account, sessions, planHash, summary: summarize(checked, rows, plan, snapshot, keyOwners) };
}

/** sha256 of what is approved: the file, the rows to pay (row, key, provider, amount, currency, destination) and totals. */
export function hashPlan(fileHash: string, provider: ProviderId, environment: Target, rows: readonly CheckedRow[], plan: RunPlan): string {
  const toPay = rows.flatMap((r) =>
    r.status === 'valid' && r.payout ? [[r.row, r.payout.orderId, r.payout.provider, r.payout.amountMinor, r.payout.currency, accountValue(r.payout.account)]] : [],
  );
  const totals = plan.totals.map((t) => [t.provider, t.currency, t.count, t.amountMinor, t.debitMinor]);
  return createHash('sha256').update(JSON.stringify({ fileHash, provider, environment, toPay, totals })).digest('hex');
}

function summarize(checked: CheckedFile, rows: readonly CheckedRow[], plan: RunPlan, snapshot: PlanSnapshot, keyOwners: ReadonlyMap<string, KeyOwner>): ReviewSummary {
  const counts: Record<string, number> = { valid: 0, invalid: 0, duplicate: 0, conflict: 0 };
  const codes: Record<string, number> = {};
  const owners = new Map<string, number>();
  for (const r of rows) {
    counts[r.status] = (counts[r.status] ?? 0) + 1;
    for (const code of new Set(r.issues.map((i) => i.code))) codes[code] = (codes[code] ?? 0) + 1;
    const owner = r.payout && r.status !== 'valid' ? keyOwners.get(r.payout.orderId) : undefined;
    if (owner && owner.batchId !== plan.batchId) owners.set(owner.batchId, (owners.get(owner.batchId) ?? 0) + 1);
  }
  const short = new Set(plan.shortfalls.map((s) => `${s.provider}|${s.currency}`));
  const totalsByCurrency: TotalsByCurrency = {};
  const totals = plan.totals.map((t): TotalView => {
    totalsByCurrency[t.currency] = (totalsByCurrency[t.currency] ?? 0) + t.amountMinor;
    const balance = snapshot.balances.get(`${t.provider}|${t.currency}`);
    return {
      provider: t.provider,
      currency: t.currency,
      count: t.count,
      amount: formatMinor(t.amountMinor),
      fee: formatMinor(t.feeMinor),
      iva: formatMinor(t.ivaMinor),
      debit: formatMinor(t.debitMinor),
      ...(balance !== undefined ? { balance: formatMinor(balance as Minor) } : {}),
      short: short.has(`${t.provider}|${t.currency}`),
    };
  });
  const opened = checked.opened;
  const columns = Object.fromEntries(Object.entries(opened.columns).filter((e): e is [string, string] => e[1] !== undefined));
  const used = new Set(Object.values(columns));
  return {
    format: opened.format,
    ...(opened.sheet ? { sheet: opened.sheet } : {}),
    ...(opened.encoding ? { encoding: opened.encoding } : {}),
    headers: opened.headers,
    columns,
    unused: opened.headers.filter((h) => h.trim() !== '' && !used.has(h)),
    warnings: opened.warnings,
    rowCount: rows.length,
    counts,
    codes,
    totals,
    totalsByCurrency,
    duplicates: [...owners].map(([batchId, rows]) => ({ batchId, rows })),
    // New valid rows, or for a batch already planned its rows still to be sent or settled.
    toPay: plan.totals.reduce((n, t) => n + t.count, 0),
    insufficientFunds: plan.shortfalls.length > 0,
  };
}

/** The rows as the review page lists them: verdict, issues by cell, cells with the account masked. */
export function reviewRows(rows: readonly CheckedRow[]): ReviewRow[] {
  return rows.map((r) => {
    const orderId = r.payout?.orderId ?? r.input.orderId;
    const amount = r.payout ? formatMinor(r.payout.amountMinor) : r.input.amount;
    const account = r.payout ? maskAccount(r.payout.account) : r.input.account !== undefined ? maskDigits(r.input.account.replace(/\s/g, '')) : undefined;
    const cells: Record<string, string> = {};
    const put = (field: string, value: string | undefined) => {
      if (value !== undefined && value !== '') cells[field] = value;
    };
    put('provider', r.payout?.provider ?? r.input.provider);
    put('order_id', orderId);
    put('amount', amount);
    put('currency', r.payout?.currency ?? r.input.currency);
    put('account', account);
    put('name', r.payout?.name ?? r.input.name);
    return {
      row: r.row,
      ...(orderId !== undefined ? { orderId } : {}),
      status: r.status,
      issues: r.issues.map((i) => ({ code: i.code, severity: i.severity, ...(i.field ? { field: i.field } : {}), ...(i.column ? { column: i.column } : {}), message: i.message })),
      cells,
    };
  });
}
