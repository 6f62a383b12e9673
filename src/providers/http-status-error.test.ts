import { describe, expect, it } from 'vitest';
import { parseRetryAfterMs, rateLimitOrServerError } from './http-status-error.ts';

const now = new Date('2024-01-01T00:00:00Z');

describe('parseRetryAfterMs', () => {
  it.each([
    ['0', 0],
    ['12', 12_000],
    [' 5 ', 5000],
    ['Mon, 01 Jan 2024 00:01:00 GMT', 60_000],
    ['Sun, 31 Dec 2023 23:00:00 GMT', 0],
    ['soon', undefined],
    ['1.5', undefined],
    ['-3', undefined],
    [undefined, undefined],
  ])('%s → %s', (value, ms) => {
    expect(parseRetryAfterMs(value, now)).toBe(ms);
  });
});

describe('rateLimitOrServerError', () => {
  const money = { moneyMoving: true, now };
  const read = { moneyMoving: false, now };

  it.each([
    [429, money, { kind: 'rate_limited', retryable: true, outcomeUnknown: false }],
    [503, money, { kind: 'server', retryable: true, outcomeUnknown: false }],
    [500, money, { kind: 'server', retryable: false, outcomeUnknown: true }],
    [502, money, { kind: 'server', retryable: false, outcomeUnknown: true }],
    [504, money, { kind: 'server', retryable: false, outcomeUnknown: true }],
    [500, read, { kind: 'server', retryable: true, outcomeUnknown: false }],
    [504, read, { kind: 'server', retryable: true, outcomeUnknown: false }],
  ] as const)('%i %o', (status, context, expected) => {
    expect(rateLimitOrServerError(status, {}, context, {}, 'test')).toMatchObject({ ...expected, httpStatus: status });
  });

  it('honours Retry-After on a 503', () => {
    expect(rateLimitOrServerError(503, { 'retry-after': ['4'] }, money, {}, 'test')?.retryAfterMs).toBe(4000);
  });

  it.each([200, 400, 404, 409])('leaves %i to the provider mapper', (status) => {
    expect(rateLimitOrServerError(status, {}, money, {}, 'test')).toBeUndefined();
  });
});
