import { parseConektaEvent } from '../conekta/parse-conekta-event.ts';
import type { ProviderModule } from '../provider-module.ts';
import { digitalfemsaProvider } from './digitalfemsa-api.ts';
import { DIGITALFEMSA_RULES } from './digitalfemsa-rules.ts';

export const digitalfemsaModule: ProviderModule = {
  id: 'digitalfemsa',
  displayName: 'Digital FEMSA',
  country: 'MX',
  currency: 'MXN',
  timeZone: 'America/Mexico_City',
  keyName: 'order_id',
  // "oxxo" is deliberately absent: OXXO is a cash network that both Digital FEMSA (cash-out) and Conekta (OXXO
  // Pay) use, so it does not name one provider.
  spellings: ['femsa'],
  adapter: digitalfemsaProvider,
  rules: DIGITALFEMSA_RULES,
  // Cash-out pays to a reference the customer collects at an OXXO store: no account, but an email.
  requiredColumns: ['order_id', 'amount', 'name', 'email'],
  credentials: {
    variables: ['DIGITALFEMSA_PRIVATE_KEY'],
    read: (read) => ({ digitalfemsa: { privateKey: read('DIGITALFEMSA_PRIVATE_KEY') } }),
  },
  // digitalfemsa-cashout.txt: one host for both modes, as Conekta.
  baseUrls: { simulatorPath: '/digitalfemsa', sandbox: 'https://api.digitalfemsa.io', live: 'https://api.digitalfemsa.io' },
  // Illustrative list price: fixed MXN per payout, IVA 16 %.
  defaultFees: { fixedMinor: 1200, percentBps: 0, ivaBps: 1600 },
  statementText: 'Retiro en efectivo OXXO',
  listsPayouts: true,
  // findPayout searches the orders by metadata: a lookup only reads.
  lookupResends: false,
  // Same company family as Conekta; digitalfemsa-cashout.txt documents no events of its own.
  // As Conekta: a signed DIGEST header, key from POST /webhook_keys.
  webhookAuth: { kind: 'rsa-digest', publicKeyVariable: 'DIGITALFEMSA_WEBHOOK_PUBLIC_KEY' },
  parseWebhook: (body) => parseConektaEvent(body, 'digitalfemsa'),
};
