import { describe, expect, it } from 'vitest';
import { loadFixture } from '../test-support/fixtures.ts';
import { zenriseError } from './zenrise-error.ts';

const now = new Date('2024-01-01T00:00:00Z');
const accountErrors = loadFixture(import.meta.url, 'simulator', 'account-errors.json') as Array<{ case: string; body: { message: string } }>;

describe('zenriseError', () => {
  it.each(accountErrors)('a 400 registering a $case account is account_rejected, message kept', ({ body }) => {
    expect(zenriseError(400, body, {}, { moneyMoving: false, now, operation: 'register_account' })).toMatchObject({
      kind: 'account_rejected',
      retryable: false,
      outcomeUnknown: false,
      httpStatus: 400,
      providerMessage: body.message,
    });
  });

  it('bad login credentials are authentication', () => {
    expect(zenriseError(401, { statusCode: 401, message: 'Invalid credentials' }, {}, { moneyMoving: false, now, operation: 'login' })).toMatchObject({ kind: 'authentication', providerMessage: 'Invalid credentials' });
    expect(zenriseError(400, { statusCode: 400, message: ['clientId must be a string'] }, {}, { moneyMoving: false, now, operation: 'login' })).toMatchObject({ kind: 'authentication', providerMessage: 'clientId must be a string' });
  });

  it('a 401 on a call is authentication', () => {
    expect(zenriseError(401, { statusCode: 401, message: 'Token expired' }, {}, { moneyMoving: true, now, operation: 'transfer' }).kind).toBe('authentication');
  });

  it('insufficient funds on a transfer', () => {
    expect(zenriseError(400, { statusCode: 400, message: 'Insufficient funds', error: 'Bad Request' }, {}, { moneyMoving: true, now, operation: 'transfer' })).toMatchObject({ kind: 'insufficient_funds', outcomeUnknown: false });
  });

  it('other 400s on a transfer are validation, an unknown bank account not_found', () => {
    expect(zenriseError(400, { message: ['amount must have at most 2 decimals'] }, {}, { moneyMoving: true, now, operation: 'transfer' }).kind).toBe('validation');
    expect(zenriseError(400, { message: 'The bankAccountId does not exist; register the account with /wallet/cbu-alias first' }, {}, { moneyMoving: true, now, operation: 'transfer' }).kind).toBe('not_found');
  });

  it('429/5xx follow the shared policy', () => {
    expect(zenriseError(429, { message: 'ThrottlerException: Too Many Requests' }, { 'retry-after': '1' }, { moneyMoving: true, now, operation: 'transfer' })).toMatchObject({ kind: 'rate_limited', retryable: true, retryAfterMs: 1000 });
    expect(zenriseError(500, { message: 'Internal server error' }, {}, { moneyMoving: true, now, operation: 'transfer' })).toMatchObject({ outcomeUnknown: true, retryable: false });
    expect(zenriseError(500, undefined, {}, { moneyMoving: false, now, operation: 'register_account' })).toMatchObject({ outcomeUnknown: false, retryable: true });
  });
});
