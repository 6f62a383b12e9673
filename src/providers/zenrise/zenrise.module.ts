import type { ProviderModule } from '../provider-module.ts';
import { parseZenriseEvent } from './parse-zenrise-event.ts';
import { zenriseProvider } from './zenrise-api.ts';
import { ZENRISE_RULES } from './zenrise-rules.ts';

export const zenriseModule: ProviderModule = {
  id: 'zenrise',
  displayName: 'Zenrise',
  country: 'AR',
  currency: 'ARS',
  timeZone: 'America/Argentina/Buenos_Aires',
  // zenrise-payouts.txt: a request with an externalReference already used "devuelve la ya creada".
  keyName: 'externalReference',
  spellings: [],
  adapter: zenriseProvider,
  rules: ZENRISE_RULES,
  requiredColumns: ['order_id', 'amount', 'account'],
  credentials: {
    variables: ['ZENRISE_CLIENT_ID', 'ZENRISE_SECRET_ID'],
    read: (read) => ({ zenrise: { clientId: read('ZENRISE_CLIENT_ID'), secretId: read('ZENRISE_SECRET_ID') } }),
  },
  // The base already carries /v1 (zenrise-payouts.txt: /wallet/cbu-alias, v1/transfer-requests/add).
  baseUrls: { simulatorPath: '/zenrise/v1', sandbox: 'https://dev.api.zenrise.io/v1', live: 'https://api.zenrise.io/v1' },
  // Illustrative list price: a percentage of the amount, IVA 21 %.
  defaultFees: { fixedMinor: 0, percentBps: 50, ivaBps: 2100 },
  statementText: 'Transferencia',
  // zenrise-payouts.txt names no endpoint that lists transfer requests (the adapter's listPayouts yields nothing):
  // each ledger row is looked up on its own, and payouts made outside this tool cannot be seen.
  listsPayouts: false,
  // zenrise-payouts.txt documents no signature: a secret token in the registered URL, /webhooks/zenrise/{token}.
  webhookAuth: { kind: 'path-token', tokenVariable: 'ZENRISE_WEBHOOK_TOKEN' },
  // findPayout posts the same externalReference again (zenrise-api.ts): a lookup may be the payout.
  lookupResends: true,
  parseWebhook: parseZenriseEvent,
};
