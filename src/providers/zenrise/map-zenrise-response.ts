import { maskDigits } from '../../domain/mask-account.ts';
import type { ProviderPayout } from '../payout-provider.ts';
import { ProviderError } from '../provider-error.ts';
import { decimalToMinorExact } from '../decimal-json.ts';
import { asRecord, asString } from '../http-status-error.ts';

/**
 * zenrise-payouts.txt, Ciclo de vida de una Transferencia: Pending, InProgress, Fail, Accredited. Any other word is
 * not final.
 */
export function mapZenriseStatus(status: string | undefined): ProviderPayout['state'] {
  switch (status?.toLowerCase()) {
    case 'accredited':
      return 'paid';
    case 'fail':
    case 'failed':
      return 'failed';
    default:
      return 'pending';
  }
}

/** The object itself, or the one inside a `{data: …}` envelope. */
function unwrap(body: unknown): Record<string, unknown> | undefined {
  const record = asRecord(body);
  if (record && record.id === undefined && record.bankAccountId === undefined) return asRecord(record.data) ?? record;
  return record;
}

/** A transfer request (POST /transfer-requests/add, GET …/check-is-processed/{id}) → ProviderPayout. */
export function mapZenriseTransfer(body: unknown, fallbackDestination?: string): ProviderPayout {
  const transfer = unwrap(body);
  const id = asString(transfer?.id) ?? asString(transfer?.transferRequestId);
  if (!transfer || !id) throw shape('transfer request without an id');
  const amountMinor = decimalToMinorExact(transfer.amount);
  if (amountMinor === undefined) throw shape(`amount ${JSON.stringify(transfer.amount)} is not a decimal with at most two places`);
  const currency = asString(transfer.currency) ?? 'ARS';
  if (currency.toUpperCase() !== 'ARS') throw shape(`currency ${currency}, expected ARS`);
  const providerStatus = asString(transfer.status) ?? '';
  const payout: ProviderPayout = { payoutId: id, state: mapZenriseStatus(providerStatus), providerStatus, amountMinor, currency: 'ARS' };
  const reference = asString(transfer.externalReference);
  if (reference) payout.reference = reference;
  const destination = zenriseDestination(transfer) ?? fallbackDestination;
  if (destination) payout.destination = destination;
  const created = asString(transfer.createdAt);
  if (created && !Number.isNaN(Date.parse(created))) payout.createdAt = new Date(created);
  const updated = asString(transfer.updatedAt);
  if (updated && !Number.isNaN(Date.parse(updated))) payout.updatedAt = new Date(updated);
  if (payout.state === 'failed') {
    const reason = asString(transfer.failureReason) ?? asString(transfer.failureMessage);
    if (reason) payout.failureMessage = reason;
  }
  return payout;
}

/** The bank account a transfer request went to. */
export function zenriseTransferBankAccountId(body: unknown): string | undefined {
  return asString(unwrap(body)?.bankAccountId);
}

/** A CBU/CVU masked like a CLABE (bank code + last 4); an alias is public by design and shown as is. */
function zenriseDestination(transfer: Record<string, unknown>): string | undefined {
  const destination = asRecord(transfer.destination);
  const cbu = asString(destination?.cbu) ?? asString(destination?.cvu);
  if (cbu) return maskDigits(cbu);
  return asString(destination?.alias);
}

/** POST /wallet/cbu-alias → the bankAccountId (zenrise-payouts.txt: "Te recomendamos guardar el bank account id"). */
export function mapZenriseBankAccount(body: unknown): { recipientId: string } {
  const account = unwrap(body);
  const id = asString(account?.bankAccountId) ?? asString(account?.id);
  if (!id) throw shape('bank account without a bankAccountId');
  return { recipientId: id };
}

function shape(detail: string): ProviderError {
  return new ProviderError({ kind: 'bad_response', message: `zenrise: ${detail}`, retryable: false, outcomeUnknown: false });
}
