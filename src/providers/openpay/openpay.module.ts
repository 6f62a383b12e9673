import type { ProviderModule } from '../provider-module.ts';
import { openpayProvider } from './openpay-api.ts';
import { OPENPAY_RULES } from './openpay-rules.ts';
import { parseOpenpayEvent } from './parse-openpay-event.ts';

export const openpayModule: ProviderModule = {
  id: 'openpay',
  displayName: 'Openpay',
  country: 'MX',
  currency: 'MXN',
  timeZone: 'America/Mexico_City',
  // openpay-api.txt: order_id "Debe ser único entre todas las transacciones."
  keyName: 'order_id',
  spellings: [],
  adapter: openpayProvider,
  rules: OPENPAY_RULES,
  requiredColumns: ['order_id', 'amount', 'account', 'name'],
  credentials: {
    variables: ['OPENPAY_MERCHANT_ID', 'OPENPAY_PRIVATE_KEY'],
    read: (read) => ({ openpay: { merchantId: read('OPENPAY_MERCHANT_ID'), privateKey: read('OPENPAY_PRIVATE_KEY') } }),
  },
  // openpay-api.txt: "Sandbox https://sandbox-api.openpay.mx … Producción https://api.openpay.mx"; paths continue
  // with /v1/{merchant_id}/….
  baseUrls: { simulatorPath: '/openpay', sandbox: 'https://sandbox-api.openpay.mx', live: 'https://api.openpay.mx' },
  // Illustrative list price: fixed MXN per payout, IVA 16 %.
  defaultFees: { fixedMinor: 800, percentBps: 0, ivaBps: 1600 },
  statementText: 'Dispersión a cuenta de tercero',
  listsPayouts: true,
  // openpay.mx/docs/webhooks: the webhook is registered with a user and password, sent as HTTP Basic.
  webhookAuth: { kind: 'basic', userVariable: 'OPENPAY_WEBHOOK_USER', passwordVariable: 'OPENPAY_WEBHOOK_PASSWORD' },
  // findPayout posts the same order_id again (openpay-api.ts): a lookup may be the payout.
  lookupResends: true,
  parseWebhook: parseOpenpayEvent,
};
