import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PROVIDER_IDS } from '../domain/provider-id.ts';
import type { Actor, BatchService, BatchView } from './batch-service.ts';
import { requireCsrf } from './csrf.ts';
import { errorReportCsv, errorReportXlsx } from './error-report.ts';
import { resultsDir, type DispatchRunner } from './dispatch-runner.ts';
import type { ReviewStore, RowFilter } from './review-store.ts';
import { ServeError } from './serve-error.ts';
import { ALL_ROLES, requireRole, SESSION_COOKIE, type SessionAuth } from './session-auth.ts';
import { ROW_FIELDS, STYLE, WATCH_JS, createTemplates } from './templates.ts';
import { receiveUpload } from './upload-handling.ts';

export interface RouteDeps {
  auth: SessionAuth;
  service: BatchService;
  runner: DispatchRunner;
  store: ReviewStore;
  dataDir: string;
  secureCookie: boolean;
  htmxPath: string;
}

export const DOWNLOADS = ['results.csv', 'results.xlsx', 'statement.xlsx', 'reconciliation.xlsx'] as const;
const CONTENT_TYPES: Record<string, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** A form post from the page (not fetch/htmx asking for JSON): answered with a redirect to a page. */
function fromPage(request: FastifyRequest): boolean {
  const type = request.headers['content-type'] ?? '';
  const accept = request.headers.accept ?? '';
  return (type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data')) && accept.includes('text/html');
}

const actor = (request: FastifyRequest): Actor => ({ user: request.auth!.user, remote: request.ip });
const param = (request: FastifyRequest) => (request.params as { id: string }).id;
const bodyOf = (request: FastifyRequest) => (request.body && typeof request.body === 'object' ? (request.body as Record<string, unknown>) : {});

function rowFilter(query: Record<string, unknown>): RowFilter {
  const int = (v: unknown, fallback: number, max: number) => {
    const n = Number(v);
    return Number.isInteger(n) && n >= 0 ? Math.min(n, max) : fallback;
  };
  const text = (v: unknown) => (typeof v === 'string' && /^[a-z_A-Z]{1,40}$/.test(v) ? v : undefined);
  const status = text(query.status);
  const code = text(query.code);
  return { ...(status ? { status } : {}), ...(code ? { code } : {}), offset: int(query.offset, 0, 10_000_000), limit: Math.max(1, int(query.limit, 25, 500)) };
}

/** The JSON API and the pages: the pages' forms post to the API routes, which redirect a form post back to a page. */
export function registerRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { auth, service, runner, store } = deps;
  const eta = createTemplates();
  const any = requireRole(auth, ALL_ROLES);
  const operator = requireRole(auth, ['operator']);
  const approver = requireRole(auth, ['approver']);
  const actingRoles = requireRole(auth, ['operator', 'approver']);
  const page = (reply: FastifyReply, name: string, data: Record<string, unknown>, status = 200) =>
    reply.code(status).type('text/html; charset=utf-8').send(eta.render(name, data));
  const done = (request: FastifyRequest, reply: FastifyReply, view: BatchView, status = 200) =>
    fromPage(request) ? reply.redirect(`/batches/${view.id}`, 303) : reply.code(status).send(view);

  app.setErrorHandler((error: unknown, request, reply) => {
    const e = error as { statusCode?: number; code?: string; message?: string };
    const serve =
      error instanceof ServeError
        ? error
        : e.statusCode === 413
          ? new ServeError(413, 'FILE_TOO_LARGE', e.message ?? 'too large')
          : e.statusCode && e.statusCode >= 400 && e.statusCode < 500
            ? new ServeError(e.statusCode, e.code ?? 'BAD_REQUEST', e.message ?? 'bad request')
            : undefined;
    if (!serve) request.log.error({ err: error }, 'unexpected error');
    const status = serve?.status ?? 500;
    const code = serve?.code ?? 'INTERNAL';
    const message = serve?.message ?? 'unexpected server error (see the server log)';
    const wantsPage = (request.headers.accept ?? '').includes('text/html') && !request.headers['hx-request'];
    if (wantsPage && status === 401 && request.method === 'GET') return reply.redirect('/login', 303);
    if (wantsPage) {
      const back = request.url.startsWith('/api/batches/') ? `/batches/${request.url.split('/')[3]}` : '/';
      const who = request.auth;
      return page(reply, '@error', { title: 'Error', code, message, back, me: who?.user, csrf: who?.session.csrf }, status);
    }
    return reply.code(status).send({ error: { code, message } });
  });

  // Assets (local: no CDN).
  app.get('/assets/htmx.min.js', (_request, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'max-age=3600').send(createReadStream(deps.htmxPath)));
  app.get('/assets/watch.js', (_request, reply) => reply.type('text/javascript; charset=utf-8').send(WATCH_JS));
  app.get('/assets/style.css', (_request, reply) => reply.type('text/css; charset=utf-8').send(STYLE));

  // Session.
  app.post('/api/session', async (request, reply) => {
    const body = bodyOf(request);
    const username = typeof body.username === 'string' ? body.username : '';
    const password = typeof body.password === 'string' ? body.password : '';
    try {
      if (!username || !password) throw new ServeError(422, 'CREDENTIALS_REQUIRED', 'send {username, password}');
      const session = await auth.login(username, password, request.ip);
      reply.setCookie(SESSION_COOKIE, session.token, { httpOnly: true, sameSite: 'strict', secure: deps.secureCookie, path: '/' });
      if (fromPage(request)) return reply.redirect('/', 303);
      return reply.code(201).send({ token: session.token, csrf_token: session.csrf, user: username });
    } catch (error) {
      if (fromPage(request) && error instanceof ServeError) return page(reply, '@login', { title: 'Sign in', error: error.message }, error.status);
      throw error;
    }
  });
  const signOut = async (request: FastifyRequest, reply: FastifyReply) => {
    await auth.logout(request.auth!.session.token);
    await store.audit({ who: request.auth!.user.name, action: 'logout', remote: request.ip });
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return fromPage(request) ? reply.redirect('/login', 303) : reply.code(204).send();
  };
  app.delete('/api/session', { preHandler: [any, requireCsrf] }, signOut);
  app.post('/logout', { preHandler: [any, requireCsrf] }, signOut);

  // JSON API.
  app.post('/api/batches', { preHandler: [operator] }, async (request, reply) => {
    const received = await receiveUpload(request, deps.dataDir);
    return done(request, reply, await service.upload(actor(request), received), 201);
  });
  app.get('/api/batches', { preHandler: [any] }, async () => ({ batches: await service.list() }));
  app.get('/api/batches/:id', { preHandler: [any] }, async (request) => service.view(param(request)));
  app.get('/api/batches/:id/rows', { preHandler: [any] }, async (request) => {
    await service.get(param(request));
    const filter = rowFilter(request.query as Record<string, unknown>);
    const { rows, total } = await store.rows(param(request), filter);
    return { total, offset: filter.offset, limit: filter.limit, rows: rows.map((r) => ({ row: r.row, order_id: r.orderId ?? null, status: r.status, issues: r.issues.map((i) => ({ code: i.code, column: i.column ?? null, field: i.field ?? null, severity: i.severity, message: i.message })) })) };
  });
  app.post('/api/batches/:id/submit', { preHandler: [operator, requireCsrf] }, async (request, reply) => done(request, reply, await service.submit(actor(request), param(request))));
  // The column mapping edited on the review page (`map`: one field=Header per line, as --map): planned again.
  app.post('/api/batches/:id/map', { preHandler: [operator, requireCsrf] }, async (request, reply) => {
    const map = bodyOf(request).map;
    const lines = typeof map === 'string' ? map.split(/\r?\n/) : Array.isArray(map) ? map.filter((l): l is string => typeof l === 'string') : [];
    return done(request, reply, await service.remap(actor(request), param(request), lines));
  });
  app.post('/api/batches/:id/approve', { preHandler: [approver, requireCsrf] }, async (request, reply) => {
    const hash = bodyOf(request).plan_hash;
    return done(request, reply, await service.approve(actor(request), param(request), typeof hash === 'string' ? hash : undefined));
  });
  app.post('/api/batches/:id/reject', { preHandler: [actingRoles, requireCsrf] }, async (request, reply) => {
    const reason = bodyOf(request).reason;
    return done(request, reply, await service.reject(actor(request), param(request), typeof reason === 'string' ? reason : undefined));
  });
  app.post('/api/batches/:id/pause', { preHandler: [actingRoles, requireCsrf] }, async (request, reply) => done(request, reply, await service.pause(actor(request), param(request))));
  app.post('/api/batches/:id/resume', { preHandler: [actingRoles, requireCsrf] }, async (request, reply) => done(request, reply, await service.resume(actor(request), param(request))));

  // Server-Sent Events: the batch as it is, then each progress and status change.
  app.get('/api/batches/:id/events', { preHandler: [any] }, async (request, reply) => {
    const id = param(request);
    const first = await service.view(id);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const send = (event: string, data: unknown) => raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    send('status', { status: first.status, id });
    if (first.progress) send('progress', first.progress);
    const onProgress = (batch: string, p: { total: number; done: number; paidOrPending: number; failed: number; unknown: number; notSent: number; inFlight: number; rate: number; etaSeconds?: number }) => {
      if (batch === id) send('progress', { total: p.total, done: p.done, paid_or_pending: p.paidOrPending, failed: p.failed, unknown: p.unknown, not_sent: p.notSent, in_flight: p.inFlight, rate: p.rate, ...(p.etaSeconds !== undefined ? { eta_seconds: p.etaSeconds } : {}) });
    };
    const onStatus = (batch: string, status: string) => {
      if (batch === id) send('status', { status, id });
    };
    runner.on('progress', onProgress);
    runner.on('status', onStatus);
    const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), 15_000);
    const stop = () => {
      clearInterval(heartbeat);
      runner.off('progress', onProgress);
      runner.off('status', onStatus);
    };
    raw.once('close', stop);
    streams.add(raw);
    raw.once('close', () => streams.delete(raw));
  });
  const streams = new Set<NodeJS.WritableStream & { end(): void }>();
  app.addHook('onClose', async () => {
    for (const s of streams) s.end();
  });

  app.get('/api/batches/:id/files/:name', { preHandler: [any] }, async (request, reply) => {
    const id = param(request);
    const name = (request.params as { name: string }).name;
    const review = await service.get(id);
    if (name === 'errors.csv') {
      return reply.type(CONTENT_TYPES.csv!).header('content-disposition', `attachment; filename="errors-${id}.csv"`).send(await errorReportCsv(store, id));
    }
    if (name === 'errors.xlsx') {
      const body = await errorReportXlsx(store, id, join(deps.dataDir, 'tmp'));
      return reply.type(CONTENT_TYPES.xlsx!).header('content-disposition', `attachment; filename="errors-${id}.xlsx"`).send(body);
    }
    if (!(DOWNLOADS as readonly string[]).includes(name)) throw new ServeError(404, 'FILE_UNKNOWN', `no file ${name}: one of errors.csv, errors.xlsx, ${DOWNLOADS.join(', ')}`);
    const path = join(resultsDir(deps.dataDir, id), name);
    await runner.ensureFiles(review, DOWNLOADS);
    if (!existsSync(path)) throw new ServeError(404, 'FILE_NOT_READY', `${name} is written once the batch has been paid (or paused)`);
    return reply.type(CONTENT_TYPES[name.split('.').pop()!]!).header('content-disposition', `attachment; filename="${id}-${name}"`).send(createReadStream(path));
  });

  // Pages.
  app.get('/login', (_request, reply) => page(reply, '@login', { title: 'Sign in' }));
  app.get('/', async (request, reply) => {
    const who = await auth.authenticate(request);
    if (!who) return reply.redirect('/login', 303);
    request.auth = who;
    return page(reply, '@list', { title: 'Batches', me: who.user, csrf: who.session.csrf, batches: await service.list(), providers: PROVIDER_IDS });
  });
  const batchPage = async (request: FastifyRequest, reply: FastifyReply, fragment: boolean) => {
    const id = param(request);
    const b = await service.view(id);
    const filter = rowFilter(request.query as Record<string, unknown>);
    const { rows, total } = await store.rows(id, filter);
    const pageUrl = (offset: number, partial = false) => {
      const q = new URLSearchParams({ ...(filter.status ? { status: filter.status } : {}), ...(filter.code ? { code: filter.code } : {}), offset: String(offset) });
      return `/batches/${id}${partial ? '/rows' : ''}?${q}`;
    };
    await runner.ensureFiles(await service.get(id), DOWNLOADS);
    const files = DOWNLOADS.filter((f) => existsSync(join(resultsDir(deps.dataDir, id), f)));
    const data = { title: `Batch ${id}`, me: request.auth!.user, csrf: request.auth!.session.csrf, b, rows, total, filter, fields: ROW_FIELDS, pageUrl, files, audit: await store.auditFor(id) };
    return page(reply, fragment ? '@rows' : '@batch', data);
  };
  app.get('/batches/:id', { preHandler: [any] }, (request, reply) => batchPage(request, reply, false));
  // The rows table alone for htmx; the whole page for a reload of the URL htmx pushed.
  app.get('/batches/:id/rows', { preHandler: [any] }, (request, reply) => batchPage(request, reply, request.headers['hx-request'] === 'true'));
}
