import { formatMinor } from '../../domain/money.ts';
import { jsonWithDecimalAmount } from '../decimal-json.ts';
import type { PayoutInstruction } from '../payout-provider.ts';
import { ProviderError } from '../provider-error.ts';

// openpay-api.txt, Pago a cuenta bancaria: "description string (requerido, longitud = 250)", "order_id string
// (opcional, longitud = 100)", "amount … mayor a cero, con hasta dos dígitos decimales".
export const OPENPAY_DESCRIPTION_MAX = 250;
export const OPENPAY_ORDER_ID_MAX = 100;

/**
 * Openpay takes decimal pesos as a JSON number. 123456 → "1234.56", written from the digits of the integer so no
 * float ever holds the amount (formatMinor is string arithmetic).
 */
export function openpayAmountText(amountMinor: number): string {
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) {
    throw invalid(`amount must be a positive whole number of centavos, got ${amountMinor}`);
  }
  return formatMinor(amountMinor);
}

/** The description Openpay requires: the row's own, else one that names the order. */
export function openpayDescription(instruction: Pick<PayoutInstruction, 'description' | 'orderId'>): string {
  const description = instruction.description?.trim() || `Pago ${instruction.orderId}`;
  if ([...description].length > OPENPAY_DESCRIPTION_MAX) {
    throw invalid(`description longer than ${OPENPAY_DESCRIPTION_MAX} characters`);
  }
  return description;
}

/**
 * The body of POST /v1/{merchant}/payouts (method bank_account) as JSON text, the amount written exactly as its
 * decimal digits (decimal-json.ts).
 */
export function openpayPayoutBody(instruction: PayoutInstruction): string {
  if (instruction.account.kind !== 'clabe') throw invalid(`Openpay pays to a CLABE, not a ${instruction.account.kind}`);
  const holderName = instruction.name?.trim();
  if (!holderName) throw invalid('the account holder name is required (bank_account.holder_name)');
  if (instruction.orderId.length === 0 || instruction.orderId.length > OPENPAY_ORDER_ID_MAX) {
    throw invalid(`order_id must be 1..${OPENPAY_ORDER_ID_MAX} characters`);
  }
  openpayAmountText(instruction.amountMinor); // a bad amount is a validation error, like the other fields
  return jsonWithDecimalAmount(instruction.amountMinor, {
    method: 'bank_account',
    bank_account: { clabe: instruction.account.number, holder_name: holderName },
    description: openpayDescription(instruction),
    order_id: instruction.orderId,
  });
}

/** Openpay's list filters take calendar dates (openpay-api.txt: "creation[gte] date … Formato yyyy-mm-dd"). */
export function openpayDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function invalid(message: string): ProviderError {
  return new ProviderError({ kind: 'validation', message: `openpay request: ${message}`, retryable: false, outcomeUnknown: false });
}
