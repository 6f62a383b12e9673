import type { ProviderRules } from '../../validate/provider-rules.ts';

export const OPENPAY_RULES: ProviderRules = {
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
};
