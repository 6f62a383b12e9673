import { isProviderId, type ProviderId } from '../domain/provider-id.ts';
import type { PayoutBook } from './core/payout-book.ts';
import { journalEntry } from './core/payout-book.ts';
import type { ApiResponse, ProviderApi } from './core/provider-api.ts';
import { isRecord, json } from './core/provider-api.ts';
import type { SimClock } from './core/sim-clock.ts';
import type { SimStats } from './core/stats.ts';

export interface AdminDeps {
  clock: SimClock;
  book: PayoutBook;
  stats: SimStats;
  apis: ReadonlyMap<string, ProviderApi>;
  seed: number;
}

/**
 * Ground truth and test levers, no auth:
 *   GET  /__admin/journal[?provider=]  every money movement with its current status
 *   GET  /__admin/stats                requests, busiest second, 429s, faults, webhooks, balances, clock
 *   POST /__admin/advance?ms=N         moves the simulated clock (settlement, expiry, token lifetimes)
 *   POST /__admin/mutate               changes a payout behind the client's back, or creates one
 */
export function handleAdmin(deps: AdminDeps, method: string, path: string, query: URLSearchParams, bodyText: string): ApiResponse {
  const { clock, book, stats } = deps;
  book.sweep(clock.now());
  const action = path.slice('/__admin/'.length).replace(/\/+$/, '');

  if (action === 'journal' && method === 'GET') {
    const provider = query.get('provider');
    if (provider !== null && !isProviderId(provider)) return json(400, { error: `unknown provider ${provider}` });
    return json(200, book.entries(provider ?? undefined));
  }

  if (action === 'stats' && method === 'GET') {
    return json(200, {
      ...stats.snapshot(),
      seed: deps.seed,
      now: new Date(clock.now()).toISOString(),
      clock_offset_ms: clock.offsetMs,
      balances_cents: book.allBalances(),
    });
  }

  if (action === 'advance' && method === 'POST') {
    let ms: unknown = query.get('ms');
    if (ms === null && bodyText.trim() !== '') ms = safeParse(bodyText)?.ms;
    const value = typeof ms === 'string' && /^\d{1,15}$/.test(ms) ? Number(ms) : typeof ms === 'number' ? ms : NaN;
    if (!Number.isSafeInteger(value) || value < 0) return json(400, { error: 'ms must be a non-negative integer, e.g. POST /__admin/advance?ms=5000' });
    clock.advance(value);
    book.sweep(clock.now());
    return json(200, { now: new Date(clock.now()).toISOString(), clock_offset_ms: clock.offsetMs });
  }

  if (action === 'mutate' && method === 'POST') return mutate(deps, safeParse(bodyText));

  return json(404, { error: `unknown admin endpoint ${method} ${path}`, endpoints: ['GET /__admin/journal', 'GET /__admin/stats', 'POST /__admin/advance?ms=N', 'POST /__admin/mutate'] });
}

/**
 * {provider, provider_id, amount_cents?, status?, delete?: true} changes a payout: the new amount or status word is
 * what the provider's API then shows (balances are not touched); delete makes the provider forget it (lookups 404,
 * its order_id / externalReference is free again) while the journal keeps it, flagged deleted.
 * {provider, create: {amount_cents, destination, reference?, account?}} makes a payout the client did not make.
 * {provider, provider_id, undocumented_status: WORD} makes the API answer a status word its documentation does not
 * name (a provider that starts answering a new word), never final; WORD is letters, digits and _ only.
 */
function mutate(deps: AdminDeps, body: Record<string, unknown> | undefined): ApiResponse {
  if (!body) return json(400, { error: 'body must be a JSON object' });
  const provider = body.provider;
  if (typeof provider !== 'string' || !isProviderId(provider)) return json(400, { error: 'provider must be one of openpay, conekta, digitalfemsa, zenrise' });
  const api = deps.apis.get(provider) as ProviderApi;

  if (body.create !== undefined) {
    const c = body.create;
    if (!isRecord(c)) return json(400, { error: 'create must be an object' });
    const amount = c.amount_cents;
    if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0) return json(400, { error: 'create.amount_cents must be a positive integer' });
    if (typeof c.destination !== 'string') return json(400, { error: 'create.destination must be a string (CLABE, CBU/CVU/alias or email)' });
    if (c.reference !== undefined && typeof c.reference !== 'string') return json(400, { error: 'create.reference must be a string' });
    if (c.account !== undefined && typeof c.account !== 'string') return json(400, { error: 'create.account must be a string' });
    const created = api.adminCreate({
      amountMinor: amount,
      destination: c.destination,
      ...(c.reference === undefined ? {} : { reference: c.reference }),
      ...(c.account === undefined ? {} : { account: c.account }),
    });
    if ('error' in created) return json(409, { error: created.error });
    return json(201, journalEntry(created));
  }

  if (typeof body.provider_id !== 'string') return json(400, { error: 'provider_id must be a string (or send create)' });
  const payout = deps.book.find(provider as ProviderId, body.provider_id);
  if (!payout || payout.deleted) return json(404, { error: `no ${provider} payout ${body.provider_id}` });
  if (body.status !== undefined && (typeof body.status !== 'string' || !api.statuses.all.includes(body.status))) {
    return json(400, { error: `status must be one of ${api.statuses.all.join(', ')}` });
  }
  if (body.amount_cents !== undefined && (typeof body.amount_cents !== 'number' || !Number.isSafeInteger(body.amount_cents) || body.amount_cents <= 0)) {
    return json(400, { error: 'amount_cents must be a positive integer' });
  }
  if (body.delete !== undefined && body.delete !== true) return json(400, { error: 'delete must be true when given' });
  const undocumented = body.undocumented_status;
  if (undocumented !== undefined) {
    if (typeof undocumented !== 'string' || !/^[A-Za-z][A-Za-z0-9_]{0,39}$/.test(undocumented)) return json(400, { error: 'undocumented_status must be a word of letters, digits and _' });
    if (api.statuses.all.some((w) => w.toLowerCase() === undocumented.toLowerCase())) return json(400, { error: `${undocumented} is a documented ${provider} status: use status` });
    if (body.status !== undefined) return json(400, { error: 'send status or undocumented_status, not both' });
  }

  if (typeof body.amount_cents === 'number') payout.amountMinor = body.amount_cents;
  if (typeof body.status === 'string') {
    payout.status = body.status;
    payout.final = api.statuses.final.includes(body.status);
    payout.updatedAt = deps.clock.now();
  }
  if (typeof undocumented === 'string') {
    payout.status = undocumented;
    payout.final = false;
    payout.updatedAt = deps.clock.now();
  }
  if (body.delete === true) {
    payout.deleted = true;
    api.forget(payout);
  }
  deps.book.noteMutation(payout);
  return json(200, journalEntry(payout));
}

function safeParse(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
