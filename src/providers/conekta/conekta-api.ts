import { maskAccount } from '../../domain/mask-account.ts';
import type { PayoutInstruction, PayoutProvider, ProviderPayout, ProviderSession } from '../payout-provider.ts';
import { ProviderError } from '../provider-error.ts';
import { familyApi, mapWebhookKey } from '../conekta-family.ts';
import { asRecord, asString, mapAnswer } from '../http-status-error.ts';
import { conektaPayeeBody, conektaRecipientKey, conektaTransferBody } from './map-conekta-request.ts';
import {
  conektaTransferLast4,
  conektaTransferPayeeId,
  mapConektaBalance,
  mapConektaPayee,
  mapConektaTransfer,
  unixSeconds,
} from './map-conekta-response.ts';
import { conektaError } from './conekta-error.ts';

// conekta-dispersion.txt: --header 'accept: application/vnd.conekta-v2.0.0+json'
export const CONEKTA_ACCEPT = 'application/vnd.conekta-v2.0.0+json';
/** conekta SDK getTransfers: "The numbers of items to return, the maximum value is 250". */
export const CONEKTA_PAGE_SIZE = 250;
/** Clock skew allowed between our `since` and Conekta's created_at when looking a transfer up. */
export const CONEKTA_LOOKUP_SLACK_MS = 5 * 60 * 1000;

const { call, pages } = familyApi({
  name: 'conekta',
  accept: CONEKTA_ACCEPT,
  pageSize: CONEKTA_PAGE_SIZE,
  privateKey: (session) => session.credentials.conekta?.privateKey,
  error: conektaError,
});

/** POST /payees: one payee per CLABE. A repeated registration only makes a second payee, so it is retry-safe. */
async function createRecipient(session: ProviderSession, instruction: PayoutInstruction): Promise<{ recipientId: string }> {
  const label = 'conekta POST /payees';
  const response = await call(session, { method: 'POST', path: '/payees', body: JSON.stringify(conektaPayeeBody(instruction)), moneyMoving: false, label });
  return mapAnswer(() => mapConektaPayee(response.json), label, false);
}

async function createPayout(session: ProviderSession, instruction: PayoutInstruction): Promise<ProviderPayout> {
  const label = 'conekta POST /transfers';
  const body = JSON.stringify(conektaTransferBody(instruction));
  const response = await call(session, { method: 'POST', path: '/transfers', body, moneyMoving: true, label });
  return mapAnswer(() => withReference(mapConektaTransfer(response.json, maskAccount(instruction.account)), instruction), label, true);
}

/** The create answer may not echo metadata; the reference is ours anyway. */
function withReference(payout: ProviderPayout, instruction: PayoutInstruction): ProviderPayout {
  return payout.reference ? payout : { ...payout, reference: instruction.orderId };
}

async function getPayout(session: ProviderSession, payoutId: string): Promise<ProviderPayout> {
  const label = 'conekta GET /transfers/{id}';
  const response = await call(session, { method: 'GET', path: `/transfers/${encodeURIComponent(payoutId)}`, moneyMoving: false, label });
  return mapAnswer(() => mapConektaTransfer(response.json), label, false);
}

/** GET /transfers, page by page (`next` cursor), newest first; yields the raw transfer objects. */
function transferPages(session: ProviderSession, stopBeforeSeconds?: number): AsyncGenerator<unknown> {
  return pages(session, '/transfers', stopBeforeSeconds);
}

/**
 * Settles an unknown outcome: Conekta has no idempotency key for transfers, so the transfer is recognised among those
 * created since `since` (minus a clock-skew slack) — to the same payee, for the same amount. A transfer carrying our
 * request key in metadata is a certain match (and one carrying another key is certainly not ours). Without metadata,
 * two candidates cannot be told apart: the row cannot be settled automatically and stays unknown for the operator.
 */
async function findPayout(session: ProviderSession, instruction: PayoutInstruction, since: Date): Promise<ProviderPayout | null> {
  const cutoff = Math.floor((since.getTime() - CONEKTA_LOOKUP_SLACK_MS) / 1000);
  const clabe = conektaRecipientKey(instruction);
  const candidates: unknown[] = [];
  for await (const transfer of transferPages(session, cutoff)) {
    const record = asRecord(transfer);
    const created = unixSeconds(record?.created_at);
    if (!record || (created !== undefined && created < cutoff)) continue;
    if (record.amount !== instruction.amountMinor) continue;
    const payee = conektaTransferPayeeId(record);
    if (instruction.recipientId ? payee !== instruction.recipientId : conektaTransferLast4(record) !== clabe.slice(-4)) continue;
    const key = asString(asRecord(record.metadata)?.request_key);
    if (key === instruction.requestKey) return mapAnswer(() => mapConektaTransfer(record), 'conekta GET /transfers', false);
    if (key !== undefined) continue;
    candidates.push(record);
  }
  if (candidates.length === 0) return null;
  if (candidates.length === 1) return mapAnswer(() => withReference(mapConektaTransfer(candidates[0]), instruction), 'conekta GET /transfers', false);
  throw new ProviderError({
    kind: 'duplicate_reference',
    message: `conekta: ${candidates.length} transfers of the same amount to the same payee since ${since.toISOString()}; cannot tell which is order ${instruction.orderId}`,
    retryable: false,
    outcomeUnknown: true,
  });
}

/**
 * The provider-side guard: one pass over GET /transfers (newest first, `next` cursor; the list takes no documented
 * created-at filter, so paging stops once a descending page ends before `since` minus the clock-skew slack). Only
 * transfers carrying metadata.request_key are mapped; the newest one per key is kept.
 */
async function payoutsByRequestKey(session: ProviderSession, since: Date): Promise<Map<string, ProviderPayout>> {
  const cutoff = Math.floor((since.getTime() - CONEKTA_LOOKUP_SLACK_MS) / 1000);
  const found = new Map<string, ProviderPayout>();
  for await (const transfer of transferPages(session, cutoff)) {
    const record = asRecord(transfer);
    const created = unixSeconds(record?.created_at);
    if (!record || (created !== undefined && created < cutoff)) continue;
    const key = asString(asRecord(record.metadata)?.request_key);
    if (key === undefined || found.has(key)) continue;
    found.set(key, mapAnswer(() => mapConektaTransfer(record), 'conekta GET /transfers', false));
  }
  return found;
}

async function* listPayouts(session: ProviderSession, range: { from: Date; to: Date }): AsyncGenerator<ProviderPayout> {
  const fromSeconds = Math.floor(range.from.getTime() / 1000);
  const toSeconds = range.to.getTime() / 1000;
  for await (const transfer of transferPages(session, fromSeconds)) {
    const payout = mapAnswer(() => mapConektaTransfer(transfer), 'conekta GET /transfers', false);
    const at = payout.createdAt ? payout.createdAt.getTime() / 1000 : undefined;
    if (at === undefined || (at >= fromSeconds && at <= toSeconds)) yield payout;
  }
}

/** Not in the dispersion doc; the platform's GET /balance (official SDK BalancesApi), which the simulator serves. */
async function getBalance(session: ProviderSession): Promise<{ amountMinor: number; currency: 'MXN' } | undefined> {
  const label = 'conekta GET /balance';
  const response = await call(session, { method: 'GET', path: '/balance', moneyMoving: false, label });
  return mapAnswer(() => mapConektaBalance(response.json), label, false);
}

/** POST /webhook_keys: makes the key the provider signs its webhooks with; the answer carries its public half. */
async function createWebhookKey(session: ProviderSession): Promise<{ id: string; publicKey: string }> {
  const label = 'conekta POST /webhook_keys';
  const response = await call(session, { method: 'POST', path: '/webhook_keys', body: '{}', moneyMoving: false, label });
  return mapAnswer(() => mapWebhookKey(response.json), label, false);
}

export const conektaProvider: PayoutProvider = {
  id: 'conekta',
  recipient: {
    key: (instruction) => conektaRecipientKey(instruction),
    create: createRecipient,
  },
  createPayout,
  getPayout,
  findPayout,
  payoutsByRequestKey,
  listPayouts,
  createWebhookKey,
  getBalance,
};
