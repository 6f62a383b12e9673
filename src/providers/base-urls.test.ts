import { describe, expect, it } from 'vitest';
import { providerBaseUrl } from './base-urls.ts';

describe('providerBaseUrl', () => {
  it.each([
    ['openpay', 'sandbox', 'https://sandbox-api.openpay.mx'],
    ['openpay', 'live', 'https://api.openpay.mx'],
    ['conekta', 'sandbox', 'https://api.conekta.io'],
    ['conekta', 'live', 'https://api.conekta.io'],
    ['digitalfemsa', 'live', 'https://api.digitalfemsa.io'],
    ['zenrise', 'sandbox', 'https://dev.api.zenrise.io/v1'],
    ['zenrise', 'live', 'https://api.zenrise.io/v1'],
  ] as const)('%s %s → %s', (id, target, url) => {
    expect(providerBaseUrl(id, target)).toBe(url);
  });

  it.each([
    ['openpay', 'http://127.0.0.1:4010/openpay'],
    ['conekta', 'http://127.0.0.1:4010/conekta'],
    ['digitalfemsa', 'http://127.0.0.1:4010/digitalfemsa'],
    ['zenrise', 'http://127.0.0.1:4010/zenrise/v1'],
  ] as const)('simulator %s → %s', (id, url) => {
    expect(providerBaseUrl(id, 'simulator', 'http://127.0.0.1:4010/')).toBe(url);
  });

  it('needs the simulator URL for the simulator', () => {
    expect(() => providerBaseUrl('openpay', 'simulator')).toThrow(TypeError);
  });
});
