import type { PayoutInstruction } from '../payout-provider.ts';
import { ProviderError } from '../provider-error.ts';

// digitalfemsa-cashout.txt: "reason | Motivo del retiro. | string(40) | Sí".
export const FEMSA_REASON_MAX = 40;
/** Used when the row has no description of its own; fits the 40-character reason. */
export const FEMSA_DEFAULT_REASON = 'Retiro en efectivo';

export interface FemsaCustomerBody {
  name: string;
  email: string;
  phone?: string;
}

export interface FemsaPayoutOrderBody {
  currency: 'MXN';
  amount: number;
  customer_info: { customer_id: string };
  allowed_payout_methods: ['cashout'];
  reason: string;
  payout: { payout_method: { type: 'cashout' } };
  metadata: { order_id: string; request_key: string };
}

/** A FEMSA customer is keyed by email: the cash-out reference is sent there (digitalfemsa-cashout.txt, IMPORTANTE). */
export function femsaRecipientKey(instruction: Pick<PayoutInstruction, 'email'>): string {
  const email = instruction.email?.trim().toLowerCase();
  if (!email) throw invalid('the customer email is required: the cash-out reference is sent to it');
  return email;
}

/** POST /customers (digitalfemsa-cashout.txt, Crear Customer: name and email required, phone optional). */
export function femsaCustomerBody(instruction: PayoutInstruction): FemsaCustomerBody {
  // Sent as written; only the recipient key is lower-cased.
  const email = instruction.email?.trim();
  if (!email) throw invalid('the customer email is required: the cash-out reference is sent to it');
  const name = instruction.name?.trim();
  if (!name) throw invalid('the customer name is required');
  const body: FemsaCustomerBody = { name, email };
  if (instruction.phone) body.phone = instruction.phone;
  return body;
}

/** The reason: the row's description, else a fixed text. Longer than 40 is refused (validation reports it first). */
export function femsaReason(instruction: Pick<PayoutInstruction, 'description'>): string {
  const reason = instruction.description?.trim() || FEMSA_DEFAULT_REASON;
  if ([...reason].length > FEMSA_REASON_MAX) throw invalid(`reason longer than ${FEMSA_REASON_MAX} characters`);
  return reason;
}

/** POST /payout_orders (digitalfemsa-cashout.txt, Crear Referencia). */
export function femsaPayoutOrderBody(instruction: PayoutInstruction): FemsaPayoutOrderBody {
  if (!instruction.recipientId) throw invalid('a payout order needs the customer id (create the recipient first)');
  if (instruction.currency !== 'MXN') throw invalid(`Digital FEMSA pays out MXN only, not ${instruction.currency}`);
  // digitalfemsa-cashout.txt: "El parámetro amount debe siempre tener la terminación 00 … un número cerrado"
  if (!Number.isSafeInteger(instruction.amountMinor) || instruction.amountMinor <= 0 || instruction.amountMinor % 100 !== 0) {
    throw invalid(`amount must be whole pesos (centavos ending in 00), got ${instruction.amountMinor}`);
  }
  return {
    currency: 'MXN',
    amount: instruction.amountMinor,
    customer_info: { customer_id: instruction.recipientId },
    allowed_payout_methods: ['cashout'],
    reason: femsaReason(instruction),
    payout: { payout_method: { type: 'cashout' } },
    metadata: { order_id: instruction.orderId, request_key: instruction.requestKey },
  };
}

function invalid(message: string): ProviderError {
  return new ProviderError({ kind: 'validation', message: `digitalfemsa request: ${message}`, retryable: false, outcomeUnknown: false });
}
