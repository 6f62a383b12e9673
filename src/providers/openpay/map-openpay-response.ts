import { maskDigits } from '../../domain/mask-account.ts';
import type { Minor } from '../../domain/money.ts';
import type { ProviderPayout } from '../payout-provider.ts';
import { ProviderError } from '../provider-error.ts';
import { decimalToMinorExact } from '../decimal-json.ts';
import { asRecord, asString } from '../http-status-error.ts';

/**
 * openpay-api.txt, Objeto Transacción: "status … Posibles valores: completed, in_progress, failed". `cancelled` is
 * treated as final too. Anything else is not final: an unknown word never settles a row.
 */
export function mapOpenpayStatus(status: string | undefined): ProviderPayout['state'] {
  switch (status?.toLowerCase()) {
    case 'completed':
      return 'paid';
    case 'failed':
    case 'cancelled':
    case 'canceled':
      return 'failed';
    default:
      return 'pending';
  }
}

/**
 * A decimal peso amount as Openpay returns it (a JSON number, "Cantidad … a dos decimales") → centavos, exactly.
 * Read from the number's digits, never rounded (decimal-json.ts).
 */
export function openpayAmountToMinor(value: unknown): Minor {
  const minor = decimalToMinorExact(value);
  if (minor === undefined) throw shape(`amount ${JSON.stringify(value)} is not a decimal with at most two places`);
  return minor;
}

/** A transaction object (openpay-api.txt: Objeto Transacción / Pago a cuenta bancaria) → ProviderPayout. */
export function mapOpenpayPayout(body: unknown): ProviderPayout {
  const tx = asRecord(body);
  const id = asString(tx?.id);
  if (!tx || !id) throw shape('transaction without an id');
  const providerStatus = asString(tx.status) ?? '';
  const currency = asString(tx.currency) ?? 'MXN';
  if (currency.toUpperCase() !== 'MXN') throw shape(`currency ${currency}, expected MXN`);
  const payout: ProviderPayout = {
    payoutId: id,
    state: mapOpenpayStatus(providerStatus),
    providerStatus,
    amountMinor: openpayAmountToMinor(tx.amount),
    currency: 'MXN',
  };
  const orderId = asString(tx.order_id);
  if (orderId) payout.reference = orderId;
  // Openpay itself masks the CLABE in some answers ("012XXXXXXXXXX24616"); bank code + last 4 survive either way.
  const clabe = asString(asRecord(tx.bank_account)?.clabe);
  if (clabe) payout.destination = maskDigits(clabe);
  const created = parseDate(tx.creation_date);
  if (created) payout.createdAt = created;
  const operated = parseDate(tx.operation_date);
  if (operated) payout.updatedAt = operated;
  const authorization = asString(tx.authorization);
  if (authorization) payout.providerReference = authorization;
  const errorMessage = asString(tx.error_message);
  if (payout.state === 'failed' && errorMessage) payout.failureMessage = errorMessage;
  return payout;
}

/** A list answer: the doc shows a bare array; a `{data: […]}` wrapper is read too. */
export function openpayListItems(body: unknown): unknown[] {
  if (Array.isArray(body)) return body;
  const data = asRecord(body)?.data;
  if (Array.isArray(data)) return data;
  throw shape('a payout list that is not an array');
}

/** GET /v1/{merchant} (openpay-api.txt, Objeto Comercio: "balance numeric — Saldo en la cuenta con dos decimales"). */
export function mapOpenpayBalance(body: unknown): { amountMinor: Minor; currency: 'MXN' } {
  const merchant = asRecord(body);
  if (!merchant || merchant.balance === undefined || merchant.balance === null) throw shape('merchant without a balance');
  return { amountMinor: openpayAmountToMinor(merchant.balance), currency: 'MXN' };
}

export function parseDate(value: unknown): Date | undefined {
  const text = asString(value);
  if (!text) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function shape(detail: string): ProviderError {
  return new ProviderError({ kind: 'bad_response', message: `openpay: ${detail}`, retryable: false, outcomeUnknown: false });
}
