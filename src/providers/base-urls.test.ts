import { describe, expect, it } from 'vitest';
import { PROVIDER_IDS } from '../domain/provider-id.ts';
import { checkRealBaseUrl, isLoopbackHost, providerBaseUrl } from './base-urls.ts';

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

describe('checkRealBaseUrl', () => {
  it.each([
    ['https://api.openpay.mx', 'api.openpay.mx'],
    ['https://proxy.example.com:8443/openpay', 'proxy.example.com:8443'],
    ['http://localhost:4010/openpay', 'localhost:4010'],
    ['http://127.0.0.1:4010/openpay', '127.0.0.1:4010'],
    ['http://127.9.8.7/openpay', '127.9.8.7'],
    ['http://[::1]:4010/openpay', '[::1]:4010'],
  ])('accepts %s', (url, host) => {
    expect(checkRealBaseUrl(url)).toEqual({ ok: true, host });
  });

  it.each([
    ['http://api.openpay.mx', 'NOT_HTTPS', 'api.openpay.mx'],
    ['http://128.0.0.1:4010', 'NOT_HTTPS', '128.0.0.1:4010'],
    ['http://10.0.0.5', 'NOT_HTTPS', '10.0.0.5'],
    ['http://localhost.evil.example', 'NOT_HTTPS', 'localhost.evil.example'],
    ['http://127.0.0.1.nip.io', 'NOT_HTTPS', '127.0.0.1.nip.io'],
    ['http://[::ffff:127.0.0.1]', 'NOT_HTTPS', '[::ffff:7f00:1]'],
    ['https://user:sk_secret@api.openpay.mx', 'HAS_USERINFO', 'api.openpay.mx'],
    ['ftp://api.openpay.mx', 'NOT_A_URL', undefined],
    ['api.openpay.mx', 'NOT_A_URL', undefined],
  ])('refuses %s (%s)', (url, problem, host) => {
    expect(checkRealBaseUrl(url)).toEqual({ ok: false, problem, ...(host ? { host } : {}) });
  });

  it("every provider's own sandbox and live URLs pass", () => {
    for (const id of PROVIDER_IDS) for (const target of ['sandbox', 'live'] as const) expect(checkRealBaseUrl(providerBaseUrl(id, target)).ok).toBe(true);
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['localhost', true],
    ['LOCALHOST', true],
    ['127.0.0.1', true],
    ['127.255.255.254', true],
    ['[::1]', true],
    ['126.0.0.1', false],
    ['0.0.0.0', false],
    ['example.com', false],
  ])('%s → %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});
