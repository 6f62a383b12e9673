import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createUnverifiedBudget } from './unverified-budget.ts';
import { checkAuthenticity, publicKeyFromPem, verifierFromVariables, type WebhookVerifier } from './webhook-auth.ts';

const body = Buffer.from('{"type":"payout.paid_out","data":{"object":{"id":"tr_1"}}}');
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('checkAuthenticity', () => {
  const openpay: WebhookVerifier = { kind: 'basic', user: 'hook-user', password: 's3cret' };
  it('Openpay: verified with the Basic user/password, forged with wrong ones, unverified without', () => {
    expect(checkAuthenticity(openpay, { headers: { authorization: basic('hook-user', 's3cret') }, body })).toEqual({ verdict: 'verified' });
    expect(checkAuthenticity(openpay, { headers: { authorization: basic('hook-user', 's3cret!') }, body }).verdict).toBe('forged');
    expect(checkAuthenticity(openpay, { headers: { authorization: basic('other', 's3cret') }, body }).verdict).toBe('forged');
    expect(checkAuthenticity(openpay, { headers: { authorization: 'Basic !!!' }, body }).verdict).toBe('forged');
    expect(checkAuthenticity(openpay, { headers: {}, body }).verdict).toBe('unverified');
    expect(checkAuthenticity(openpay, { headers: { authorization: 'Bearer x' }, body }).verdict).toBe('unverified');
  });

  it('Conekta / FEMSA: the DIGEST signature of the exact body verifies with the webhook key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const verifier: WebhookVerifier = { kind: 'rsa-digest', publicKey: publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString(), 'test') };
    const digest = sign('sha256', body, privateKey).toString('base64');
    expect(checkAuthenticity(verifier, { headers: { digest }, body })).toEqual({ verdict: 'verified' });
    expect(checkAuthenticity(verifier, { headers: { digest: `sha256=${digest}` }, body })).toEqual({ verdict: 'verified' });
    // One byte of the body changed, another key, garbage: forged.
    expect(checkAuthenticity(verifier, { headers: { digest }, body: Buffer.from(body.toString().replace('tr_1', 'tr_2')) }).verdict).toBe('forged');
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    expect(checkAuthenticity(verifier, { headers: { digest: sign('sha256', body, other).toString('base64') }, body }).verdict).toBe('forged');
    expect(checkAuthenticity(verifier, { headers: { digest: 'not-a-signature' }, body }).verdict).toBe('forged');
    expect(checkAuthenticity(verifier, { headers: {}, body }).verdict).toBe('unverified');
  });

  it('Zenrise: the token in the path', () => {
    const verifier: WebhookVerifier = { kind: 'path-token', token: 'tok-91f2' };
    expect(checkAuthenticity(verifier, { headers: {}, pathToken: 'tok-91f2', body })).toEqual({ verdict: 'verified' });
    expect(checkAuthenticity(verifier, { headers: {}, pathToken: 'tok-91f3', body }).verdict).toBe('forged');
    expect(checkAuthenticity(verifier, { headers: {}, body }).verdict).toBe('unverified');
  });

  it('with nothing configured, every event is unverified', () => {
    expect(checkAuthenticity(undefined, { headers: { authorization: basic('a', 'b') }, body }).verdict).toBe('unverified');
  });

  it('reads verifiers from the variables a scheme names; a bad PEM is refused', () => {
    const env: Record<string, string> = { OPENPAY_WEBHOOK_USER: 'u', OPENPAY_WEBHOOK_PASSWORD: 'p', ZENRISE_WEBHOOK_TOKEN: 't', CONEKTA_WEBHOOK_PUBLIC_KEY: 'nope' };
    const read = (v: string) => env[v];
    expect(verifierFromVariables({ kind: 'basic', userVariable: 'OPENPAY_WEBHOOK_USER', passwordVariable: 'OPENPAY_WEBHOOK_PASSWORD' }, read)).toEqual({ kind: 'basic', user: 'u', password: 'p' });
    expect(verifierFromVariables({ kind: 'basic', userVariable: 'OPENPAY_WEBHOOK_USER', passwordVariable: 'MISSING' }, read)).toBeUndefined();
    expect(verifierFromVariables({ kind: 'path-token', tokenVariable: 'ZENRISE_WEBHOOK_TOKEN' }, read)).toEqual({ kind: 'path-token', token: 't' });
    expect(() => verifierFromVariables({ kind: 'rsa-digest', publicKeyVariable: 'CONEKTA_WEBHOOK_PUBLIC_KEY' }, read)).toThrow(/CONEKTA_WEBHOOK_PUBLIC_KEY is not a PEM public key/);
  });
});

describe('createUnverifiedBudget', () => {
  it('follows at most N unverified events a second per provider, refilling with time', () => {
    let t = 0;
    const budget = createUnverifiedBudget(3, () => t);
    expect([1, 2, 3, 4].map(() => budget.take('openpay'))).toEqual([true, true, true, false]);
    // Another provider has its own budget.
    expect(budget.take('zenrise')).toBe(true);
    t = 340;
    expect(budget.take('openpay')).toBe(true);
    expect(budget.take('openpay')).toBe(false);
    t = 10_000;
    expect([1, 2, 3, 4].map(() => budget.take('openpay'))).toEqual([true, true, true, false]);
    expect(createUnverifiedBudget(0).take('openpay')).toBe(false);
  });
});
