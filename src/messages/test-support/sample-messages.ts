import { MESSAGE_CODES, type MessageCode, type MessageParams } from '../message-catalogue.ts';

/**
 * Params for every message code, one set per variant its sentence has (a CLABE of 22 digits or of 12; an alias or a
 * masked account; a repeat within the file or against the ledger…). The catalogue's test renders each in both
 * languages; the workbook test builds from them the English wording a Spanish workbook must not hold.
 */
const SAMPLES: Partial<Record<MessageCode, readonly MessageParams[]>> = {
  ORDER_ID_MISSING: [{}, { provider: 'openpay', keyName: 'order_id' }],
  ORDER_ID_TOO_LONG: [{ provider: 'conekta', keyName: 'reference', length: 120, max: 100 }],
  ORDER_ID_PRECISION_LOST: [{ provider: 'openpay', keyName: 'order_id', value: '1.23457E+17' }],
  ACCOUNT_MISSING: [{ kind: 'clabe' }, { kind: 'cbu-cvu-alias' }],
  CLABE_LENGTH: [{ account: '123…2345', digits: 12 }, { account: '017…8120', digits: 22 }],
  CLABE_NOT_DIGITS: [{ account: '012…71a8' }],
  CLABE_CHECKSUM: [{ account: '012…7199' }],
  CBU_LENGTH: [{ account: '012…7198', digits: 18 }, { account: '017…8120', digits: 20 }],
  CBU_NOT_DIGITS: [{ account: '017…812x' }],
  CBU_CHECKSUM: [{ account: '017…8121' }, { account: '017…8121', live: true }],
  ALIAS_FORMAT: [
    { alias: 'mi alias', problem: 'space' },
    { alias: 'abc', problem: 'length', length: 3 },
    { alias: 'peña.pagos', problem: 'character', character: 'ñ' },
    { alias: 'abcdefg', problem: 'other' },
    { account: '285…520O' },
  ],
  ACCOUNT_PRECISION_LOST: [{ account: '1.2…E+17' }],
  AMOUNT_FORMAT: [
    { value: '1.500', currency: 'ARS' },
    { value: '12,5', currency: 'MXN' },
  ],
  AMOUNT_NOT_POSITIVE: [{ value: '-5.00' }],
  AMOUNT_DECIMALS: [{ value: '1.005' }],
  AMOUNT_NOT_WHOLE_PESOS: [{ provider: 'digitalfemsa', amount: '100.50' }],
  AMOUNT_TOO_LARGE: [{ value: '99999999999', max: '9999999.99' }],
  AMOUNT_IS_DATE: [{ value: '2025-01-15' }],
  CURRENCY_UNSUPPORTED: [{ value: 'USD', providerCurrency: 'MXN' }, { value: 'USD' }, { value: 'ARS', provider: 'openpay', providerCurrency: 'MXN', named: 'ARS' }],
  PROVIDER_UNKNOWN: [{ value: 'paypal', providers: 'openpay,conekta,digitalfemsa,zenrise' }],
  NAME_MISSING: [{ provider: 'conekta', cashOut: false }, { provider: 'digitalfemsa', cashOut: true }],
  NAME_TOO_LONG: [{ provider: 'openpay', length: 90, max: 80 }],
  DESCRIPTION_TOO_LONG: [{ provider: 'openpay', length: 300, max: 255 }],
  REASON_TOO_LONG: [{ provider: 'conekta', length: 300, max: 255 }],
  EMAIL_MISSING: [{ provider: 'digitalfemsa' }],
  EMAIL_INVALID: [{ value: 'ana@' }],
  DUPLICATE_ORDER_ID: [
    { orderId: 'P-1', firstRow: 2 },
    { orderId: 'P-1', status: 'paid', batch: '3f2a9c1d0b7e4a21', ownerRow: 4, ownerProvider: 'openpay' },
  ],
  CONFLICTING_ORDER_ID: [
    { orderId: 'P-1', rows: '2', count: 1 },
    { orderId: 'P-1', rows: '2,5,7,9,11,13,15,17,19,21', count: 14 },
    { orderId: 'P-1', status: 'pending', batch: '3f2a9c1d0b7e4a21', ownerRow: 4, ownerProvider: 'openpay' },
  ],
  BANK_UNKNOWN: [{ account: '999…7198', bankCode: '999' }],
  TEST_ACCOUNT: [{ account: '000…0001', target: 'sandbox' }],
  CONTROL_CHARACTERS_REMOVED: [{ field: 'name' }, { field: 'description' }],
  PROVIDER_FAILED: [{ providerMessage: 'Cuenta inexistente' }, { providerStatus: 'failed' }],
  PROVIDER_ERROR: [
    { kind: 'account_rejected', providerMessage: 'La cuenta no existe' },
    { kind: 'timeout', detail: 'request timed out after 30000 ms' },
    { kind: 'something_new', detail: 'HTTP 418' },
  ],
  UNEXPECTED: [{ detail: 'TypeError: x is not a function' }],
  RETURNED: [{ providerStatus: 'failed', failure: 'R03 cuenta inexistente' }, { providerStatus: 'cancelled' }],
  PROVIDER_DELETED: [{ payoutId: 'tr_1', providerMessage: "The requested resource doesn't exist" }, { payoutId: 'tr_1' }],
  AMOUNT_CHANGED: [{ providerAmount: '120.00', providerCurrency: 'MXN', ledgerAmount: '123.45', ledgerCurrency: 'MXN', providerStatus: 'completed' }],
  PAID_TWICE: [{ payoutId: 'tr_2y5Rk', providerStatus: 'completed', ownerBatch: '811b5ac4a0eff623', ownerRow: 2, ownerStatus: 'paid' }],
  KEY_TAKEN: [
    { batch: '3f2a9c1d0b7e4a21', row: 3, ownerProvider: 'openpay', status: 'paid', environment: 'simulator' },
    { batch: '3f2a9c1d0b7e4a21', row: 3, ownerProvider: 'openpay', status: 'pending', environment: 'unknown' },
  ],
  FOUND_AT_PROVIDER_DIFFERS: [
    { payoutId: 'tr_9', providerStatus: 'in_progress', orderId: 'P-1', providerAmount: 100, providerCurrency: 'MXN', rowAmount: 200, rowCurrency: 'MXN' },
    { payoutId: 'tr_9', providerStatus: 'in_progress', orderId: 'P-1', providerDestination: '012…0000', rowDestination: '012…7198' },
  ],
  PROVIDER_CHECK_FAILED: [{ cause: { code: 'PROVIDER_ERROR', params: { kind: 'server', detail: 'HTTP 500' } } }],
};

/** The sample param sets of `code` ({} for a message that takes none). */
export function sampleParams(code: MessageCode): readonly MessageParams[] {
  return SAMPLES[code] ?? [{}];
}

/** Every code with each of its samples. */
export function everySample(): { code: MessageCode; params: MessageParams }[] {
  return MESSAGE_CODES.flatMap((code) => sampleParams(code).map((params) => ({ code, params })));
}
