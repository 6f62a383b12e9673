import { describe, expect, it } from 'vitest';
import { SIMULATOR_CREDENTIALS } from '../simulator/credentials.ts';
import { providerAccount } from './provider-account.ts';

describe('providerAccount', () => {
  it('names the account by its public id, or by a fingerprint of a secret key that never contains the key', () => {
    expect(providerAccount('openpay', SIMULATOR_CREDENTIALS)).toBe(`merchant:${SIMULATOR_CREDENTIALS.openpay.merchantId}`);
    expect(providerAccount('zenrise', SIMULATOR_CREDENTIALS)).toBe(`client:${SIMULATOR_CREDENTIALS.zenrise.clientId}`);
    for (const id of ['conekta', 'digitalfemsa'] as const) {
      const account = providerAccount(id, SIMULATOR_CREDENTIALS)!;
      expect(account).toMatch(/^key:[0-9a-f]{12}$/);
      expect(account).not.toContain(SIMULATOR_CREDENTIALS[id].privateKey);
    }
    expect(providerAccount('conekta', { conekta: { privateKey: 'key_other' } })).not.toBe(providerAccount('conekta', SIMULATOR_CREDENTIALS));
    expect(providerAccount('openpay', {})).toBeUndefined();
  });
});
