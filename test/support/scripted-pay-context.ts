import type { OutcomeInput } from '../../src/ledger/ledger-store.ts';
import type { PayoutInstruction, PayoutProvider, ProviderPayout, ProviderSession } from '../../src/providers/payout-provider.ts';
import { ProviderError, type ProviderErrorKind } from '../../src/providers/provider-error.ts';
import type { DispatchRow, RowResult } from '../../src/dispatch/dispatch-types.ts';
import { payRow, type PayContext } from '../../src/dispatch/pay-row.ts';

/** The time of a row's last mark in the scripts; attempt n is marked n seconds later. */
export const SENT_AT = new Date('2026-03-02T15:00:00Z');
export const INSTRUCTION: PayoutInstruction = {
  requestKey: 'conekta:B1-2',
  orderId: 'B1-2',
  amountMinor: 125_000,
  currency: 'MXN',
  account: { kind: 'clabe', number: '012180001234567897', bankCode: '012' },
};

export function perr(kind: ProviderErrorKind, flags: { retryable?: boolean; outcomeUnknown?: boolean; providerCode?: string } = {}): ProviderError {
  return new ProviderError({ kind, message: kind, retryable: flags.retryable ?? false, outcomeUnknown: flags.outcomeUnknown ?? false, ...(flags.providerCode ? { providerCode: flags.providerCode } : {}) });
}
export const payout = (state: ProviderPayout['state'], over: Partial<ProviderPayout> = {}): ProviderPayout => ({ payoutId: `po_${state}`, state, providerStatus: state, amountMinor: 125_000, currency: 'MXN', ...over });

/** One scripted answer: a value, an error to throw, or a function run at call time (to abort the run mid-request). */
export type Answer<T> = T | Error | ((run: { abort: () => void }) => T | Error);

export interface Script {
  row?: Partial<DispatchRow>;
  maxAttempts?: number;
  /** Answers of recipientFor, one per call; when absent every call answers `payee_1`. */
  recipient?: Answer<string | undefined>[];
  create?: Answer<ProviderPayout>[];
  find?: Answer<ProviderPayout | null>[];
  /** The lane's provider-side guard answers these, one per call; absent: the lane has no guard. */
  guard?: Answer<ProviderPayout | null>[];
  /** recordNow fails. */
  recordFails?: boolean;
  abortedBefore?: boolean;
  haltedBefore?: boolean;
}

export interface Run {
  result: RowResult;
  /** Every ctx call in order; `marked`/`recorded` are logged when the ledger write resolved. */
  log: string[];
  records: OutcomeInput[];
  marks: Parameters<PayContext['markSending']>[0][];
  halts: ProviderErrorKind[];
}

/** Pays row 7 through a PayContext whose provider and ledger answer from the script, logging every call in order. */
export async function run(script: Script): Promise<Run> {
  const controller = new AbortController();
  if (script.abortedBefore) controller.abort();
  const log: string[] = [];
  const records: OutcomeInput[] = [];
  const marks: Run['marks'] = [];
  const halts: ProviderErrorKind[] = [];
  let halted = script.haltedBefore ?? false;
  let attempt = script.row?.attempts ?? 0;
  const queues = { recipient: [...(script.recipient ?? [])], create: [...(script.create ?? [])], find: [...(script.find ?? [])], guard: [...(script.guard ?? [])] };
  const answer = async <T>(name: keyof typeof queues, fallback?: T): Promise<T> => {
    const queue = queues[name] as Answer<T>[];
    if (queue.length === 0) {
      if (fallback !== undefined) return fallback;
      log.push(`UNSCRIPTED ${name}`);
      throw new Error(`unscripted ${name}`);
    }
    const scripted = queue.shift()!;
    const next = typeof scripted === 'function' ? (scripted as (r: { abort: () => void }) => T | Error)({ abort: () => controller.abort() }) : (scripted as T | Error);
    await Promise.resolve();
    if (next instanceof Error) throw next;
    return next;
  };
  const provider = {
    id: 'conekta',
    createPayout: async (_session: ProviderSession, instruction: PayoutInstruction) => {
      log.push(`createPayout${instruction.recipientId ? ` ${instruction.recipientId}` : ''}`);
      return answer<ProviderPayout>('create');
    },
    findPayout: async (_session: ProviderSession, _instruction: PayoutInstruction, since: Date) => {
      log.push(`findPayout since ${since.toISOString()}`);
      return answer<ProviderPayout | null>('find');
    },
  } as unknown as PayoutProvider;
  const ctx: PayContext = {
    ...(script.guard
      ? {
          guard: async () => {
            log.push('guard');
            return answer<ProviderPayout | null>('guard');
          },
        }
      : {}),
    provider,
    session: {} as ProviderSession,
    maxAttempts: script.maxAttempts ?? 3,
    signal: controller.signal,
    markSending: async (item) => {
      log.push(`markSending${item.lookupFoundNothing ? ' lookupFoundNothing' : ''}`);
      marks.push(item);
      await new Promise((r) => setImmediate(r));
      attempt += 1;
      log.push(`marked #${attempt}`);
      return { rowId: item.rowId, attempt, requestKey: item.requestKey, sentAt: new Date(SENT_AT.getTime() + attempt * 1000) };
    },
    recordNow: async (outcome) => {
      log.push(`recordNow ${outcome.to}/${outcome.cause}`);
      await new Promise((r) => setImmediate(r));
      if (script.recordFails) throw new Error('SQLITE_FULL');
      records.push(outcome);
      log.push('recorded');
    },
    recipientFor: async () => {
      log.push('recipientFor');
      return answer<string | undefined>('recipient', script.recipient ? undefined : 'payee_1');
    },
    haltProvider: (error) => {
      log.push(`haltProvider ${error.kind}`);
      halts.push(error.kind);
      halted = true;
    },
    isHalted: () => halted,
  };
  const row: DispatchRow = { rowId: 7, row: 2, provider: 'conekta', status: 'queued', attempts: 0, instruction: INSTRUCTION, ...script.row };
  const result = await payRow(row, ctx);
  return { result, log, records, marks, halts };
}

