import pLimit from 'p-limit';
import { withRetries } from '../dispatch/retry-policy.ts';
import type { ProviderId } from '../domain/provider-id.ts';
import type { Environment, LedgerRow, LedgerStore } from '../ledger/ledger-store.ts';
import type { PayoutProvider, ProviderPayout, ProviderSession } from '../providers/payout-provider.ts';
import { isProviderError } from '../providers/provider-error.ts';
import { getProvider, getProviderModule } from '../providers/registry.ts';
import { RowIdSet } from './row-id-set.ts';
import { EXCEPTION_TYPES, compareRowWithPayout, ledgerIsBehind, payoutNotInLedger, rowUnknownToProvider, rowUnsettled, type ReconciliationException } from './exceptions.ts';

const LOOKUP_CONCURRENCY = 8;
const RETRY = { maxAttempts: 4, maxRetryTimeMs: 60_000 } as const;

/** How far one provider was compared, for the Summary sheet and the warnings. */
export interface ComparisonCoverage {
  provider: ProviderId;
  compared: boolean;
  /** One sentence: what was read and what could not be. */
  how: string;
}

export interface ComparisonResult {
  exceptions: ReconciliationException[];
  coverage: ComparisonCoverage[];
  warnings: string[];
}

/** Statuses whose rows may have a payout at the provider without our knowing its id. */
const UNSETTLED: readonly string[] = ['unknown', 'sending'];

/** Ledger payouts looked up one by one are read from the ledger this many at a time. */
const LOOKUP_PAGE = 256;

/**
 * Compares the ledger rows of the scope with each provider's own view: its listing of the period (every payout it
 * has, ours or not), then a lookup of each ledger payout the listing did not show (outside the window, or gone).
 * Reads only; the ledger is not changed (sync does that). A provider that cannot be read is reported in the
 * coverage and warnings, never guessed.
 *
 * The rows are not held: `rows` is read once to note which row ids are in the scope (a bit each), a listed payout is
 * matched with its row through the ledger (by payout id, else by order id), and `rows` is read again for the ledger
 * payouts the listing did not show. A million-row scope costs a few hundred kB here, not a few hundred MB.
 */
export async function compareWithProviders(options: {
  ledger: LedgerStore;
  /**
   * The scope rows that reached (or may have reached) a provider: with a payout id, or unknown / sending. Read twice,
   * each time from the start (a function returning a fresh iteration: the scope as the ledger reads it).
   */
  rows: () => AsyncIterable<LedgerRow> | Iterable<LedgerRow>;
  providers: readonly ProviderId[];
  sessions: ReadonlyMap<ProviderId, ProviderSession>;
  period: { from: Date; to: Date };
  /** The environment the sessions talk to: a listed payout is ours only if a row of this environment has its id. */
  environment?: Environment;
  /** For tests: the adapter of a provider. */
  providerOf?: (id: ProviderId) => PayoutProvider;
}): Promise<ComparisonResult> {
  const result: ComparisonResult = { exceptions: [], coverage: [], warnings: [] };
  const providerOf = options.providerOf ?? getProvider;
  const scope = await indexScope(options.rows());
  for (const id of options.providers) {
    const session = options.sessions.get(id);
    if (!session) {
      const how = `not compared: no ${id} credentials or connection for this report`;
      result.coverage.push({ provider: id, compared: false, how });
      result.warnings.push(`${id}: ${how}; the Exceptions sheet does not cover it`);
      continue;
    }
    await compareProvider(id, providerOf(id), session, { ...options, scope }, result);
  }
  // Lookups finish in any order: sort so the sheet reads the same on every run, grouped by kind of problem.
  result.exceptions.sort(
    (a, b) =>
      EXCEPTION_TYPES.indexOf(a.type) - EXCEPTION_TYPES.indexOf(b.type) ||
      a.provider.localeCompare(b.provider) ||
      (a.batchId ?? '').localeCompare(b.batchId ?? '') ||
      (a.rowNumber ?? 0) - (b.rowNumber ?? 0) ||
      (a.providerPayoutId ?? '').localeCompare(b.providerPayoutId ?? ''),
  );
  return result;
}

/** What the comparison keeps of the scope: which row ids it holds, and per provider the unsettled rows without an id. */
interface ScopeIndex {
  ids: RowIdSet;
  /** Rows unknown / sending without a payout id, per provider: counted for the coverage text. */
  unsettledWithoutId: Map<ProviderId, number>;
}

async function indexScope(rows: AsyncIterable<LedgerRow> | Iterable<LedgerRow>): Promise<ScopeIndex> {
  const index: ScopeIndex = { ids: new RowIdSet(), unsettledWithoutId: new Map() };
  for await (const row of rows) {
    index.ids.add(row.id);
    if (row.providerPayoutId === undefined && UNSETTLED.includes(row.status)) index.unsettledWithoutId.set(row.provider, (index.unsettledWithoutId.get(row.provider) ?? 0) + 1);
  }
  return index;
}

interface CompareContext {
  ledger: LedgerStore;
  rows: () => AsyncIterable<LedgerRow> | Iterable<LedgerRow>;
  scope: ScopeIndex;
  period: { from: Date; to: Date };
  environment?: Environment;
}

async function compareProvider(id: ProviderId, adapter: PayoutProvider, session: ProviderSession, options: CompareContext, result: ComparisonResult): Promise<void> {
  /** Scope rows whose payout the listing showed. */
  const seen = new RowIdSet();
  const behind = { count: 0 };
  let listed = 0;
  // A provider whose API lists no payouts (Zenrise) has each ledger row looked up on its own instead.
  const lists = getProviderModule(id).listsPayouts;

  if (lists) {
    try {
      for await (const payout of adapter.listPayouts(session, options.period)) {
        listed += 1;
        await matchListed(id, payout, { ...options, seen, behind }, result);
      }
    } catch (error) {
      const how = `not compared: the ${id} payout listing could not be read (${describe(error)})`;
      result.coverage.push({ provider: id, compared: false, how });
      result.warnings.push(`${id}: ${how}; the Exceptions sheet does not cover it`);
      return;
    }
  }

  // Ledger payouts the listing did not show: outside its window, or unknown to the provider. Looked up one by one,
  // a page of rows at a time.
  const limit = pLimit(LOOKUP_CONCURRENCY);
  let missing = 0;
  let failedLookups = 0;
  let lastError = '';
  const lookUp = (row: LedgerRow) =>
    limit(async () => {
      try {
        const payout = await withRetries(() => adapter.getPayout(session, row.providerPayoutId!), RETRY);
        if (ledgerIsBehind(row, payout)) behind.count += 1;
        result.exceptions.push(...compareRowWithPayout(row, payout));
      } catch (error) {
        if (isProviderError(error) && error.kind === 'not_found') result.exceptions.push(rowUnknownToProvider(row));
        else {
          failedLookups += 1;
          lastError = describe(error);
        }
      }
    });
  let page: LedgerRow[] = [];
  for await (const row of options.rows()) {
    if (row.provider !== id || row.providerPayoutId === undefined || seen.has(row.id)) continue;
    missing += 1;
    page.push(row);
    if (page.length < LOOKUP_PAGE) continue;
    await Promise.all(page.map(lookUp));
    page = [];
  }
  await Promise.all(page.map(lookUp));

  const unsettled = options.scope.unsettledWithoutId.get(id) ?? 0;
  const period = `${options.period.from.toISOString()} to ${options.period.to.toISOString()}`;
  let how = lists
    ? `listing ${period}: ${listed} payout(s) listed, ${missing} ledger payout(s) looked up one by one`
    : `no list endpoint: ${missing} ledger payout(s) looked up one by one; payouts made outside this tool cannot be seen`;
  if (unsettled > 0 && !lists) how += `; ${unsettled} unknown row(s) without a payout id not checked (run payout-batch sync)`;
  if (failedLookups > 0) {
    how += `; ${failedLookups} lookup(s) failed (${lastError})`;
    result.warnings.push(`${id}: ${failedLookups} payout lookup(s) failed (${lastError}); those rows were not compared`);
  }
  if (behind.count > 0) {
    result.warnings.push(`${id}: ${behind.count} row(s) the ledger holds as pending are settled at the provider; run payout-batch sync to record them (the statement shows no return for them until then)`);
  }
  if (!lists) result.warnings.push(`${id}: ${how}`);
  result.coverage.push({ provider: id, compared: true, how });
}

async function matchListed(
  id: ProviderId,
  payout: ProviderPayout,
  context: CompareContext & { seen: RowIdSet; behind: { count: number } },
  result: ComparisonResult,
): Promise<void> {
  const { ledger, scope } = context;
  const row = await ledger.findRowByProviderPayoutId(id, payout.payoutId, context.environment);
  if (row && row.provider === id && scope.ids.has(row.id)) {
    context.seen.add(row.id);
    if (ledgerIsBehind(row, payout)) context.behind.count += 1;
    result.exceptions.push(...compareRowWithPayout(row, payout));
    return;
  }
  // A payout of a row outside this report's scope (another batch, changed outside the range) is not an exception here.
  if (row) return;
  const sameOrder = payout.reference !== undefined ? await scopeRowOfOrder(ledger, scope, id, payout.reference) : undefined;
  if (sameOrder && sameOrder.providerPayoutId === undefined && UNSETTLED.includes(sameOrder.status)) {
    result.exceptions.push(rowUnsettled(sameOrder, payout));
    return;
  }
  // A failed payout nobody knows moved no money in the end: nothing to recover.
  if (payout.state === 'failed') return;
  result.exceptions.push(payoutNotInLedger(id, payout, sameOrder));
}

/** The latest row of the scope, of this provider, with this order id (read from the ledger: a payout not in it is rare). */
async function scopeRowOfOrder(ledger: LedgerStore, scope: ScopeIndex, id: ProviderId, orderKey: string): Promise<LedgerRow | undefined> {
  let latest: LedgerRow | undefined;
  for (const row of await ledger.rowsByOrderKey(orderKey)) {
    if (row.provider === id && scope.ids.has(row.id) && (latest === undefined || row.id > latest.id)) latest = row;
  }
  return latest;
}

function describe(error: unknown): string {
  if (isProviderError(error)) return `${error.kind}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
