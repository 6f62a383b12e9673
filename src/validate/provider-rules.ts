import type { ProviderId } from '../domain/provider-id.ts';

/** What a provider needs of a row, beyond what every row needs. Lengths count characters (code points). */
export interface ProviderRules {
  /** What the account column must hold: a CLABE, a CBU/CVU or alias, or nothing (cash-out needs no account). */
  account: 'clabe' | 'cbu-cvu-alias' | 'none';
  /** Longest order_id the provider stores as the row's reference. */
  orderIdMax: number;
  nameRequired: boolean;
  nameMax?: number;
  /** required: must be present and valid; optional: checked when present; unused: not sent, not checked. */
  email: 'required' | 'optional' | 'unused';
  /** Longest description, and the code to report, when the provider sends the description. */
  description?: { max: number; code: 'DESCRIPTION_TOO_LONG' | 'REASON_TOO_LONG' };
  /** The amount must be whole pesos (in cents it ends in 00). */
  wholePesos: boolean;
}

export const PROVIDER_RULES: Readonly<Record<ProviderId, ProviderRules>> = {
  openpay: {
    account: 'clabe',
    // openpay-api.txt, payouts: order_id string (longitud = 100); description string (requerido, longitud = 250).
    orderIdMax: 100,
    // openpay-api.txt, bank accounts: holder_name string (requerido, longitud = 80); the payout's bank_account is
    // the same object.
    nameRequired: true,
    nameMax: 80,
    email: 'unused',
    description: { max: 250, code: 'DESCRIPTION_TOO_LONG' },
    wholePesos: false,
  },
  conekta: {
    account: 'clabe',
    // conekta-dispersion.txt has no order_id field: ours travels as the transfer's reference metadata. 100 is our
    // own limit, the same as Openpay's, so that one file can be routed to either.
    orderIdMax: 100,
    // conekta-dispersion.txt, destinations: account_holder_name "Menos de 250 caracteres".
    nameRequired: true,
    nameMax: 249,
    // conekta-dispersion.txt: the payee carries an email; it is optional, but a bad one would fail the payee.
    email: 'optional',
    wholePesos: false,
  },
  digitalfemsa: {
    account: 'none',
    // digitalfemsa-cashout.txt has no order_id field: ours travels in metadata. 100 is our own limit.
    orderIdMax: 100,
    // digitalfemsa-cashout.txt, Customer: name and email are required; the email receives the cash-out reference.
    nameRequired: true,
    email: 'required',
    // digitalfemsa-cashout.txt: reason string(40).
    description: { max: 40, code: 'REASON_TOO_LONG' },
    // digitalfemsa-cashout.txt: "El parámetro amount debe siempre tener la terminación 00".
    wholePesos: true,
  },
  zenrise: {
    account: 'cbu-cvu-alias',
    // zenrise-payouts.txt gives no length for externalReference; 100 is our own limit, as for the others.
    orderIdMax: 100,
    nameRequired: false,
    email: 'unused',
    wholePesos: false,
  },
};
