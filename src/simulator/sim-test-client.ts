import { request } from 'undici';
import type { JournalEntry } from './core/payout-book.ts';
import { SIMULATOR_CREDENTIALS } from './credentials.ts';
import type { RunningSimulator } from './start-simulator.ts';

/** Test support (not a test): plain HTTP calls to a running simulator, as a client would make them. */

export interface Reply {
  status: number;
  headers: Awaited<ReturnType<typeof request>>['headers'];
  text: string;
  // Tests read response fields freely; the shapes are what is being asserted.
  body: any;
}

export interface CallOptions {
  method?: string;
  headers?: Record<string, string>;
  /** A string is sent as is (doc examples copied verbatim); anything else as JSON. */
  body?: unknown;
}

export async function call(url: string, options: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await request(url, { method: (options.method ?? (body === undefined ? 'GET' : 'POST')) as 'GET', headers, body });
  const text = await res.body.text();
  let parsed: unknown = undefined;
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { status: res.statusCode, headers: res.headers, text, body: parsed };
}

export const basic = (user: string) => `Basic ${Buffer.from(`${user}:`).toString('base64')}`;

export const openpayHeaders = (key: string = SIMULATOR_CREDENTIALS.openpay.privateKey) => ({ authorization: basic(key) });

export const conektaHeaders = (key: string = SIMULATOR_CREDENTIALS.conekta.privateKey, version = '2.3.0') => ({
  authorization: `Bearer ${key}`,
  accept: `application/vnd.conekta-v${version}+json`,
});

export const femsaHeaders = (key: string = SIMULATOR_CREDENTIALS.digitalfemsa.privateKey) => ({
  authorization: basic(key),
  accept: 'application/vnd.app-v2.1.0+json',
});

/** Logs in to the Zenrise API and returns the Authorization header value it hands back. */
export async function zenriseLogin(sim: RunningSimulator): Promise<string> {
  const reply = await call(`${sim.baseUrl('zenrise')}/v1/users/api-login`, { body: SIMULATOR_CREDENTIALS.zenrise });
  const header = reply.headers.authorization;
  if (reply.status !== 200 || typeof header !== 'string') throw new Error(`login failed: ${reply.status} ${reply.text}`);
  return header;
}

export async function journal(sim: RunningSimulator): Promise<JournalEntry[]> {
  return (await call(`${sim.url}/__admin/journal`)).body as JournalEntry[];
}

export async function stats(sim: RunningSimulator) {
  return (await call(`${sim.url}/__admin/stats`)).body;
}

export async function advance(sim: RunningSimulator, ms: number): Promise<void> {
  const reply = await call(`${sim.url}/__admin/advance?ms=${ms}`, { method: 'POST' });
  if (reply.status !== 200) throw new Error(`advance failed: ${reply.text}`);
}

export const openpayMerchantUrl = (sim: RunningSimulator, merchant: string = SIMULATOR_CREDENTIALS.openpay.merchantId) =>
  `${sim.baseUrl('openpay')}/v1/${merchant}`;
