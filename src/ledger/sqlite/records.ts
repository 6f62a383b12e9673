import type { Account } from '../../domain/payout-row.ts';
import type { Currency, ProviderId } from '../../domain/provider-id.ts';
import type { RowStatus } from '../../domain/row-status.ts';
import type { BatchLockOwner } from '../ledger-error.ts';
import type { Batch, BatchEnvironment, BatchStatus, HistoryEntry, KeyOwner, LedgerRow, StatusTotal } from '../ledger-store.ts';
import { assertMinor } from '../../domain/money.ts';
import { ROW_STATUSES } from '../../domain/row-status.ts';
import { ownsKey, type ReturnedRowFacts, type TransitionCause } from '../transitions.ts';

/** The ledger's tables as SQLite returns them, and their mapping to the LedgerStore's types. */
export type Maybe<T> = T | null;

export interface RowRecord {
  id: number;
  batch_id: string;
  row_number: number;
  provider: string;
  environment: string;
  order_key: Maybe<string>;
  fingerprint: Maybe<string>;
  amount_minor: Maybe<number>;
  currency: Maybe<string>;
  account: Maybe<string>;
  account_kind: Maybe<string>;
  account_bank_code: Maybe<string>;
  account_bank_name: Maybe<string>;
  account_masked: Maybe<string>;
  name: Maybe<string>;
  email: Maybe<string>;
  phone: Maybe<string>;
  description: Maybe<string>;
  input: Maybe<string>;
  status: string;
  owner_row_id: Maybe<number>;
  request_key: Maybe<string>;
  attempts: number;
  recipient_id: Maybe<string>;
  provider_payout_id: Maybe<string>;
  provider_status: Maybe<string>;
  provider_reference: Maybe<string>;
  error_code: Maybe<string>;
  error_message: Maybe<string>;
  warning: Maybe<string>;
  note: Maybe<string>;
  sent_at: Maybe<string>;
  provider_updated_at: Maybe<string>;
  created_at: string;
  updated_at: string;
}

export interface BatchRecord {
  id: string;
  provider: string;
  file_name: string;
  file_hash: string;
  environment: string;
  account: Maybe<string>;
  row_count: number;
  status: string;
  planned_at: Maybe<string>;
  /** Absent before the migration that added it (a record read in the middle of migrating). */
  operator?: Maybe<string>;
  created_at: string;
  updated_at: string;
}

export interface HistoryRecord {
  id: number;
  row_id: number;
  batch_id: string;
  at: string;
  from_status: Maybe<string>;
  to_status: string;
  cause: string;
  attempt: number;
  provider_status: Maybe<string>;
  provider_code: Maybe<string>;
  provider_message: Maybe<string>;
  error_code: Maybe<string>;
  provider_event_at: Maybe<string>;
  note: Maybe<string>;
}

export interface LockRecord {
  owner_pid: number;
  owner_host: string;
  owner_token: string;
  started_at: string;
}

export interface OwnerRecord {
  id: number;
  batch_id: string;
  row_number: number;
  provider: string;
  environment: string;
  status: string;
  fingerprint: string;
  provider_payout_id: Maybe<string>;
}

export function facts(row: RowRecord) {
  return {
    status: row.status as RowStatus,
    attempts: row.attempts,
    providerStatus: row.provider_status ?? undefined,
    providerPayoutId: row.provider_payout_id ?? undefined,
    providerUpdatedAt: row.provider_updated_at === null ? undefined : new Date(row.provider_updated_at),
  };
}

export interface HistoryDetail {
  providerStatus?: string;
  providerCode?: string;
  providerMessage?: string;
  errorCode?: string;
  providerUpdatedAt?: Date;
  note?: string;
}

export function historyParams(
  rowId: number,
  batchId: string,
  at: string,
  from: RowStatus | null,
  to: RowStatus,
  cause: TransitionCause,
  attempt: number,
  detail: HistoryDetail,
) {
  return {
    row_id: rowId,
    batch_id: batchId,
    at,
    from_status: from,
    to_status: to,
    cause,
    attempt,
    provider_status: detail.providerStatus ?? null,
    provider_code: detail.providerCode ?? null,
    provider_message: detail.providerMessage ?? null,
    error_code: detail.errorCode ?? null,
    provider_event_at: detail.providerUpdatedAt ? iso(detail.providerUpdatedAt) : null,
    note: detail.note ?? null,
  };
}

export function toOwner(lock: LockRecord): BatchLockOwner {
  return { pid: lock.owner_pid, host: lock.owner_host, startedAt: new Date(lock.started_at) };
}

export function toKeyOwner(r: OwnerRecord): KeyOwner {
  const status = r.status as RowStatus;
  return {
    rowId: r.id,
    batchId: r.batch_id,
    rowNumber: r.row_number,
    provider: r.provider as ProviderId,
    environment: r.environment as BatchEnvironment,
    status,
    fingerprint: r.fingerprint,
    ownsKey: ownsKey(status),
    providerPayoutId: r.provider_payout_id ?? undefined,
  };
}

export function toAccount(r: RowRecord): Account | undefined {
  if (r.account === null || r.account_kind === null) return undefined;
  switch (r.account_kind) {
    case 'clabe':
      return {
        kind: 'clabe',
        number: r.account,
        bankCode: r.account_bank_code ?? r.account.slice(0, 3),
        ...(r.account_bank_name === null ? {} : { bankName: r.account_bank_name }),
      };
    case 'cbu':
    case 'cvu':
      return { kind: r.account_kind, number: r.account };
    case 'cash_out':
      return { kind: 'cash_out', email: r.email ?? r.account };
    default:
      return { kind: 'alias', alias: r.account };
  }
}

export interface BalanceRecord {
  provider: string;
  currency: string;
  amount_minor: number;
  captured_at: string;
}

/** A batch record and its opening balances as the ledger reads them back (both stores). */
export function toBatch(r: BatchRecord, balances: readonly BalanceRecord[]): Batch {
  return {
    id: r.id,
    provider: r.provider as ProviderId,
    fileName: r.file_name,
    fileHash: r.file_hash,
    environment: r.environment as BatchEnvironment,
    ...(r.account !== null ? { account: r.account } : {}),
    rowCount: r.row_count,
    status: r.status as BatchStatus,
    ...(r.planned_at ? { plannedAt: new Date(r.planned_at) } : {}),
    ...(r.operator ? { operator: r.operator } : {}),
    openingBalances: balances.map((b) => ({
      provider: b.provider as ProviderId,
      currency: b.currency as Currency,
      amountMinor: b.amount_minor,
      capturedAt: new Date(b.captured_at),
    })),
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

export function toRow(r: RowRecord): LedgerRow {
  return {
    id: r.id,
    batchId: r.batch_id,
    rowNumber: r.row_number,
    provider: r.provider as ProviderId,
    environment: r.environment as BatchEnvironment,
    orderKey: r.order_key ?? undefined,
    fingerprint: r.fingerprint ?? undefined,
    amountMinor: r.amount_minor ?? undefined,
    currency: (r.currency ?? undefined) as Currency | undefined,
    account: toAccount(r),
    accountMasked: r.account_masked ?? undefined,
    name: r.name ?? undefined,
    email: r.email ?? undefined,
    phone: r.phone ?? undefined,
    description: r.description ?? undefined,
    input: r.input === null ? undefined : (JSON.parse(r.input) as Record<string, string>),
    status: r.status as RowStatus,
    ownerRowId: r.owner_row_id ?? undefined,
    requestKey: r.request_key ?? undefined,
    attempts: r.attempts,
    recipientId: r.recipient_id ?? undefined,
    providerPayoutId: r.provider_payout_id ?? undefined,
    providerStatus: r.provider_status ?? undefined,
    providerReference: r.provider_reference ?? undefined,
    errorCode: r.error_code ?? undefined,
    errorMessage: r.error_message ?? undefined,
    warning: r.warning ?? undefined,
    note: r.note ?? undefined,
    sentAt: r.sent_at === null ? undefined : new Date(r.sent_at),
    providerUpdatedAt: r.provider_updated_at === null ? undefined : new Date(r.provider_updated_at),
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

export function toHistory(r: HistoryRecord): HistoryEntry {
  return {
    id: r.id,
    rowId: r.row_id,
    batchId: r.batch_id,
    at: new Date(r.at),
    from: r.from_status as RowStatus | null,
    to: r.to_status as RowStatus,
    cause: r.cause as TransitionCause,
    attempt: r.attempt,
    providerStatus: r.provider_status ?? undefined,
    providerCode: r.provider_code ?? undefined,
    providerMessage: r.provider_message ?? undefined,
    errorCode: r.error_code ?? undefined,
    providerEventAt: r.provider_event_at === null ? undefined : new Date(r.provider_event_at),
    note: r.note ?? undefined,
  };
}

export function iso(date: Date): string {
  return date.toISOString();
}

export interface TotalRecord {
  status: string;
  currency: Maybe<string>;
  n: number;
  amount: number;
}

/** totalsByStatus's answer from either store's GROUP BY: checked minor units, in lifecycle order of status, then currency. */
export function sortedTotals(records: readonly TotalRecord[]): StatusTotal[] {
  const rank = (s: string) => (ROW_STATUSES as readonly string[]).indexOf(s);
  return records
    .map((r) => {
      assertMinor(r.amount, `total of ${r.status} rows`);
      return { status: r.status as RowStatus, currency: (r.currency ?? null) as Currency | null, count: Number(r.n), amountMinor: r.amount };
    })
    .sort((a, b) => rank(a.status) - rank(b.status) || (a.currency ?? '').localeCompare(b.currency ?? ''));
}

/** A row record as decideReturnReversal reads it (PostgreSQL reads the same record shape). */
export function returnedFacts(row: RowRecord): ReturnedRowFacts {
  return {
    id: row.id,
    ...(row.provider_payout_id !== null ? { providerPayoutId: row.provider_payout_id } : {}),
    ...(row.provider_status !== null ? { providerStatus: row.provider_status } : {}),
    ...(row.error_code !== null ? { errorCode: row.error_code } : {}),
    ...(row.error_message !== null ? { errorMessage: row.error_message } : {}),
  };
}
