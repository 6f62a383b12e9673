import type { ProviderModule } from '../provider-module.ts';
import { conektaProvider } from './conekta-api.ts';
import { CONEKTA_RULES } from './conekta-rules.ts';
import { parseConektaEvent } from './parse-conekta-event.ts';

export const conektaModule: ProviderModule = {
  id: 'conekta',
  displayName: 'Conekta',
  country: 'MX',
  currency: 'MXN',
  timeZone: 'America/Mexico_City',
  keyName: 'order_id',
  spellings: [],
  adapter: conektaProvider,
  rules: CONEKTA_RULES,
  requiredColumns: ['order_id', 'amount', 'account', 'name'],
  credentials: {
    variables: ['CONEKTA_PRIVATE_KEY'],
    read: (read) => ({ conekta: { privateKey: read('CONEKTA_PRIVATE_KEY') } }),
  },
  // conekta-dispersion.txt: one host; sandbox vs live is decided by the key (key_… of the test or live mode).
  baseUrls: { simulatorPath: '/conekta', sandbox: 'https://api.conekta.io', live: 'https://api.conekta.io' },
  // Illustrative list price: fixed MXN per payout, IVA 16 %.
  defaultFees: { fixedMinor: 700, percentBps: 0, ivaBps: 1600 },
  // conekta-dispersion.txt, "Estado de cuenta": "Dispersión a Cuenta de Tercero".
  statementText: 'Dispersión a cuenta de tercero',
  listsPayouts: true,
  // Signed DIGEST header, key from POST /webhook_keys (webhooks/webhook-auth.ts DIGEST_ENCODING).
  webhookAuth: { kind: 'rsa-digest', publicKeyVariable: 'CONEKTA_WEBHOOK_PUBLIC_KEY' },
  // findPayout lists the payee's transfers: a lookup only reads.
  lookupResends: false,
  parseWebhook: (body) => parseConektaEvent(body, 'conekta'),
};
