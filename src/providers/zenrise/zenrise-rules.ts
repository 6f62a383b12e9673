import type { ProviderRules } from '../../validate/provider-rules.ts';
import { isZenriseTestAccount } from './zenrise-test-accounts.ts';

export const ZENRISE_RULES: ProviderRules = {
  account: 'cbu-cvu-alias',
  // zenrise-payouts.txt gives no length for externalReference; 100 is our own limit, as for the others.
  orderIdMax: 100,
  nameRequired: false,
  email: 'unused',
  wholePesos: false,
  // zenrise-payouts.txt, "Datos de prueba entorno DEV": numbers that fail the BCRA check digits on purpose.
  isTestAccount: isZenriseTestAccount,
};
