import type { IdSource } from '../core/ids.ts';
import type { ApiRequest, ApiResponse, CoreError } from '../core/provider-api.ts';
import { isRecord, json } from '../core/provider-api.ts';

/**
 * What Conekta and Digital FEMSA (the same company family, the same API style) share: the error object of
 * conekta-dispersion.txt "Errores", private-key auth (Basic `key_…:` or Bearer `key_…`), the versioned Accept
 * header, cursor lists and metadata handling.
 */

export interface ErrorDetail {
  message: string;
  debug_message?: string;
  param?: string | null;
  code: string;
}

/** conekta-dispersion.txt: {object:'error', type, log_id, details:[{debug_message, message, param, code}]}. */
export function conektaError(ids: IdSource, status: number, type: string, detail: ErrorDetail): ApiResponse {
  return json(status, {
    details: [{ debug_message: detail.debug_message ?? detail.message, message: detail.message, param: detail.param ?? null, code: detail.code }],
    object: 'error',
    type,
    log_id: ids.hex(24),
  });
}

export function parameterError(ids: IdSource, message: string, param: string | null, code: string): ApiResponse {
  return conektaError(ids, 422, 'parameter_validation_error', { message, param, code: `conekta.errors.parameter_validation.${code}` });
}

/** The private key from `Authorization: Basic base64(key:)` or `Authorization: Bearer key`. */
export function privateKeyFrom(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (/^bearer /i.test(header)) return header.slice(7).trim();
  if (!/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? decoded : decoded.slice(0, colon);
}

/**
 * Auth first, then the API version: a key of the `key_…` shape, and an Accept header naming one of `versions`
 * (e.g. application/vnd.conekta-v2.3.0+json, what the official SDK sends).
 */
export function authenticateFamily(
  ids: IdSource,
  request: ApiRequest,
  acceptPattern: RegExp,
  versions: readonly string[],
  example: string,
): { principal: string; version: string } | { response: ApiResponse } {
  const key = privateKeyFrom(request.headers.authorization);
  if (key === undefined || key === '') {
    return {
      response: conektaError(ids, 401, 'authentication_error', {
        message: 'Acceso no autorizado.',
        debug_message: 'Please include your access key in your request.',
        code: 'conekta.errors.authentication.missing_key',
      }),
    };
  }
  // conekta-dispersion.txt: authentication_error "Unrecognized access key".
  if (!/^key_[A-Za-z0-9]{8,}$/.test(key)) {
    return {
      response: conektaError(ids, 401, 'authentication_error', {
        message: 'Acceso no autorizado.',
        debug_message: 'Unrecognized access key',
        code: 'conekta.errors.authentication.unrecognized_key',
      }),
    };
  }
  const accept = request.headers.accept ?? '';
  const version = acceptPattern.exec(accept)?.[1];
  if (version === undefined || !versions.includes(version)) {
    return {
      response: conektaError(ids, 400, 'parameter_validation_error', {
        message: 'La versión de API solicitada no es válida.',
        debug_message: `The API version is missing or not supported; send Accept: ${example} (supported: ${versions.join(', ')})`,
        param: 'Accept',
        code: 'conekta.errors.parameter_validation.api_version',
      }),
    };
  }
  return { principal: key, version };
}

/**
 * The `reference` the journal shows for a metadata hash: the value itself when the hash has one key (how a client
 * carries its idempotency key), else the whole hash as JSON; null without metadata.
 */
export function metadataReference(metadata: unknown): string | null {
  if (!isRecord(metadata)) return null;
  const keys = Object.keys(metadata);
  if (keys.length === 0) return null;
  if (keys.length === 1) {
    const value = metadata[keys[0] as string];
    if (typeof value === 'string') return value;
  }
  return JSON.stringify(metadata);
}

/** Whether a metadata hash matches `metadata[key]=value` / `metadata.key=value` query filters. */
export function metadataFilters(query: URLSearchParams): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [key, value] of query) {
    const m = /^metadata(?:\[([^\]]+)\]|\.(.+))$/.exec(key);
    if (m) out.push([(m[1] ?? m[2]) as string, value]);
  }
  return out;
}

export interface CursorList<T> {
  /** Oldest first; items are never removed (deleted ones are hidden). */
  readonly items: readonly T[];
  readonly indexOf: ReadonlyMap<string, number>;
}

/**
 * A Conekta list page: {object:'list', has_more, next_page_url, previous_page_url, data}, newest first, `limit`
 * (default 20, at most 250), `next`/`previous` cursors naming an item id.
 */
export function listPage<T extends { id: string }>(
  ids: IdSource,
  list: CursorList<T>,
  query: URLSearchParams,
  visible: (item: T) => boolean,
  render: (item: T) => unknown,
  pageUrl: string,
): ApiResponse {
  const limitText = query.get('limit') ?? '20';
  if (!/^\d{1,3}$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > 250) {
    return parameterError(ids, 'El límite debe estar entre 1 y 250.', 'limit', 'limit.invalid');
  }
  const limit = Number(limitText);
  const next = query.get('next');
  const previous = query.get('previous');
  const cursor = next ?? previous;
  let start: number;
  if (cursor !== null) {
    const at = list.indexOf.get(cursor);
    if (at === undefined) return parameterError(ids, 'El cursor de paginación no es válido.', next !== null ? 'next' : 'previous', 'cursor.invalid');
    start = at;
  } else start = list.items.length;

  const collected: T[] = [];
  if (previous !== null && next === null) {
    for (let i = start + 1; i < list.items.length && collected.length <= limit; i++) {
      const item = list.items[i] as T;
      if (visible(item)) collected.push(item);
    }
    const moreNewer = collected.length > limit;
    const page = collected.slice(0, limit).reverse();
    return json(200, {
      object: 'list',
      has_more: moreNewer,
      next_page_url: page.length > 0 ? withCursor(pageUrl, query, limit, 'next', (page[page.length - 1] as T).id) : null,
      previous_page_url: moreNewer && page.length > 0 ? withCursor(pageUrl, query, limit, 'previous', (page[0] as T).id) : null,
      data: page.map(render),
    });
  }
  for (let i = start - 1; i >= 0 && collected.length <= limit; i--) {
    const item = list.items[i] as T;
    if (visible(item)) collected.push(item);
  }
  const hasMore = collected.length > limit;
  const page = collected.slice(0, limit);
  return json(200, {
    object: 'list',
    has_more: hasMore,
    next_page_url: hasMore ? withCursor(pageUrl, query, limit, 'next', (page[page.length - 1] as T).id) : null,
    previous_page_url: cursor !== null && page.length > 0 ? withCursor(pageUrl, query, limit, 'previous', (page[0] as T).id) : null,
    data: page.map(render),
  });
}

function withCursor(pageUrl: string, query: URLSearchParams, limit: number, name: 'next' | 'previous', id: string): string {
  const params = new URLSearchParams();
  for (const [key, value] of query) if (key !== 'next' && key !== 'previous' && key !== 'limit') params.append(key, value);
  params.set('limit', String(limit));
  params.set(name, id);
  return `${pageUrl}?${params.toString()}`;
}

/** created_at[gte|gt|lte|lt] filters in Unix seconds; undefined when one is not an integer. */
export function createdAtFilter(query: URLSearchParams): ((seconds: number) => boolean) | undefined {
  const tests: Array<(s: number) => boolean> = [];
  for (const op of ['gte', 'gt', 'lte', 'lt'] as const) {
    const text = query.get(`created_at[${op}]`) ?? query.get(`created_at.${op}`);
    if (text === null) continue;
    if (!/^\d{1,12}$/.test(text)) return undefined;
    const bound = Number(text);
    tests.push(op === 'gte' ? (s) => s >= bound : op === 'gt' ? (s) => s > bound : op === 'lte' ? (s) => s <= bound : (s) => s < bound);
  }
  return (s) => tests.every((t) => t(s));
}

/** The answers the simulator core asks for (faults, unknown routes, bad bodies), in the Conekta family's error format. */
export function familyErrorResponse(ids: IdSource, kind: CoreError, runtimeDebugMessage: string, notFound: (what: string) => ApiResponse): ApiResponse {
  switch (kind) {
    case 'http500':
    case 'http503':
      return conektaError(ids, kind === 'http500' ? 500 : 503, 'api_error', {
        message: 'Hubo un error en el servidor; intenta de nuevo.',
        debug_message: runtimeDebugMessage,
        code: 'conekta.errors.api.system.general_failure',
      });
    case 'http429':
      return conektaError(ids, 429, 'api_error', { message: 'Demasiadas peticiones; intenta más tarde.', debug_message: 'Too many requests', code: 'conekta.errors.api.rate_limit' });
    case 'not_found':
      return notFound('resource');
    case 'bad_json':
      return conektaError(ids, 400, 'parameter_validation_error', { message: 'El cuerpo de la petición no es JSON válido.', debug_message: 'Malformed JSON body', code: 'conekta.errors.parameter_validation.malformed_json' });
    case 'too_large':
      return conektaError(ids, 413, 'parameter_validation_error', { message: 'El cuerpo de la petición es demasiado grande.', code: 'conekta.errors.parameter_validation.body_too_large' });
  }
}

/**
 * `POST /webhook_keys` (conekta SDK WebhookKeysApi.createWebhookKey → WebhookKeyCreateResponse): the key the
 * account's events are signed with from now on; `public_key` is the PEM that verifies the DIGEST header.
 */
export function webhookKeyJson(ids: IdSource, key: { publicKeyPem: string }, nowMs: number): ApiResponse {
  return json(200, {
    id: `webhk_${ids.alnum(17)}`,
    object: 'webhook_key',
    active: true,
    livemode: false,
    created_at: Math.floor(nowMs / 1000),
    public_key: key.publicKeyPem,
  });
}
