import type { ProviderRules } from '../../validate/provider-rules.ts';

export const CONEKTA_RULES: ProviderRules = {
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
};
