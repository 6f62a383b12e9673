import { describe, expect, it } from 'vitest';
import { credentialsFromEnv } from './credentials.ts';

const env = {
  OPENPAY_MERCHANT_ID: 'mzdtln0bmtms6o3kck8f',
  OPENPAY_PRIVATE_KEY: 'sk_e568c42a6c384b7ab02cd47d2e407cab',
  CONEKTA_PRIVATE_KEY: 'key_conekta',
  DIGITALFEMSA_PRIVATE_KEY: 'key_femsa',
  ZENRISE_CLIENT_ID: 'client',
  ZENRISE_SECRET_ID: 'secret',
};

describe('credentialsFromEnv', () => {
  it('reads only the providers asked for', () => {
    expect(credentialsFromEnv(['openpay', 'zenrise'], env)).toEqual({
      openpay: { merchantId: 'mzdtln0bmtms6o3kck8f', privateKey: 'sk_e568c42a6c384b7ab02cd47d2e407cab' },
      zenrise: { clientId: 'client', secretId: 'secret' },
    });
    expect(credentialsFromEnv(['conekta', 'digitalfemsa'], env)).toEqual({ conekta: { privateKey: 'key_conekta' }, digitalfemsa: { privateKey: 'key_femsa' } });
  });

  it('names every missing or blank variable in one CREDENTIALS_MISSING', () => {
    let error: unknown;
    try {
      credentialsFromEnv(['openpay', 'zenrise'], { OPENPAY_MERCHANT_ID: 'm', ZENRISE_CLIENT_ID: '  ' });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ name: 'RunError', code: 'CREDENTIALS_MISSING' });
    expect((error as Error).message).toContain('OPENPAY_PRIVATE_KEY');
    expect((error as Error).message).toContain('ZENRISE_CLIENT_ID');
    expect((error as Error).message).toContain('ZENRISE_SECRET_ID');
    expect((error as Error).message).not.toContain('OPENPAY_MERCHANT_ID');
  });

  it('needs nothing for no providers', () => {
    expect(credentialsFromEnv([], {})).toEqual({});
  });
});
