import { randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ProviderId } from '../domain/provider-id.ts';
import { handleAdmin } from './admin.ts';
import { checkFaultSpec, parseFaultSpec, type FaultSpec } from './core/fault-spec.ts';
import { IdSource } from './core/ids.ts';
import { parseJsonExact, toJsonText } from './core/json-text.ts';
import { PayoutBook } from './core/payout-book.ts';
import { seededRandom, randomInt as drawInt } from './core/prng.ts';
import type { ApiRequest, ApiResponse, CoreError, ProviderApi, SimContext } from './core/provider-api.ts';
import { SimClock } from './core/sim-clock.ts';
import { SimStats } from './core/stats.ts';
import { WebhookSender } from './core/webhooks.ts';
import { SIMULATOR_CREDENTIALS } from './credentials.ts';
import { createConektaApi } from './providers/conekta.ts';
import { createDigitalFemsaApi } from './providers/digitalfemsa.ts';
import { createOpenpayApi } from './providers/openpay.ts';
import { createZenriseApi } from './providers/zenrise.ts';

export { SIMULATOR_CREDENTIALS } from './credentials.ts';
export type { FaultSpec } from './core/fault-spec.ts';

export interface SimulatorOptions {
  /** 0 = a free port (the default for in-process use). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Seed for the fault PRNG (and generated ids); random when absent (GET /__admin/stats shows it). */
  seed?: number;
  /** "http500=0.05,http503=0.02,http429=0.05,timeout=0.01,drop_after_commit=0.02,settle_fail=0.05,latency=20..200" */
  faults?: string | FaultSpec;
  /** Append every money movement (creation and each later status change) as JSONL. */
  journalPath?: string;
  /** Simulated ms until an accepted payout settles. Default 5000. */
  settleMs?: number;
  /** Answer 429 above N requests/s per provider (sliding 1-s window). */
  rate?: number;
  /** Starting balance of every provider account, in cents. Default 10^12. */
  balanceMinor?: number;
  webhookUrl?: string;
  /** The wall clock the simulated clock runs on (epoch ms); default Date.now. Tests pin it to a fixed instant. */
  wallClock?: () => number;
  /** Receives one object per request and per notable event (faults, webhook failures). */
  logger?: (line: object) => void;
}

export interface RunningSimulator {
  /** http://127.0.0.1:PORT */
  url: string;
  /** The client base URL of a provider, e.g. http://127.0.0.1:PORT/openpay (Openpay paths then are /v1/{merchant}/…). */
  baseUrl(provider: ProviderId): string;
  /** Stops listening and ends every connection, including held (timeout) ones. */
  close(): Promise<void>;
}

export const DEFAULT_SETTLE_MS = 5000;
export const DEFAULT_BALANCE_MINOR = 1_000_000_000_000;
const MAX_BODY_BYTES = 1 << 20;
const HTTP429_RETRY_AFTER_SECONDS = 1;

/** Starts the simulator of the four payout APIs on one port, one path prefix per provider. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const faults = checkFaultSpec(typeof options.faults === 'string' ? parseFaultSpec(options.faults) : (options.faults ?? {}));
  const settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
  if (!Number.isSafeInteger(settleMs) || settleMs < 0) throw new RangeError(`settleMs must be a non-negative integer, got ${settleMs}`);
  const balance = options.balanceMinor ?? DEFAULT_BALANCE_MINOR;
  if (!Number.isSafeInteger(balance) || balance < 0) throw new RangeError(`balanceMinor must be a non-negative integer of cents, got ${balance}`);
  if (options.rate !== undefined && !(options.rate > 0)) throw new RangeError(`rate must be a positive number of requests per second, got ${options.rate}`);
  const seed = options.seed ?? randomInt(0, 2 ** 31);
  const log = options.logger ?? (() => {});

  const clock = new SimClock(options.wallClock);
  const faultRandom = seededRandom(seed);
  const ids = new IdSource(seededRandom(seed ^ 0x5eed5eed));
  const book = new PayoutBook(balance, options.journalPath);
  const stats = new SimStats();
  const webhooks = new WebhookSender(options.webhookUrl, (ok, provider, detail) => {
    if (ok) stats.webhooksSent++;
    else {
      stats.webhooksFailed++;
      log({ level: 'warn', msg: 'webhook delivery failed', provider, detail });
    }
  });

  const ctx: SimContext = {
    clock,
    ids,
    book,
    settleMs,
    drawSettleFail(provider) {
      if (!faults.settle_fail || faultRandom() >= faults.settle_fail) return false;
      stats.fault(provider, 'settle_fail');
      return true;
    },
    webhook: (provider, build) => webhooks.send(provider, build),
    createWebhookKey: (provider) => webhooks.createKey(provider),
  };
  const apis = new Map<string, ProviderApi>([
    ['openpay', createOpenpayApi(ctx, SIMULATOR_CREDENTIALS.openpay.merchantId)],
    ['conekta', createConektaApi(ctx, SIMULATOR_CREDENTIALS.conekta.privateKey)],
    ['digitalfemsa', createDigitalFemsaApi(ctx, SIMULATOR_CREDENTIALS.digitalfemsa.privateKey)],
    ['zenrise', createZenriseApi(ctx, SIMULATOR_CREDENTIALS.zenrise)],
  ]);

  const held = new Set<Socket>();
  let closed = false;

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const method = req.method ?? 'GET';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const queryText = q < 0 ? '' : url.slice(q + 1);

    if (path.startsWith('/__admin/')) {
      const bodyText = (await readBody(req)) ?? '';
      send(res, handleAdmin({ clock, book, stats, apis, seed }, method, path, new URLSearchParams(queryText), bodyText));
      return;
    }

    const slash = path.indexOf('/', 1);
    const prefix = slash < 0 ? path.slice(1) : path.slice(1, slash);
    const api = apis.get(prefix);
    if (!api) {
      send(res, { status: 404, body: { error: 'not_found', message: `No provider at ${path}; use /openpay, /conekta, /digitalfemsa, /zenrise or /__admin/…` } });
      return;
    }
    const provider = api.id;
    stats.arrived(provider, performance.now());
    book.sweep(clock.now());

    if (options.rate !== undefined) {
      const wait = stats.admit(provider, performance.now(), options.rate);
      if (wait > 0) {
        reply(res, api, method, path, withRetryAfter(api.errorResponse('http429'), wait), 'rate_limit');
        return;
      }
    }
    if (faults.latency) {
      stats.fault(provider, 'latency');
      await sleep(drawInt(faultRandom, faults.latency.min, faults.latency.max));
      if (closed) return;
    }

    const segments = splitSegments(slash < 0 ? '' : path.slice(slash));
    const route = segments ? api.match(method, segments) : null;

    // Faults are drawn in a fixed order for every request so that a seed replays the same sequence.
    const fault = drawFault(route?.moneyMoving === true);
    if (fault === 'http500' || fault === 'http503' || fault === 'http429') {
      stats.fault(provider, fault);
      const response = api.errorResponse(fault);
      reply(res, api, method, path, fault === 'http429' ? withRetryAfter(response, HTTP429_RETRY_AFTER_SECONDS) : response, fault);
      return;
    }
    if (fault === 'timeout') {
      // Never answered, never performed: the client cannot tell this from a lost answer (drop_after_commit).
      stats.fault(provider, 'timeout');
      log({ level: 'info', msg: 'holding request (timeout fault)', provider, method, path });
      held.add(req.socket);
      req.socket.once('close', () => held.delete(req.socket));
      return;
    }

    const bodyText = await readBody(req);
    if (bodyText === null) {
      // The whole body was read (and discarded past the limit), so the connection stays usable.
      reply(res, api, method, path, api.errorResponse('too_large'), undefined);
      return;
    }
    const base: Omit<ApiRequest, 'body'> = {
      method,
      segments: segments ?? [],
      query: new URLSearchParams(queryText),
      headers: req.headers,
      origin: `http://${req.headers.host ?? `${host}:${port}`}`,
    };
    let principal = '';
    let version: string | undefined;
    if (!route?.open) {
      const auth = api.authenticate({ ...base, body: undefined });
      if ('response' in auth) {
        reply(res, api, method, path, auth.response, undefined);
        return;
      }
      principal = auth.principal;
      version = auth.version;
    }
    if (!route) {
      reply(res, api, method, path, api.errorResponse('not_found'), undefined);
      return;
    }
    let body: unknown;
    if (bodyText.trim() !== '') {
      try {
        body = parseJsonExact(bodyText);
      } catch {
        reply(res, api, method, path, api.errorResponse('bad_json'), undefined);
        return;
      }
    }
    book.sweep(clock.now());
    const response = route.handle({ ...base, body, principal, ...(version === undefined ? {} : { version }) });
    if (version !== undefined && provider === 'conekta') {
      response.headers = { ...response.headers, 'conekta-media-type': `conekta-v${version}; format=application/json` };
    }
    if (fault === 'drop_after_commit' && response.committed) {
      // The payout is performed and journaled; the answer is lost. Naive retries pay twice. Only a request that
      // moved money is dropped: a replay answered with the existing transfer (Zenrise externalReference) is not.
      stats.fault(provider, 'drop_after_commit');
      log({ level: 'info', msg: 'dropping connection after commit (drop_after_commit fault)', provider, method, path, status: response.status });
      req.socket.destroy();
      return;
    }
    reply(res, api, method, path, response, undefined);
  }

  function drawFault(moneyMoving: boolean): CoreError | 'timeout' | 'drop_after_commit' | undefined {
    let chosen: CoreError | 'timeout' | 'drop_after_commit' | undefined;
    const roll = (p: number | undefined) => p !== undefined && p > 0 && faultRandom() < p;
    if (roll(faults.http500)) chosen ??= 'http500';
    if (roll(faults.http503)) chosen ??= 'http503';
    if (roll(faults.http429)) chosen ??= 'http429';
    if (moneyMoving) {
      if (roll(faults.timeout)) chosen ??= 'timeout';
      if (roll(faults.drop_after_commit)) chosen ??= 'drop_after_commit';
    }
    return chosen;
  }

  function reply(res: ServerResponse, api: ProviderApi, method: string, path: string, response: ApiResponse, fault: string | undefined): void {
    send(res, response);
    if (options.logger) log({ level: fault ? 'info' : 'debug', provider: api.id, method, path, status: response.status, ...(fault ? { fault } : {}) });
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch((error: unknown) => {
      log({ level: 'error', msg: 'simulator bug', error: error instanceof Error ? error.stack : String(error) });
      send(res, { status: 500, body: { error: 'simulator_error', message: error instanceof Error ? error.message : String(error) } });
    });
  });
  server.keepAliveTimeout = 10_000;

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const sweeper = setInterval(() => book.sweep(clock.now()), 200);
  sweeper.unref();
  log({ level: 'info', msg: 'simulator listening', url, seed, faults });

  return {
    url,
    baseUrl: (provider) => `${url}/${provider}`,
    close: async () => {
      if (closed) return;
      closed = true;
      clearInterval(sweeper);
      for (const socket of held) socket.destroy();
      held.clear();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await done;
      webhooks.close();
      book.close();
    },
  };
}

function send(res: ServerResponse, response: ApiResponse): void {
  if (res.headersSent || res.destroyed) return;
  if (response.body === undefined) {
    res.writeHead(response.status, response.headers);
    res.end();
    return;
  }
  const text = toJsonText(response.body);
  res.writeHead(response.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...response.headers });
  res.end(text);
}

function withRetryAfter(response: ApiResponse, seconds: number): ApiResponse {
  return { ...response, headers: { ...response.headers, 'retry-after': String(seconds) } };
}

/** Decoded path segments; null when a segment is not valid percent-encoding. Empty trailing segments dropped. */
function splitSegments(path: string): string[] | null {
  const parts = path.split('/');
  if (parts[0] === '') parts.shift();
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  try {
    return parts.map((p) => (p.includes('%') ? decodeURIComponent(p) : p));
  } catch {
    return null;
  }
}

/** The request body as text; '' when there is none; null when it exceeds MAX_BODY_BYTES. */
function readBody(req: IncomingMessage): Promise<string | null> {
  if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) return Promise.resolve('');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks, size).toString('utf8')));
    req.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
