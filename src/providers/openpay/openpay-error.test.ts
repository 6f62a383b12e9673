import { describe, expect, it } from 'vitest';
import { loadFixture } from '../test-support/fixtures.ts';
import { openpayError } from './openpay-error.ts';

const now = new Date('2024-01-01T00:00:00Z');
const money = { moneyMoving: true, now };
const read = { moneyMoving: false, now };

interface DocumentedError {
  error_code: number;
  http_code: number;
  cause: string;
}
const documented = loadFixture(import.meta.url, 'doc', 'error-codes.json') as DocumentedError[];

function body(code: number, status: number, description = 'x') {
  return { category: 'request', description, http_code: status, error_code: code, request_id: 'r-1' };
}

describe('openpayError on a payout (money-moving)', () => {
  const expected: Record<number, { kind: string; retryable: boolean; outcomeUnknown: boolean }> = {
    1000: { kind: 'server', retryable: false, outcomeUnknown: true },
    1001: { kind: 'validation', retryable: false, outcomeUnknown: false },
    1002: { kind: 'authentication', retryable: false, outcomeUnknown: false },
    1003: { kind: 'validation', retryable: false, outcomeUnknown: false },
    1004: { kind: 'server', retryable: true, outcomeUnknown: false },
    1005: { kind: 'not_found', retryable: false, outcomeUnknown: false },
    1006: { kind: 'duplicate_reference', retryable: false, outcomeUnknown: true },
    1007: { kind: 'account_rejected', retryable: false, outcomeUnknown: false },
    1008: { kind: 'account_rejected', retryable: false, outcomeUnknown: false },
    1009: { kind: 'validation', retryable: false, outcomeUnknown: false },
    1010: { kind: 'authentication', retryable: false, outcomeUnknown: false },
    4001: { kind: 'insufficient_funds', retryable: false, outcomeUnknown: false },
  };

  it('covers every documented code', () => {
    expect(documented.map((d) => d.error_code).sort()).toEqual(Object.keys(expected).map(Number).sort());
  });

  it.each(documented)('$error_code (HTTP $http_code)', ({ error_code, http_code, cause }) => {
    const error = openpayError(http_code, body(error_code, http_code, cause), {}, money);
    expect(error).toMatchObject({ ...expected[error_code], httpStatus: http_code, providerCode: String(error_code), providerMessage: cause });
  });
});

describe('openpayError on a read', () => {
  it('a 500 is retryable: nothing was being created', () => {
    expect(openpayError(500, body(1000, 500), {}, read)).toMatchObject({ kind: 'server', retryable: true, outcomeUnknown: false });
  });

  it.each([502, 504])('a %i is retryable', (status) => {
    expect(openpayError(status, undefined, {}, read)).toMatchObject({ retryable: true, outcomeUnknown: false });
  });

  it('reads the documented not-found object', () => {
    expect(openpayError(404, loadFixture(import.meta.url, 'doc', 'error-not-found.json'), {}, read)).toMatchObject({
      kind: 'not_found',
      providerCode: '1005',
      providerMessage: "The customer with id 'm4hqp35pswl02mmc567' does not exist",
    });
  });
});

describe('openpayError, gateway and rate-limit answers', () => {
  it.each([502, 504])('a %i on a payout leaves the outcome unknown (the upstream may have committed)', (status) => {
    expect(openpayError(status, '<html>Bad gateway</html>', {}, money)).toMatchObject({ kind: 'server', retryable: false, outcomeUnknown: true });
  });

  it('a 503 on a payout was not performed', () => {
    expect(openpayError(503, undefined, {}, money)).toMatchObject({ kind: 'server', retryable: true, outcomeUnknown: false });
  });

  it('a 429 is retryable with Retry-After in seconds', () => {
    expect(openpayError(429, undefined, { 'retry-after': '7' }, money)).toMatchObject({ kind: 'rate_limited', retryable: true, outcomeUnknown: false, retryAfterMs: 7000 });
  });

  it('a 429 with Retry-After as an HTTP date', () => {
    expect(openpayError(429, undefined, { 'retry-after': 'Mon, 01 Jan 2024 00:00:30 GMT' }, money).retryAfterMs).toBe(30_000);
  });

  it('an unknown code falls back to the HTTP status', () => {
    expect(openpayError(401, { error_code: 9999 }, {}, money).kind).toBe('authentication');
    expect(openpayError(400, 'not json', {}, money).kind).toBe('validation');
  });
});
