import type { PayoutInstruction } from '../payout-provider.ts';
import { ProviderError } from '../provider-error.ts';
import { jsonWithDecimalAmount } from '../decimal-json.ts';

/** The simulator's limit for externalReference (zenrise-payouts.txt gives none); order ids are far shorter. */
export const ZENRISE_REFERENCE_MAX = 100;

export interface ZenriseBankAccountBody {
  /** The CBU, CVU or alias as the holder gave it. */
  cbuAlias: string;
  // zenrise-payouts.txt: "type Tipo de cuenta que se esta por dar de alta valores permitidos ALIAS y CBU_CVU"
  type: 'CBU_CVU' | 'ALIAS';
  // zenrise-payouts.txt: "bankAccountType … WITHDRAW (si es cuenta tuya) PAYOUT (si es cuenta de terceros)"
  bankAccountType: 'PAYOUT';
}

/** A Zenrise bank account is keyed by what identifies the destination: the 22-digit CBU/CVU or the alias. */
export function zenriseRecipientKey(instruction: Pick<PayoutInstruction, 'account'>): string {
  const account = instruction.account;
  if (account.kind === 'alias') return account.alias;
  if (account.kind === 'cbu' || account.kind === 'cvu') return account.number;
  throw invalid('Zenrise pays to a CBU, CVU or alias, not a CLABE');
}

/** POST /wallet/cbu-alias (zenrise-payouts.txt, paso 1: dar de alta la cuenta de banco del receptor). */
export function zenriseBankAccountBody(instruction: Pick<PayoutInstruction, 'account'>): ZenriseBankAccountBody {
  return {
    cbuAlias: zenriseRecipientKey(instruction),
    type: instruction.account.kind === 'alias' ? 'ALIAS' : 'CBU_CVU',
    bankAccountType: 'PAYOUT',
  };
}

/**
 * POST /transfer-requests/add (zenrise-payouts.txt, paso 2) as JSON text: amount in decimal ARS pesos, written from
 * the digits (decimal-json.ts); externalReference = the order id, which makes the call idempotent ("si existe
 * devuelve la ya creada de lo contrario crea una nueva"); type TRANSFER.
 */
export function zenriseTransferBody(instruction: PayoutInstruction): string {
  if (!instruction.recipientId) throw invalid('a transfer needs the bankAccountId (create the recipient first)');
  if (instruction.currency !== 'ARS') throw invalid(`Zenrise pays out ARS only, not ${instruction.currency}`);
  if (!Number.isSafeInteger(instruction.amountMinor) || instruction.amountMinor <= 0) {
    throw invalid(`amount must be a positive whole number of centavos, got ${instruction.amountMinor}`);
  }
  if (instruction.orderId.length === 0 || instruction.orderId.length > ZENRISE_REFERENCE_MAX) {
    throw invalid(`externalReference (the order id) must be 1..${ZENRISE_REFERENCE_MAX} characters`);
  }
  const fields: Record<string, unknown> = {
    bankAccountId: instruction.recipientId,
    externalReference: instruction.orderId,
    type: 'TRANSFER',
  };
  const description = instruction.description?.trim();
  if (description) fields.description = description;
  return jsonWithDecimalAmount(instruction.amountMinor, fields);
}

function invalid(message: string): ProviderError {
  return new ProviderError({ kind: 'validation', message: `zenrise request: ${message}`, retryable: false, outcomeUnknown: false });
}
