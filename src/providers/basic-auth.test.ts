import { describe, expect, it } from 'vitest';
import { basicAuthHeader } from './basic-auth.ts';

describe('basicAuthHeader', () => {
  it('is what curl -u key: sends (openpay-api.txt, Autenticación)', () => {
    expect(basicAuthHeader('sk_e568c42a6c384b7ab02cd47d2e407cab')).toBe(`Basic ${Buffer.from('sk_e568c42a6c384b7ab02cd47d2e407cab:').toString('base64')}`);
    expect(Buffer.from(basicAuthHeader('key_x').slice(6), 'base64').toString()).toBe('key_x:');
  });
});
