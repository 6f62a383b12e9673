import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { closeHttpAgent, sendHttp, transportError } from './http-client.ts';
import { testSession } from './test-support/session.ts';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

let server: Server;
let baseUrl: string;
let handler: Handler;
const sockets = new Set<Socket>();

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => handler(req, res, body));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});

afterEach(async () => {
  // Each test starts on fresh connections: a socket a test killed must not be reused by the next one.
  await closeHttpAgent();
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const session = (overrides = {}) => testSession('openpay', baseUrl, {}, overrides);

describe('sendHttp', () => {
  it('calls beforeRequest first, sends the body and query, and parses JSON', async () => {
    const order: string[] = [];
    handler = (req, res, body) => {
      order.push('request');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ method: req.method, url: req.url, body, auth: req.headers.authorization, type: req.headers['content-type'] }));
    };
    const beforeRequest = vi.fn(async () => {
      order.push('beforeRequest');
    });
    const response = await sendHttp(session({ beforeRequest }), {
      method: 'POST',
      path: '/payouts',
      query: { 'creation[gte]': '2024-01-01', offset: 0, skipped: undefined },
      headers: { authorization: 'Basic x' },
      body: '{"amount":10.50}',
      moneyMoving: true,
      label: 'test',
    });
    expect(order).toEqual(['beforeRequest', 'request']);
    expect(beforeRequest).toHaveBeenCalledWith({ moneyMoving: true });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({
      method: 'POST',
      url: '/api/payouts?creation%5Bgte%5D=2024-01-01&offset=0',
      body: '{"amount":10.50}',
      auth: 'Basic x',
      type: 'application/json',
    });
  });

  it('returns error statuses and non-JSON bodies instead of throwing', async () => {
    handler = (_req, res) => {
      res.statusCode = 502;
      res.end('<html>bad gateway</html>');
    };
    const response = await sendHttp(session(), { method: 'GET', path: '/x', moneyMoving: false, label: 'test' });
    expect(response).toMatchObject({ status: 502, json: undefined, text: '<html>bad gateway</html>' });
  });

  it('tells the session about a 429 and its Retry-After', async () => {
    handler = (_req, res) => {
      res.statusCode = 429;
      res.setHeader('retry-after', '3');
      res.end('{}');
    };
    const onRateLimited = vi.fn();
    const response = await sendHttp(session({ onRateLimited }), { method: 'GET', path: '/x', moneyMoving: false, label: 'test' });
    expect(response.status).toBe(429);
    expect(onRateLimited).toHaveBeenCalledWith(3000);
  });

  it('a refused connection was never sent: retryable, outcome known', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await sendHttp(testSession('openpay', `http://127.0.0.1:${port}`, {}), { method: 'POST', path: '/payouts', body: '{}', moneyMoving: true, label: 'test' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ProviderError', kind: 'network', retryable: true, outcomeUnknown: false, providerCode: 'ECONNREFUSED' });
  });

  it('a connection dropped after a money-moving request was written leaves the outcome unknown', async () => {
    handler = (req) => req.socket.destroy();
    const error = await sendHttp(session(), { method: 'POST', path: '/payouts', body: '{}', moneyMoving: true, label: 'test' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ProviderError', kind: 'network', retryable: false, outcomeUnknown: true });
  });

  it('the same drop on a read is just retryable', async () => {
    handler = (req) => req.socket.destroy();
    const error = await sendHttp(session(), { method: 'GET', path: '/payouts/1', moneyMoving: false, label: 'test' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'network', retryable: true, outcomeUnknown: false });
  });

  it('no answer within session.timeoutMs: timeout, outcome unknown on a money-moving call', async () => {
    handler = () => {
      /* never answers; the socket is destroyed in afterAll */
    };
    const error = await sendHttp(session({ timeoutMs: 100 }), { method: 'POST', path: '/payouts', body: '{}', moneyMoving: true, label: 'test' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'timeout', retryable: false, outcomeUnknown: true, providerCode: 'UND_ERR_HEADERS_TIMEOUT' });
  });

  it('a body cut after the headers leaves the outcome unknown, with the status kept', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-length': '100', 'content-type': 'application/json' });
      res.write('{"id":');
      setImmediate(() => res.socket?.destroy());
    };
    const error = await sendHttp(session(), { method: 'POST', path: '/payouts', body: '{}', moneyMoving: true, label: 'test' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: false, outcomeUnknown: true, httpStatus: 200 });
  });
});

describe('sendHttp when the run is stopped', () => {
  it('a wait for the rate limiter that is cut sends nothing: retryable, outcome known, even on a money-moving call', async () => {
    let requests = 0;
    handler = (_req, res) => {
      requests += 1;
      res.end('{}');
    };
    const beforeRequest = async () => {
      throw new DOMException('This operation was aborted', 'AbortError');
    };
    const error = await sendHttp(session({ beforeRequest }), { method: 'POST', path: '/payouts', body: '{}', moneyMoving: true, label: 'test' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'network', retryable: true, outcomeUnknown: false, providerCode: 'NOT_SENT' });
    expect(requests).toBe(0);
  });

  it('session.signal cuts a money-moving request in flight: its outcome is unknown', async () => {
    const cut = new AbortController();
    handler = () => cut.abort(); // the request arrived and is never answered
    const error = await sendHttp(session({ signal: cut.signal }), { method: 'POST', path: '/payouts', body: '{}', moneyMoving: true, label: 'test' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: false, outcomeUnknown: true });
  });
});

describe('transportError', () => {
  const money = { moneyMoving: true, label: 'test' };

  it.each(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID'])(
    '%s happens before sending',
    (code) => {
      expect(transportError(Object.assign(new Error(code), { code }), money, { afterHeaders: false })).toMatchObject({ retryable: true, outcomeUnknown: false });
    },
  );

  it('reads the codes of an AggregateError (happy-eyeballs connect)', () => {
    const error = Object.assign(new AggregateError([Object.assign(new Error('a'), { code: 'ECONNREFUSED' }), Object.assign(new Error('b'), { code: 'ECONNREFUSED' })]), {});
    expect(transportError(error, money, { afterHeaders: false })).toMatchObject({ outcomeUnknown: false, retryable: true });
  });

  it.each(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT', undefined])('%s after sending is unknown', (code) => {
    expect(transportError(Object.assign(new Error('x'), { code }), money, { afterHeaders: false })).toMatchObject({ retryable: false, outcomeUnknown: true });
  });

  it('a refusal code after the headers arrived is still unknown', () => {
    expect(transportError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), money, { afterHeaders: true })).toMatchObject({ outcomeUnknown: true });
  });
});
