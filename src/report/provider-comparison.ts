import pLimit from 'p-limit';
import { withRetries } from '../dispatch/retry-policy.ts';
import type { ProviderId } from '../domain/provider-id.ts';
import type { Environment, LedgerRow, LedgerStore } from '../ledger/ledger-store.ts';
import type { PayoutProvider, ProviderPayout, ProviderSession } from '../providers/payout-provider.ts';
import { isProviderError } from '../providers/provider-error.ts';
import { getProvider, getProviderModule } from '../providers/registry.ts';
import { RowIdBits } from './row-id-bits.ts';
import { EXCEPTION_TYPES, compareRowWithPayout, ledgerIsBehind, payoutNotInLedger, rowUnknownToProvider, rowUnsettled, type ReconciliationException } from './exceptions.ts';

/** Lookups in flight per provider at least; more when the provider's configured concurrency allows more. */
const LOOKUP_CONCURRENCY = 8;
const RETRY = { maxAttempts: 4, maxRetryTimeMs: 60_000 } as const;

/** How far one provider was compared, for the Summary sheet and the warnings. */
export interface ComparisonCoverage {
  provider: ProviderId;
  compared: boolean;
  /** One sentence: what was read and what could not be. */
  how: string;
  /** The same sentence in Spanish, for a Spanish workbook. */
  howEs: string;
}

export interface ComparisonResult {
  exceptions: ReconciliationException[];
  /**
   * NOT_IN_LEDGER exceptions (among `exceptions`) of payouts under an order id a row of the scope carries: a second
   * payout of one of our orders, not a stranger's.
   */
  unaccounted: number;
  coverage: ComparisonCoverage[];
  warnings: string[];
}

/** Statuses whose rows may have a payout at the provider without our knowing its id. */
const UNSETTLED: readonly string[] = ['unknown', 'sending'];

/**
 * Compares the ledger rows of the scope with each provider's own view: its listing of the period (every payout it
 * has, ours or not), then a lookup of each ledger payout the listing did not show (outside the window, or gone).
 * Reads only; the ledger is not changed (sync does that). A provider that cannot be read is reported in the
 * coverage and warnings, never guessed.
 */
export async function compareWithProviders(options: {
  ledger: LedgerStore;
  /**
   * Scope rows that reached (or may have reached) a provider: with a payout id, or unknown / sending. Either the rows
   * (a small scope, tests), or the scope to read them from as they are needed (a million-row scope is never held).
   */
  rows: readonly LedgerRow[] | ScopeSource;
  providers: readonly ProviderId[];
  sessions: ReadonlyMap<ProviderId, ProviderSession>;
  period: { from: Date; to: Date };
  /** The environment the sessions talk to: a listed payout is ours only if a row of this environment has its id. */
  environment?: Environment;
  /** For tests: the adapter of a provider. */
  providerOf?: (id: ProviderId) => PayoutProvider;
  /** Requests in flight the provider allows (its configured concurrency): lookups one by one use as many. */
  concurrencyOf?: (id: ProviderId) => number;
}): Promise<ComparisonResult> {
  const result: ComparisonResult = { exceptions: [], unaccounted: 0, coverage: [], warnings: [] };
  const providerOf = options.providerOf ?? getProvider;
  for (const id of options.providers) {
    const session = options.sessions.get(id);
    if (!session) {
      const how = `not compared: no ${id} credentials or connection for this report`;
      result.coverage.push({ provider: id, compared: false, how, howEs: `no comparado: sin credenciales ni conexión de ${id} para este informe` });
      result.warnings.push(`${id}: ${how}; the Exceptions sheet does not cover it`);
      continue;
    }
    await compareProvider(id, providerOf(id), session, options, result);
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

/**
 * The scope, read from the ledger instead of held: its comparable rows streamed (with a payout id, or unknown /
 * sending), and whether a row is one of them. A listed payout is matched through the ledger's payout-id and
 * order-key indexes, then checked against the scope.
 */
export interface ScopeSource {
  rows: () => AsyncIterable<LedgerRow>;
  inScope: (row: LedgerRow) => boolean;
}

/** How one provider's listing finds the scope's rows: maps over held rows, or the ledger's indexes for a source. */
interface ScopeIndex {
  byPayoutId(payoutId: string): Promise<LedgerRow | undefined>;
  /** The scope's last row with this order id, if any. */
  byOrder(orderId: string): Promise<LedgerRow | undefined>;
  rows(): AsyncIterable<LedgerRow>;
}

function scopeIndex(id: ProviderId, rows: readonly LedgerRow[] | ScopeSource, ledger: LedgerStore, environment: Environment | undefined): ScopeIndex {
  if (!Array.isArray(rows)) {
    const source = rows as ScopeSource;
    const ours = (row: LedgerRow | undefined): row is LedgerRow => row !== undefined && row.provider === id && source.inScope(row);
    return {
      byPayoutId: async (payoutId) => {
        const row = await ledger.findRowByProviderPayoutId(id, payoutId, environment);
        return ours(row) && row.providerPayoutId === payoutId ? row : undefined;
      },
      byOrder: async (orderId) => (await ledger.rowsByOrderKey(orderId)).filter(ours).at(-1),
      rows: async function* () {
        for await (const row of source.rows()) if (row.provider === id) yield row;
      },
    };
  }
  const held = (rows as readonly LedgerRow[]).filter((r) => r.provider === id);
  const byPayoutId = new Map<string, LedgerRow>();
  const byOrder = new Map<string, LedgerRow>();
  for (const row of held) {
    if (row.providerPayoutId !== undefined) byPayoutId.set(row.providerPayoutId, row);
    if (row.orderKey !== undefined) byOrder.set(row.orderKey, row);
  }
  return {
    byPayoutId: async (payoutId) => byPayoutId.get(payoutId),
    byOrder: async (orderId) => byOrder.get(orderId),
    rows: async function* () {
      // A payout id held by two rows is compared once, as the map above keeps the last.
      for (const row of held) if (row.providerPayoutId === undefined || byPayoutId.get(row.providerPayoutId) === row) yield row;
    },
  };
}

/** Lookups in flight at most, and rows waiting for one: the rows the listing missed are looked up as they stream. */
const LOOKUP_BATCH = 256;

async function compareProvider(
  id: ProviderId,
  adapter: PayoutProvider,
  session: ProviderSession,
  options: { ledger: LedgerStore; rows: readonly LedgerRow[] | ScopeSource; period: { from: Date; to: Date }; environment?: Environment; concurrencyOf?: (id: ProviderId) => number },
  result: ComparisonResult,
): Promise<void> {
  const index = scopeIndex(id, options.rows, options.ledger, options.environment);
  // Row ids the listing showed, a bit each (a million of them cost 125 kB; payout-id strings would cost ~100 MB).
  const seen = new RowIdBits();
  const behind = { count: 0 };
  let listed = 0;
  // A provider whose API lists no payouts (Zenrise) has each ledger row looked up on its own instead.
  const lists = getProviderModule(id).listsPayouts;

  if (lists) {
    try {
      for await (const payout of adapter.listPayouts(session, options.period)) {
        listed += 1;
        await matchListed(id, payout, { index, seen, behind, ledger: options.ledger, environment: options.environment }, result);
      }
    } catch (error) {
      const how = `not compared: the ${id} payout listing could not be read (${describe(error)})`;
      result.coverage.push({ provider: id, compared: false, how, howEs: `no comparado: no se pudo leer el listado de pagos de ${id} (${describe(error)})` });
      result.warnings.push(`${id}: ${how}; the Exceptions sheet does not cover it`);
      return;
    }
  }

  // Ledger payouts the listing did not show: outside its window, or unknown to the provider. Looked up one by one,
  // a few at a time, as the scope streams past.
  // A provider without a list endpoint (Zenrise) is looked up row by row: at 8 in flight a few hundred rows with
  // occasional 429s (Retry-After 1 s) took seconds at the end of every run.
  const limit = pLimit(Math.max(LOOKUP_CONCURRENCY, Math.floor(options.concurrencyOf?.(id) ?? 0)));
  let missing = 0;
  let unsettled = 0;
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
  let waiting: LedgerRow[] = [];
  for await (const row of index.rows()) {
    if (row.providerPayoutId === undefined) {
      if (UNSETTLED.includes(row.status)) unsettled += 1;
      continue;
    }
    if (seen.has(row.id)) continue;
    missing += 1;
    waiting.push(row);
    if (waiting.length === LOOKUP_BATCH) {
      await Promise.all(waiting.map(lookUp));
      waiting = [];
    }
  }
  await Promise.all(waiting.map(lookUp));

  const period = `${options.period.from.toISOString()} to ${options.period.to.toISOString()}`;
  const periodEs = `del ${options.period.from.toISOString()} al ${options.period.to.toISOString()}`;
  let how = lists
    ? `listing ${period}: ${listed} payout(s) listed, ${missing} ledger payout(s) looked up one by one`
    : `no list endpoint: ${missing} ledger payout(s) looked up one by one; payouts made outside this tool cannot be seen`;
  let howEs = lists
    ? `listado ${periodEs}: ${listed} pago(s) listados, ${missing} pago(s) del libro consultados uno por uno`
    : `sin listado de pagos: ${missing} pago(s) del libro consultados uno por uno; no se ven los pagos hechos fuera de esta herramienta`;
  if (unsettled > 0 && !lists) {
    how += `; ${unsettled} unknown row(s) without a payout id not checked (run payout-batch sync)`;
    howEs += `; ${unsettled} fila(s) desconocidas sin ID de pago no revisadas (ejecute payout-batch sync)`;
  }
  if (failedLookups > 0) {
    how += `; ${failedLookups} lookup(s) failed (${lastError})`;
    howEs += `; ${failedLookups} consulta(s) fallaron (${lastError})`;
    result.warnings.push(`${id}: ${failedLookups} payout lookup(s) failed (${lastError}); those rows were not compared`);
  }
  if (behind.count > 0) {
    result.warnings.push(`${id}: ${behind.count} row(s) the ledger holds as pending are settled at the provider; run payout-batch sync to record them (the statement shows no return for them until then)`);
  }
  if (!lists) result.warnings.push(`${id}: ${how}`);
  result.coverage.push({ provider: id, compared: true, how, howEs });
}

async function matchListed(
  id: ProviderId,
  payout: ProviderPayout,
  ctx: { index: ScopeIndex; seen: RowIdBits; behind: { count: number }; ledger: LedgerStore; environment: Environment | undefined },
  result: ComparisonResult,
): Promise<void> {
  const row = await ctx.index.byPayoutId(payout.payoutId);
  if (row) {
    ctx.seen.add(row.id);
    if (ledgerIsBehind(row, payout)) ctx.behind.count += 1;
    result.exceptions.push(...compareRowWithPayout(row, payout));
    return;
  }
  // A payout of a row outside this report's scope (another batch, changed outside the range) is not an exception here.
  if (await ctx.ledger.findRowByProviderPayoutId(id, payout.payoutId, ctx.environment)) return;
  const sameOrder = payout.reference !== undefined ? await ctx.index.byOrder(payout.reference) : undefined;
  if (sameOrder && sameOrder.providerPayoutId === undefined && UNSETTLED.includes(sameOrder.status)) {
    result.exceptions.push(rowUnsettled(sameOrder, payout));
    return;
  }
  // A failed payout nobody knows moved no money in the end: nothing to recover.
  if (payout.state === 'failed') return;
  result.exceptions.push(payoutNotInLedger(id, payout, sameOrder));
  if (sameOrder) result.unaccounted += 1;
}

function describe(error: unknown): string {
  if (isProviderError(error)) return `${error.kind}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
