import type { ProviderRules } from '../../validate/provider-rules.ts';

export const DIGITALFEMSA_RULES: ProviderRules = {
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
};
