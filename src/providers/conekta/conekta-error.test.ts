import { describe, expect, it } from 'vitest';
import { loadFixture } from '../test-support/fixtures.ts';
import { conektaError } from './conekta-error.ts';

const now = new Date('2024-01-01T00:00:00Z');
const money = { moneyMoving: true, now };

interface DocumentedError {
  type: string;
  debug_message: string;
  description: string;
}
const documented = loadFixture(import.meta.url, 'doc', 'documented-errors.json') as DocumentedError[];

/** The documented error object (conekta-dispersion.txt, Errores) around one detail. */
function errorBody(type: string, debugMessage: string, message = debugMessage) {
  return { details: [{ debug_message: debugMessage, message, param: '', code: '' }], object: 'error', type, log_id: 'log_1' };
}

const STATUS: Record<string, number> = {
  authentication_error: 401,
  api_error: 500,
  processing_error: 402,
  parameter_validation_error: 422,
};

describe('conektaError, each documented error', () => {
  const expected = [
    { kind: 'authentication', retryable: false, outcomeUnknown: false },
    { kind: 'server', retryable: false, outcomeUnknown: true },
    { kind: 'insufficient_funds', retryable: false, outcomeUnknown: false },
    { kind: 'validation', retryable: false, outcomeUnknown: false },
    { kind: 'not_found', retryable: false, outcomeUnknown: false },
    { kind: 'validation', retryable: false, outcomeUnknown: false },
    { kind: 'validation', retryable: false, outcomeUnknown: false },
  ];

  it.each(documented.map((d, i) => [d.type, d.debug_message, d, expected[i]] as const))('%s: %s', (_type, _msg, doc, want) => {
    const status = STATUS[doc.type] ?? 400;
    const error = conektaError(status, errorBody(doc.type, doc.debug_message), {}, money);
    expect(error).toMatchObject({ ...want, httpStatus: status, providerCode: doc.type, providerMessage: doc.debug_message });
  });
});

describe('conektaError, edge cases', () => {
  it('an api_error on a read is retryable', () => {
    expect(conektaError(500, errorBody('api_error', 'runtime'), {}, { moneyMoving: false, now })).toMatchObject({ kind: 'server', retryable: true, outcomeUnknown: false });
  });

  it('falls back to debug_message when message is blank', () => {
    expect(conektaError(401, errorBody('authentication_error', 'Unrecognized access key', '   '), {}, money).providerMessage).toBe('Unrecognized access key');
  });

  it('a 404 parameter error is not_found', () => {
    expect(conektaError(404, errorBody('parameter_validation_error', 'nope'), {}, money).kind).toBe('not_found');
  });

  it('429 with Retry-After', () => {
    expect(conektaError(429, undefined, { 'retry-after': '2' }, money)).toMatchObject({ kind: 'rate_limited', retryable: true, retryAfterMs: 2000 });
  });

  it('503 was not performed; 502 on a transfer may have been', () => {
    expect(conektaError(503, undefined, {}, money)).toMatchObject({ retryable: true, outcomeUnknown: false });
    expect(conektaError(502, undefined, {}, money)).toMatchObject({ retryable: false, outcomeUnknown: true });
  });

  it('an unknown body falls back to the status', () => {
    expect(conektaError(401, 'Unauthorized', {}, money)).toMatchObject({ kind: 'authentication', providerCode: undefined });
  });
});
