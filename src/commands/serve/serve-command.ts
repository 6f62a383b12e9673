import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Target } from '../../config/config-types.ts';
import { PROVIDER_IDS } from '../../domain/provider-id.ts';
import { RunError } from '../../run-error.ts';
import { startServer } from '../../serve/start-server.ts';
import { withCommandScope } from '../shared/command-scope.ts';
import { connectTarget, type ProviderTarget } from '../shared/provider-sessions.ts';

export interface ServeArgs {
  port: number;
  host: string;
  config?: string;
  ledger?: string;
  target: Target;
  simulatorUrl?: string;
  data?: string;
  tlsCert?: string;
  tlsKey?: string;
  insecureHttp: boolean;
  maxAttempts: number;
}

/** Loopback only: anything else needs TLS or --insecure-http. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * `payout-batch serve`: the upload page and its API, paying approved batches itself. Prints its URL on stdout once
 * listening; runs until SIGINT / SIGTERM, then lets the requests in flight settle (a batch being paid stays `paying`
 * and resumes when a server starts again on the same ledger).
 */
export async function serveCommand(args: ServeArgs): Promise<number> {
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) throw new RunError('USAGE', '--port must be 0-65535');
  if (Boolean(args.tlsCert) !== Boolean(args.tlsKey)) throw new RunError('USAGE', '--tls-cert and --tls-key go together');
  const tls = args.tlsCert && args.tlsKey ? { cert: readFileSync(args.tlsCert), key: readFileSync(args.tlsKey) } : undefined;
  if (!isLoopbackHost(args.host) && !tls && !args.insecureHttp) {
    throw new RunError('USAGE', `--host ${args.host} is reachable from other machines: sign-ins and session cookies would cross the network in clear`, {
      hint: 'pass --tls-cert and --tls-key, or --insecure-http behind a TLS proxy you trust',
    });
  }
  if (!(args.maxAttempts >= 1)) throw new RunError('USAGE', '--max-attempts must be at least 1');
  const graceMs = 10_000;
  return withCommandScope({ config: args.config, target: args.target, graceMs }, async (scope) => {
    const { ledger, ledgerPath, location, kind } = await scope.openLedger({ path: args.ledger });
    // The simulator (in-process or --simulator-url) is connected once; real targets read their credentials per use.
    let simulator: ProviderTarget | undefined;
    if (args.target === 'simulator') simulator = await scope.connectTarget({ target: 'simulator', ...(args.simulatorUrl ? { simulatorUrl: args.simulatorUrl } : {}), providers: PROVIDER_IDS });
    else if (args.simulatorUrl) throw new RunError('USAGE', '--simulator-url only goes with --target simulator');
    const logger = scope.createLogger({ stderr: true, base: { command: 'serve' } });
    const server = await startServer({
      ledger,
      ledgerPath,
      ledgerLocation: location,
      config: scope.config,
      target: args.target,
      connect: async (providers) => simulator ?? (await connectTarget({ target: args.target, providers })),
      // Beside a ledger file; for a database, in the working folder (or --data).
      dataDir: resolve(args.data ?? (kind === 'sqlite' ? join(dirname(ledgerPath), 'serve-data') : 'serve-data')),
      host: args.host,
      port: args.port,
      ...(tls ? { tls } : {}),
      maxAttempts: args.maxAttempts,
      log: (record) => logger.info(record),
    });
    logger.info({ event: 'listening', url: server.url, ledger: ledgerPath, target: args.target });
    process.stdout.write(`${server.url}\n`);
    await new Promise<void>((done) => (scope.signal.aborted ? done() : scope.signal.addEventListener('abort', () => done(), { once: true })));
    await server.close(graceMs);
    return 0;
  });
}
