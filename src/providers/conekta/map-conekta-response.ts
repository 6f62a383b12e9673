import { maskDigits } from '../../domain/mask-account.ts';
import type { ProviderPayout } from '../payout-provider.ts';
import { ProviderError } from '../provider-error.ts';
import { asRecord, asString } from '../http-status-error.ts';

/**
 * conekta-dispersion.txt: a transfer is created `pending`, the payout.paid_out event shows `in_transit` then
 * `paid_out`, and a failed one ends `failed`. Any other word is not final.
 */
export function mapConektaStatus(status: string | undefined): ProviderPayout['state'] {
  switch (status?.toLowerCase()) {
    case 'paid_out':
      return 'paid';
    case 'failed':
      return 'failed';
    default:
      return 'pending';
  }
}

/** Centavos as Conekta returns them: a whole number. */
export function conektaAmount(value: unknown, what = 'amount'): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw shape(`${what} ${JSON.stringify(value)} is not a whole number of centavos`);
  return value;
}

/**
 * A transfer object → ProviderPayout. The create answer names the account under `destination` (last4 only), the
 * event and list shapes under `method` (full account_number); either is masked. `fallbackDestination` (the masked
 * CLABE of the instruction) is used when the answer only gives last4.
 */
export function mapConektaTransfer(body: unknown, fallbackDestination?: string): ProviderPayout {
  const transfer = asRecord(body);
  const id = asString(transfer?.id);
  if (!transfer || !id) throw shape('transfer without an id');
  const providerStatus = asString(transfer.status) ?? '';
  const currency = asString(transfer.currency) ?? 'MXN';
  if (currency.toUpperCase() !== 'MXN') throw shape(`currency ${currency}, expected MXN`);
  const payout: ProviderPayout = {
    payoutId: id,
    state: mapConektaStatus(providerStatus),
    providerStatus,
    amountMinor: conektaAmount(transfer.amount),
    currency: 'MXN',
  };
  const reference = asString(asRecord(transfer.metadata)?.order_id);
  if (reference) payout.reference = reference;
  const last4 = conektaTransferLast4(transfer);
  const destination = fullAccountMasked(transfer) ?? fallbackDestination ?? (last4 ? `${'*'.repeat(14)}${last4}` : undefined);
  if (destination) payout.destination = destination;
  const created = unixSeconds(transfer.created_at);
  if (created !== undefined) payout.createdAt = new Date(created * 1000);
  const statementReference = asString(transfer.statement_reference);
  if (statementReference) payout.providerReference = statementReference;
  if (payout.state === 'failed') {
    const reason = asString(transfer.failure_reason) ?? asString(transfer.failure_message);
    if (reason) payout.failureMessage = reason;
  }
  return payout;
}

/** The payee a transfer went to, wherever the shape puts it. */
export function conektaTransferPayeeId(body: unknown): string | undefined {
  const transfer = asRecord(body);
  return asString(transfer?.payee_id) ?? asString(asRecord(transfer?.destination)?.payee_id) ?? asString(asRecord(transfer?.method)?.payee_id);
}

export function conektaTransferLast4(body: unknown): string | undefined {
  const transfer = asRecord(body);
  for (const part of [asRecord(transfer?.destination), asRecord(transfer?.method)]) {
    const last4 = asString(part?.last4) ?? asString(part?.account_number)?.slice(-4);
    if (last4) return last4;
  }
  return undefined;
}

function fullAccountMasked(transfer: Record<string, unknown>): string | undefined {
  for (const part of [asRecord(transfer.method), asRecord(transfer.destination)]) {
    const number = asString(part?.account_number);
    if (number) return maskDigits(number);
  }
  return undefined;
}

/**
 * GET /balance (the official SDK's BalancesApi → BalanceResponse): `available: [{amount, currency}]`, centavos like
 * every Conekta amount. The MXN entry; absent → no balance reported.
 */
export function mapConektaBalance(body: unknown): { amountMinor: number; currency: 'MXN' } | undefined {
  const available = asRecord(body)?.available;
  if (!Array.isArray(available)) throw shape('balance without available');
  for (const entry of available) {
    const record = asRecord(entry);
    if ((asString(record?.currency) ?? 'MXN').toUpperCase() === 'MXN') return { amountMinor: conektaAmount(record?.amount, 'balance'), currency: 'MXN' };
  }
  return undefined;
}

/** POST /payees → the payee id (conekta-dispersion.txt, Respuesta a la creación de un Beneficiario). */
export function mapConektaPayee(body: unknown): { recipientId: string } {
  const id = asString(asRecord(body)?.id);
  if (!id) throw shape('payee without an id');
  return { recipientId: id };
}

export function unixSeconds(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function shape(detail: string): ProviderError {
  return new ProviderError({ kind: 'bad_response', message: `conekta: ${detail}`, retryable: false, outcomeUnknown: false });
}
