import type { FeeSchedule } from '../config/config-types.ts';
import type { Minor } from '../domain/money.ts';
import { addMinor, assertMinor } from '../domain/money.ts';
import type { Currency, ProviderId } from '../domain/provider-id.ts';
import { PROVIDER_IDS } from '../domain/provider-id.ts';
import { LedgerError } from '../ledger/ledger-error.ts';
import type { Batch } from '../ledger/ledger-store.ts';
import { payoutFee } from '../plan/fees.ts';
import { getProviderModule } from '../providers/registry.ts';
import type { Movement, ReturnReason } from './movements.ts';
import { MovementTable, type MovementTexts } from './movement-table.ts';
import { bothLanguages, type Words } from './workbook-language.ts';

/** The zone a provider's dates are shown in: the operator's choice (--tz or config "timeZone"), else its country's. */
export function zoneOf(provider: ProviderId, override?: string): string {
  return override ?? getProviderModule(provider).timeZone;
}

/**
 * What a failed, returned or expired payout gives back to the balance. The providers return the principal (every
 * doc and the simulator say the money comes back); none of the docs says whether the fee does, which is a matter
 * of each contract. We take the conservative reading, the one a provider's estado de cuenta shows when it charges
 * for processing the instruction: the principal is returned, the fee and its IVA stay charged. The statement then
 * never shows more money than the account may hold. Flip this only together with the test that pins it.
 */
export const FEE_RETURNED_ON_FAILURE = false;


/**
 * A return line's description, per language: statement.xlsx writes it in the workbook's; a line's `description`
 * (and statement.csv) carries the Spanish one, as a payout line carries the provider's own statement text.
 */
export const RETURN_DESCRIPTIONS: Record<ReturnReason, Words> = {
  failed: bothLanguages('Devolución: pago rechazado', 'Return: payout rejected'),
  expired: bothLanguages('Devolución: retiro OXXO vencido sin cobrar', 'Return: OXXO cash-out expired uncollected'),
  cancelled: bothLanguages('Devolución: retiro cancelado', 'Return: cash-out cancelled'),
};

export type OpeningSource =
  /** The provider's balance, read by run when the batch started (batch.openingBalances). */
  | 'provider'
  /** --opening-balance. */
  | 'operator'
  /**
   * Neither: the provider reports no balance (FEMSA, Zenrise) or none was captured, and none was given. The section
   * lists movements and totals, and no balance: starting from 0 would close at minus what was paid, which reads as
   * an overdrawn account.
   */
  | 'none';

export interface OpeningBalance {
  amountMinor: Minor;
  source: OpeningSource;
  at?: Date;
  /** The batch whose start captured it. */
  batchId?: string;
}

export interface StatementLine {
  kind: 'payout' | 'return';
  at: Date;
  rowId: number;
  batchId: string;
  rowNumber: number;
  orderId: string;
  beneficiary: string;
  description: string;
  /** The payout's principal, on both its lines. */
  amountMinor: Minor;
  feeMinor: Minor;
  ivaMinor: Minor;
  /** amount + fee + IVA on the payout line; 0 on a return. */
  debitMinor: Minor;
  /** What came back on a return line; 0 on a payout. */
  creditMinor: Minor;
  /** After this line; absent when the opening balance is not known. */
  balanceMinor?: Minor;
  providerPayoutId: string;
  /** The ledger status for a payout line; the return reason for a return line. */
  status: string;
}

export interface StatementTotals {
  payouts: number;
  amountMinor: Minor;
  feeMinor: Minor;
  ivaMinor: Minor;
  debitMinor: Minor;
  returns: number;
  creditMinor: Minor;
}

/** One provider account in one currency: the estado de cuenta of that account over the report's scope. */
export interface StatementSection {
  provider: ProviderId;
  currency: Currency;
  opening: OpeningBalance;
  /**
   * Every movement in time order with its running balance, made a page of lines at a time each time it is read (a
   * scope of a million payouts is never held as line objects; each page's texts are read back from the ledger);
   * `lineCount` says how many.
   */
  lines: AsyncIterable<StatementLine>;
  lineCount: number;
  totals: StatementTotals;
  /** opening − debits + credits, exactly; absent when the opening balance is not known (source 'none'). */
  closingMinor?: Minor;
  /** credits − debits: what the scope's movements did to the balance, known even without an opening balance. */
  netMinor: Minor;
  /** The IANA zone the section's dates are shown in (its provider's country, or --tz). */
  timeZone: string;
}

export const accountKey = (provider: ProviderId, currency: string): string => `${provider}|${currency}`;

/**
 * The opening balance of each account: the one captured when the OLDEST batch of the scope that captured one
 * started (later batches' captures already include the earlier batches' payouts), or the operator's amount, which
 * wins when given: one for every account (`operatorMinor`, the caller checked there is one account), or one per
 * provider (`operatorByProvider`). Accounts with neither are flagged 'none' (amount 0, never shown as a balance).
 */
export function resolveOpenings(
  accounts: Iterable<{ provider: ProviderId; currency: Currency }>,
  batchesOldestFirst: readonly Batch[],
  operatorMinor: Minor | undefined,
  operatorByProvider: ReadonlyMap<ProviderId, Minor> = new Map(),
): Map<string, OpeningBalance> {
  const openings = new Map<string, OpeningBalance>();
  for (const { provider, currency } of accounts) {
    const key = accountKey(provider, currency);
    if (openings.has(key)) continue;
    const operatorMinor_ = operatorByProvider.get(provider) ?? operatorMinor;
    if (operatorMinor_ !== undefined) {
      assertMinor(operatorMinor_, 'opening balance');
      openings.set(key, { amountMinor: operatorMinor_, source: 'operator' });
      continue;
    }
    let found: OpeningBalance | undefined;
    for (const batch of batchesOldestFirst) {
      const captured = batch.openingBalances.find((b) => b.provider === provider && b.currency === currency);
      if (captured) {
        found = { amountMinor: captured.amountMinor, source: 'provider', at: captured.capturedAt, batchId: batch.id };
        break;
      }
    }
    openings.set(key, found ?? { amountMinor: 0, source: 'none' });
  }
  return openings;
}

/**
 * The statement, one section per provider account and currency, in provider order: the opening balance, then
 * every movement in time order with a running balance, then the closing balance. A payout is one debit of
 * amount + fee + IVA on the fee (fees from the config, payoutFee); a failed one adds a credit, at the time of the
 * failure, of what came back (FEE_RETURNED_ON_FAILURE). Integer minor units throughout. The totals and the closing
 * balance are worked out here; the lines are made again, in order, each time a section's `lines` is read.
 */
export function buildStatement(input: {
  /** The movements; a table (a report's scope) comes with `textsOf`, which reads its lines' texts back. */
  movements: readonly Movement[] | MovementTable;
  /** The texts of these rows' lines (at most LINES_PER_READ ids a call); only with a table. */
  textsOf?: (rowIds: readonly number[]) => Promise<ReadonlyMap<number, MovementTexts>>;
  fees: Record<ProviderId, FeeSchedule>;
  openings: Map<string, OpeningBalance>;
  /** The zone of each provider's dates; default its country's (local-time.ts). */
  timeZoneOf?: (provider: ProviderId) => string;
}): StatementSection[] {
  let table: MovementTable;
  let textsOf: (rowIds: readonly number[]) => Promise<ReadonlyMap<number, MovementTexts>>;
  if (input.movements instanceof MovementTable) {
    if (!input.textsOf) throw new TypeError('buildStatement: a MovementTable needs textsOf');
    table = input.movements;
    textsOf = input.textsOf;
  } else {
    table = MovementTable.of(input.movements);
    const held = new Map(input.movements.map((m) => [m.rowId, m] as const));
    textsOf = async (rowIds) => new Map(rowIds.map((id) => [id, held.get(id)!] as const));
  }
  // Per account, the movements' line codes: movement index × 2, + 1 for its return line.
  const codes = new Map<string, Uint32Array>();
  const counts = new Array<number>(table.accounts().length).fill(0);
  for (let i = 0; i < table.length; i++) counts[table.accountOf(i)]! += Number.isNaN(table.returnedAtOf(i)) ? 1 : 2;
  const byAccount = table.accounts().map((_, a) => new Uint32Array(counts[a]!));
  const filled = new Array<number>(byAccount.length).fill(0);
  for (let i = 0; i < table.length; i++) {
    const a = table.accountOf(i);
    const list = byAccount[a]!;
    list[filled[a]!++] = i * 2;
    if (!Number.isNaN(table.returnedAtOf(i))) list[filled[a]!++] = i * 2 + 1;
  }
  table.accounts().forEach((acc, a) => codes.set(accountKey(acc.provider, acc.currency), byAccount[a]!));
  const keys = new Set([...codes.keys(), ...input.openings.keys()]);
  const sections: StatementSection[] = [];
  for (const key of [...keys].sort(accountOrder)) {
    const [provider, currency] = key.split('|') as [ProviderId, Currency];
    const opening = input.openings.get(key) ?? { amountMinor: 0, source: 'none' as const };
    const zone = (input.timeZoneOf ?? ((p: ProviderId) => zoneOf(p)))(provider);
    sections.push(buildSection(provider, currency, opening, table, textsOf, codes.get(key) ?? new Uint32Array(0), input.fees[provider], zone));
  }
  return sections;
}

/** Lines made per read of their rows' texts (one ledger read of as many rows at most). */
export const LINES_PER_READ = 500;

function buildSection(
  provider: ProviderId,
  currency: Currency,
  opening: OpeningBalance,
  table: MovementTable,
  textsOf: (rowIds: readonly number[]) => Promise<ReadonlyMap<number, MovementTexts>>,
  lineCodes: Uint32Array,
  fees: FeeSchedule,
  timeZone: string,
): StatementSection {
  const atOf = (code: number): number => ((code & 1) === 0 ? table.debitedAtOf(code >> 1) : table.returnedAtOf(code >> 1));
  // Time order; a row's payout before its return when both carry the same instant.
  lineCodes.sort((a, b) => atOf(a) - atOf(b) || table.rowIdOf(a >> 1) - table.rowIdOf(b >> 1) || (a & 1) - (b & 1));

  const known = opening.source !== 'none';
  const statementText = getProviderModule(provider).statementText;
  const lineOf = (code: number, balance: { minor: Minor }, movement: Movement): StatementLine => {
    const { feeMinor, ivaMinor } = payoutFee(movement.amountMinor, fees);
    const base = {
      rowId: movement.rowId,
      batchId: movement.batchId,
      rowNumber: movement.rowNumber,
      orderId: movement.orderId,
      beneficiary: movement.beneficiary,
      amountMinor: movement.amountMinor,
      providerPayoutId: movement.providerPayoutId,
    };
    const draft: Omit<StatementLine, 'balanceMinor'> =
      (code & 1) === 0
        ? // As the provider's own statement names a payout (its module's statementText).
          { ...base, kind: 'payout', at: movement.debitedAt, description: statementText, feeMinor, ivaMinor, debitMinor: movement.amountMinor + feeMinor + ivaMinor, creditMinor: 0, status: movement.status }
        : {
            ...base,
            kind: 'return',
            at: movement.returned!.at,
            description: RETURN_DESCRIPTIONS[movement.returned!.reason].es,
            feeMinor: 0,
            ivaMinor: 0,
            debitMinor: 0,
            creditMinor: movement.amountMinor + (FEE_RETURNED_ON_FAILURE ? feeMinor + ivaMinor : 0),
            status: movement.returned!.reason,
          };
    balance.minor = balance.minor - draft.debitMinor + draft.creditMinor;
    assertMinor(balance.minor, 'statement balance');
    return known ? { ...draft, balanceMinor: balance.minor } : draft;
  };

  // Without an opening balance the running balance is the net change: kept to compute the totals' check, not shown.
  const start = known ? opening.amountMinor : 0;
  const balance = { minor: start };
  const totals: StatementTotals = { payouts: 0, amountMinor: 0, feeMinor: 0, ivaMinor: 0, debitMinor: 0, returns: 0, creditMinor: 0 };
  for (const code of lineCodes) {
    const amountMinor = table.amountOf(code >> 1);
    const { feeMinor, ivaMinor } = payoutFee(amountMinor, fees);
    if ((code & 1) === 0) {
      const debit = amountMinor + feeMinor + ivaMinor;
      balance.minor -= debit;
      totals.payouts += 1;
      totals.amountMinor = addMinor(totals.amountMinor, amountMinor);
      totals.feeMinor = addMinor(totals.feeMinor, feeMinor);
      totals.ivaMinor = addMinor(totals.ivaMinor, ivaMinor);
      totals.debitMinor = addMinor(totals.debitMinor, debit);
    } else {
      const credit = amountMinor + (FEE_RETURNED_ON_FAILURE ? feeMinor + ivaMinor : 0);
      balance.minor += credit;
      totals.returns += 1;
      totals.creditMinor = addMinor(totals.creditMinor, credit);
    }
    assertMinor(balance.minor, 'statement balance');
  }
  for (const value of Object.values(totals)) assertMinor(value, 'statement total');
  const netMinor = totals.creditMinor - totals.debitMinor;
  assertMinor(netMinor, 'statement net');
  const lines: AsyncIterable<StatementLine> = {
    async *[Symbol.asyncIterator]() {
      const running = { minor: start };
      for (let from = 0; from < lineCodes.length; from += LINES_PER_READ) {
        const page = lineCodes.subarray(from, from + LINES_PER_READ);
        const rowIds = [...new Set(Array.from(page, (code) => table.rowIdOf(code >> 1)))];
        const texts = await textsOf(rowIds);
        for (const code of page) {
          const rowId = table.rowIdOf(code >> 1);
          const rowTexts = texts.get(rowId);
          // Rows are never deleted: a row missing here is a ledger that changed under the report.
          if (!rowTexts) throw new LedgerError('ROW_NOT_FOUND', `statement: row ${rowId} is no longer in the ledger`, { rowId });
          yield lineOf(code, running, table.get(code >> 1, rowTexts));
        }
      }
    },
  };
  return { provider, currency, opening, lines, lineCount: lineCodes.length, totals, ...(known ? { closingMinor: balance.minor } : {}), netMinor, timeZone };
}

function accountOrder(a: string, b: string): number {
  const [pa = '', ca = ''] = a.split('|');
  const [pb = '', cb = ''] = b.split('|');
  const rank = (p: string) => (PROVIDER_IDS as readonly string[]).indexOf(p);
  return rank(pa) - rank(pb) || ca.localeCompare(cb);
}
