import { providerModules } from '../../providers/registry.ts';
import { RunError } from '../../run-error.ts';
import { startWebhookReceiver } from '../../webhooks/webhook-receiver.ts';
import { withCommandScope } from '../shared/command-scope.ts';

export interface WebhooksArgs {
  port: number;
  host: string;
  ledger?: string;
  config?: string;
}

/** What the command talks to; tests pass their own. */
export interface WebhooksIo {
  out?: (text: string) => void;
  /** Stops the receiver when aborted, as SIGINT/SIGTERM do. */
  signal?: AbortSignal;
  /** Also write the JSON log lines to this file. */
  logFile?: string;
  /** Told the receiver's URL once it listens. */
  onListening?: (url: string) => void;
}

/**
 * `payout-batch webhooks`: receives provider events on /webhooks/{provider} and applies them to the ledger, logging
 * one JSON line per event on stderr. Prints its URL when listening; SIGINT/SIGTERM stop it cleanly (resolves 0).
 */
export async function webhooksCommand(args: WebhooksArgs, io: WebhooksIo = {}): Promise<number> {
  const out = io.out ?? ((text: string) => void process.stdout.write(text));
  // The target only shapes provider defaults, which the receiver never uses; the config matters for its ledger path.
  // Signals are handled below: they stop the receiver, which lets requests in flight reach the ledger first.
  return withCommandScope({ config: args.config, target: 'simulator', signals: false }, async (scope) => {
    const logger = scope.createLogger({ ...(io.logFile ? { file: io.logFile } : {}), base: { command: 'webhooks' } });
    const { ledger, ledgerPath } = await scope.openLedger({ path: args.ledger });
    let receiver;
    try {
      receiver = await startWebhookReceiver({ ledger, port: args.port, host: args.host, logger });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new RunError('USAGE', `port ${args.port} on ${args.host} is already in use`, { hint: 'pass --port with a free port (0 picks one)', cause: error });
      }
      throw error;
    }
    logger.info({ event: 'listening', url: receiver.url, ledger: ledgerPath });
    out(
      [
        `Webhook receiver listening on ${receiver.url}`,
        ...providerModules().map(({ id }) => `  ${id.padEnd(13)}${receiver.url}/webhooks/${id}`),
        `  simulator    ${receiver.url}/ (x-simulator-provider header)`,
        `Ledger: ${ledgerPath}`,
        'Stop with Ctrl-C.',
        '',
      ].join('\n'),
    );
    io.onListening?.(receiver.url);

    await new Promise<void>((done) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        io.signal?.removeEventListener('abort', stop);
        done();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      if (io.signal?.aborted) stop();
      else io.signal?.addEventListener('abort', stop, { once: true });
    });
    // Requests in flight finish (and reach the ledger) before the ledger closes.
    await receiver.close();
    logger.info({ event: 'stopped' });
    out('Webhook receiver stopped.\n');
    return 0;
  });
}
