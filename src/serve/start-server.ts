import { createRequire } from 'node:module';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AppConfig, Target } from '../config/config-types.ts';
import type { ProviderTarget } from '../commands/shared/provider-sessions.ts';
import type { ProviderId } from '../domain/provider-id.ts';
import type { LedgerStore } from '../ledger/ledger-store.ts';
import { BatchService } from './batch-service.ts';
import { DispatchRunner } from './dispatch-runner.ts';
import { openReviewStore } from './open-review-store.ts';
import { registerRoutes } from './routes.ts';
import { SessionAuth, type SessionAuthOptions } from './session-auth.ts';
import { UPLOAD_LIMITS } from './upload-handling.ts';

export interface ServeOptions {
  ledger: LedgerStore;
  /** The ledger as messages and reports name it (a URL's password masked). */
  ledgerPath: string;
  /** Where the review store opens its own connection to the ledger: a file path or a postgres:// URL (default ledgerPath). */
  ledgerLocation?: string;
  config: AppConfig;
  target: Target;
  connect(providers: readonly ProviderId[]): Promise<ProviderTarget>;
  dataDir: string;
  host: string;
  port: number;
  tls?: { cert: string | Buffer; key: string | Buffer };
  maxAttempts?: number;
  /** How long to wait before trying again a batch another server is paying (default 5 s). */
  lockRetryMs?: number;
  auth?: SessionAuthOptions;
  log?: (record: Record<string, unknown>) => void;
}

export interface RunningServer {
  url: string;
  runner: DispatchRunner;
  /** Stops taking rows, lets those in flight settle for up to graceMs, then closes. A batch paying stays `paying`. */
  close(graceMs?: number): Promise<void>;
}

/** The page and its JSON API on one fastify instance; batches left paying by an earlier server resume at once. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const log = options.log ?? (() => {});
  const store = await openReviewStore(options.ledgerLocation ?? options.ledgerPath);
  const ctx = { ledger: options.ledger, config: options.config, target: options.target, connect: options.connect };
  const runner = new DispatchRunner({ ctx, store, dataDir: options.dataDir, ledgerPath: options.ledgerPath, maxAttempts: options.maxAttempts ?? 5, log, ...(options.lockRetryMs !== undefined ? { lockRetryMs: options.lockRetryMs } : {}) });
  const service = new BatchService(store, ctx, runner, options.dataDir, options.config.approval);
  const auth = new SessionAuth(store, options.auth);
  const common = { logger: false, bodyLimit: 64 * 1024, forceCloseConnections: true } as const;
  // The https instance has the same routes and hooks; its server type differs only in the node module behind it.
  const app = (options.tls ? Fastify({ ...common, https: options.tls }) : Fastify(common)) as unknown as FastifyInstance;
  await app.register(cookie);
  await app.register(formbody);
  await app.register(multipart, { limits: UPLOAD_LIMITS });
  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'same-origin');
    reply.header('content-security-policy', "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
  });
  registerRoutes(app, {
    auth,
    service,
    runner,
    store,
    dataDir: options.dataDir,
    secureCookie: Boolean(options.tls),
    htmxPath: createRequire(import.meta.url).resolve('htmx.org/dist/htmx.min.js'),
  });
  const address = await app.listen({ host: options.host, port: options.port });
  const resumed = await runner.resumeAll();
  if (resumed.length) log({ event: 'resumed', batches: resumed });
  return {
    url: address,
    runner,
    async close(graceMs = 10_000) {
      await runner.shutdown(graceMs);
      await app.close();
      await store.close();
    },
  };
}
