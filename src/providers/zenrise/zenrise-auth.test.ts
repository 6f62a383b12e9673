import { describe, expect, it } from 'vitest';
import { readZenriseToken } from './zenrise-auth.ts';

const now = new Date('2024-01-01T00:00:00Z');

function jwt(payload: object): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(payload)}.signature`;
}

describe('readZenriseToken', () => {
  it('takes the token from the Authorization response header and its lifetime (exp − iat) from our now', () => {
    // Issued by a provider clock one hour ahead of ours: the 15-minute lifetime still counts from our now.
    const token = jwt({ sub: 'c', iat: 1704070800, exp: 1704071700 });
    expect(readZenriseToken({ authorization: `Bearer ${token}` }, {}, now)).toEqual({ authorization: `Bearer ${token}`, expiresAt: now.getTime() + 900_000 });
  });

  it('falls back to an absolute exp without iat', () => {
    const token = jwt({ exp: 1704068100 });
    expect(readZenriseToken({ authorization: token }, undefined, now)?.expiresAt).toBe(1704068100 * 1000);
  });

  it('adds the Bearer scheme when the header carries the bare token; expiresIn from the body', () => {
    expect(readZenriseToken({ authorization: 'opaque-token' }, { expiresIn: 900 }, now)).toEqual({ authorization: 'Bearer opaque-token', expiresAt: now.getTime() + 900_000 });
  });

  it('reads a body token and expiresAt when there is no header', () => {
    expect(readZenriseToken({}, { token: 'abc', expiresAt: '2024-01-01T00:15:00Z' }, now)).toEqual({ authorization: 'Bearer abc', expiresAt: Date.parse('2024-01-01T00:15:00Z') });
  });

  it('keeps a token without any expiry until a 401', () => {
    expect(readZenriseToken({ authorization: 'Bearer x' }, undefined, now)).toEqual({ authorization: 'Bearer x', expiresAt: undefined });
  });

  it('finds nothing in an answer without a token', () => {
    expect(readZenriseToken({}, { clientId: 'c' }, now)).toBeUndefined();
  });
});
