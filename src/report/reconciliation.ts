import type { FeeSchedule } from '../config/config-types.ts';
import type { Minor } from '../domain/money.ts';
import { addMinor, assertMinor } from '../domain/money.ts';
import type { ProviderId } from '../domain/provider-id.ts';
import type { RowStatus } from '../domain/row-status.ts';
import type { LedgerRow } from '../ledger/ledger-store.ts';
import { providerOfRow } from '../domain/row-provider.ts';
import { payoutFee } from '../plan/fees.ts';
import { getProviderModule } from '../providers/registry.ts';
import { parsedAmountOf } from '../write/format-amount.ts';
import { isMovement } from './movements.ts';

/**
 * The detail sheets of reconciliation.xlsx, in order. Every ledger status lands in exactly one, so the Summary's
 * row counts add up to the ledger's. `sending` is grouped with `unknown` (the request may have left); `queued` and
 * `not_sent` (never left) have a sheet of their own, since neither is a failure.
 */
export const DETAIL_SHEETS = ['Paid', 'Pending', 'Failed', 'Unknown', 'Not sent', 'Invalid', 'Duplicates & conflicts'] as const;
export type DetailSheet = (typeof DETAIL_SHEETS)[number];

export const SHEET_OF_STATUS: Record<RowStatus, DetailSheet> = {
  paid: 'Paid',
  pending: 'Pending',
  failed: 'Failed',
  unknown: 'Unknown',
  sending: 'Unknown',
  queued: 'Not sent',
  not_sent: 'Not sent',
  valid: 'Not sent',
  invalid: 'Invalid',
  duplicate: 'Duplicates & conflicts',
  conflict: 'Duplicates & conflicts',
};

/** Currencies an amount may be summed under: only amounts we parsed ourselves carry one of these. */
export const SUMMED_CURRENCIES = ['MXN', 'ARS'] as const;

/** One ledger row as a line of a detail sheet. Text fields are raw here; the writer escapes them. */
export interface DetailRecord {
  sheet: DetailSheet;
  rowNumber: number;
  batchId: string;
  /** Absent for a row whose provider cell named none of ours: it is counted under no provider. */
  provider?: ProviderId;
  /** The provider cell: the provider's id, or what the file said when it names none of ours. */
  providerText: string;
  orderId: string;
  status: RowStatus;
  /** The parsed currency, or what the file said for a row that did not parse. */
  currency: string;
  /**
   * Parsed amount: a number cell, summed by the Summary. For a row the ledger holds no amount for (invalid), the
   * file's text read as validation reads it, when it parses in the row's currency.
   */
  amountMinor?: Minor;
  /** What the file said when the ledger holds no amount: a text cell of its own, never summed. */
  amountText?: string;
  /** Only for rows that moved money (see isMovement): what the provider charges, from the config. */
  feeMinor?: Minor;
  ivaMinor?: Minor;
  account: string;
  name: string;
  providerPayoutId: string;
  providerStatus: string;
  attempts: number;
  errorCode: string;
  errorMessage: string;
  warning: string;
  note: string;
  sentAt?: Date;
  updatedAt: Date;
}

export function detailRecord(row: LedgerRow, fees: Record<ProviderId, FeeSchedule>): DetailRecord {
  const input = row.input ?? {};
  const provider = providerOfRow(row);
  const record: DetailRecord = {
    sheet: SHEET_OF_STATUS[row.status],
    rowNumber: row.rowNumber,
    batchId: row.batchId,
    ...(provider !== undefined ? { provider } : {}),
    providerText: provider ?? input.provider ?? '',
    orderId: row.orderKey ?? input.orderId ?? '',
    status: row.status,
    currency: row.currency ?? input.currency ?? '',
    account: row.accountMasked ?? input.account ?? '',
    name: row.name ?? input.name ?? '',
    providerPayoutId: row.providerPayoutId ?? '',
    providerStatus: row.providerStatus ?? '',
    attempts: row.attempts,
    errorCode: row.errorCode ?? '',
    errorMessage: row.errorMessage ?? '',
    warning: row.warning ?? '',
    note: row.note ?? '',
    updatedAt: row.updatedAt,
  };
  if (row.amountMinor !== undefined) record.amountMinor = row.amountMinor;
  else if (input.amount) {
    record.amountText = input.amount;
    const parsed = parsedAmountOf(input.amount, record.currency, provider === undefined ? undefined : getProviderModule(provider).currency);
    if (parsed) {
      record.amountMinor = parsed.minor;
      record.currency = parsed.currency;
    }
  }
  if (row.sentAt) record.sentAt = row.sentAt;
  if (isMovement(row)) {
    const { feeMinor, ivaMinor } = payoutFee(row.amountMinor!, fees[row.provider]);
    record.feeMinor = feeMinor;
    record.ivaMinor = ivaMinor;
  }
  return record;
}

/** What one provider contributes to one detail sheet. */
export interface ProviderTotals {
  rows: number;
  amountByCurrency: Map<string, Minor>;
  feeMinor: Minor;
  ivaMinor: Minor;
}

export interface SheetTotals {
  rows: number;
  amountByCurrency: Map<string, Minor>;
  feeByCurrency: Map<string, Minor>;
  ivaByCurrency: Map<string, Minor>;
  byProvider: Map<ProviderId, ProviderTotals>;
  /** Rows whose provider cell named none of ours: counted under no provider. */
  withoutProvider: number;
}

/**
 * Counts and sums per sheet, per currency and per provider: the cached results of the Summary's formulas, computed
 * by the same rule the formulas state (COUNTA of the rows; SUMIFS of the number cells whose currency cell matches).
 */
export function sheetTotals(records: Iterable<DetailRecord>): Map<DetailSheet, SheetTotals> {
  const totals = emptySheetTotals();
  for (const r of records) addToSheetTotals(totals, r);
  return totals;
}

export function emptySheetTotals(): Map<DetailSheet, SheetTotals> {
  return new Map<DetailSheet, SheetTotals>(
    DETAIL_SHEETS.map((s) => [s, { rows: 0, amountByCurrency: new Map(), feeByCurrency: new Map(), ivaByCurrency: new Map(), byProvider: new Map(), withoutProvider: 0 }]),
  );
}

/** Adds one line to the totals: a report counts as the rows stream past, and holds none of them. */
export function addToSheetTotals(totals: Map<DetailSheet, SheetTotals>, r: DetailRecord): void {
  const sheet = totals.get(r.sheet)!;
  sheet.rows += 1;
  let provider: ProviderTotals | undefined;
  if (r.provider === undefined) sheet.withoutProvider += 1;
  else {
    provider = sheet.byProvider.get(r.provider) ?? { rows: 0, amountByCurrency: new Map<string, Minor>(), feeMinor: 0, ivaMinor: 0 };
    sheet.byProvider.set(r.provider, provider);
    provider.rows += 1;
    provider.feeMinor = addMinor(provider.feeMinor, r.feeMinor ?? 0);
    provider.ivaMinor = addMinor(provider.ivaMinor, r.ivaMinor ?? 0);
  }
  if ((SUMMED_CURRENCIES as readonly string[]).includes(r.currency)) {
    if (r.amountMinor !== undefined) {
      addTo(sheet.amountByCurrency, r.currency, r.amountMinor);
      if (provider) addTo(provider.amountByCurrency, r.currency, r.amountMinor);
    }
    if (r.feeMinor !== undefined) addTo(sheet.feeByCurrency, r.currency, r.feeMinor);
    if (r.ivaMinor !== undefined) addTo(sheet.ivaByCurrency, r.currency, r.ivaMinor);
  }
}

function addTo(map: Map<string, Minor>, key: string, amount: Minor): void {
  const next = (map.get(key) ?? 0) + amount;
  assertMinor(next, 'sheet total');
  map.set(key, next);
}
