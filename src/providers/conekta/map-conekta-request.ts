import type { PayoutInstruction } from '../payout-provider.ts';
import { ProviderError } from '../provider-error.ts';

// conekta-dispersion.txt, Parámetros destinations: account_holder_name "Menos de 250 caracteres".
export const CONEKTA_HOLDER_NAME_MAX = 249;

export interface ConektaPayeeBody {
  name: string;
  email?: string;
  phone?: string;
  destinations: [{ type: 'bank_account'; account_number: string; account_holder_name: string }];
}

export interface ConektaTransferBody {
  payee_id: string;
  /** Centavos (conekta-dispersion.txt: "Para dispersar $10.00 MXN … se debe colocar "amount": 1000"). */
  amount: number;
  currency: 'MXN';
  /**
   * Not in the dispersion doc, but Conekta objects carry metadata; it lets findPayout recognise the transfer by its
   * request key instead of by payee + amount alone.
   */
  metadata: { order_id: string; request_key: string };
}

/** The payee is keyed by CLABE: one payee per destination account, reused by every row that pays it. */
export function conektaRecipientKey(instruction: Pick<PayoutInstruction, 'account'>): string {
  if (instruction.account.kind !== 'clabe') throw invalid(`Conekta pays to a CLABE, not a ${instruction.account.kind}`);
  return instruction.account.number;
}

/** POST /payees (conekta-dispersion.txt, Crear un beneficiario). */
export function conektaPayeeBody(instruction: PayoutInstruction): ConektaPayeeBody {
  const clabe = conektaRecipientKey(instruction);
  const name = instruction.name?.trim();
  if (!name) throw invalid('the payee name is required');
  if ([...name].length > CONEKTA_HOLDER_NAME_MAX) throw invalid(`account_holder_name must be under 250 characters`);
  const body: ConektaPayeeBody = {
    name,
    destinations: [{ type: 'bank_account', account_number: clabe, account_holder_name: name }],
  };
  if (instruction.email) body.email = instruction.email;
  if (instruction.phone) body.phone = instruction.phone;
  return body;
}

/** POST /transfers (conekta-dispersion.txt, Crear una dispersión). */
export function conektaTransferBody(instruction: PayoutInstruction): ConektaTransferBody {
  if (!instruction.recipientId) throw invalid('a transfer needs the payee id (create the recipient first)');
  if (!Number.isSafeInteger(instruction.amountMinor) || instruction.amountMinor <= 0) {
    // conekta-dispersion.txt: "El monto de la dispersión a terceros debe ser mayor a cero"
    throw invalid(`amount must be a positive whole number of centavos, got ${instruction.amountMinor}`);
  }
  if (instruction.currency !== 'MXN') throw invalid(`Conekta pays out MXN only, not ${instruction.currency}`);
  return {
    payee_id: instruction.recipientId,
    amount: instruction.amountMinor,
    currency: 'MXN',
    metadata: { order_id: instruction.orderId, request_key: instruction.requestKey },
  };
}

function invalid(message: string): ProviderError {
  return new ProviderError({ kind: 'validation', message: `conekta request: ${message}`, retryable: false, outcomeUnknown: false });
}
