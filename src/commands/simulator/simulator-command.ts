import { PROVIDER_IDS } from '../../domain/provider-id.ts';
import { RunError } from '../../run-error.ts';
import { decimalToMinor } from '../../simulator/core/money-text.ts';
import { SIMULATOR_CREDENTIALS, startSimulator, type SimulatorOptions } from '../../simulator/start-simulator.ts';
import { holdSignals } from '../../process-signals.ts';

export interface SimulatorArgs {
  port: number;
  host: string;
  seed?: number;
  faults?: string;
  journal?: string;
  settleMs?: number;
  rate?: number;
  /** Decimal amount, e.g. "1000000.00"; parsed exactly to cents. */
  balance?: string;
  webhookUrl?: string;
}

/** What the command talks to; tests pass their own. */
export interface SimulatorIo {
  out?: (text: string) => void;
  err?: (text: string) => void;
  /** Stops the simulator when aborted, as SIGINT/SIGTERM do. */
  signal?: AbortSignal;
}

/**
 * `payout-batch simulator`: starts the four provider APIs on one port (default 4010), prints the base URLs and the
 * default credentials, logs faults and webhook failures to stderr as JSON lines, and stops cleanly on SIGINT/SIGTERM
 * (resolving 0).
 */
export async function simulatorCommand(args: SimulatorArgs, io: SimulatorIo = {}): Promise<number> {
  const out = io.out ?? ((text: string) => void process.stdout.write(text));
  const err = io.err ?? ((text: string) => void process.stderr.write(text));
  const options = toOptions(args, err);

  let simulator;
  try {
    simulator = await startSimulator(options);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new RunError('USAGE', `port ${args.port} on ${args.host} is already in use`, { hint: 'pass --port with a free port (0 picks one)', cause: error });
    if (error instanceof TypeError || error instanceof RangeError) throw new RunError('USAGE', error.message, { cause: error });
    throw error;
  }

  const lines = [`Simulator listening on ${simulator.url}`];
  for (const id of PROVIDER_IDS) lines.push(`  ${id.padEnd(13)}${simulator.baseUrl(id)}`);
  lines.push(
    `Default credentials:`,
    `  openpay      merchant ${SIMULATOR_CREDENTIALS.openpay.merchantId}, key ${SIMULATOR_CREDENTIALS.openpay.privateKey}`,
    `  conekta      key ${SIMULATOR_CREDENTIALS.conekta.privateKey}`,
    `  digitalfemsa key ${SIMULATOR_CREDENTIALS.digitalfemsa.privateKey}`,
    `  zenrise      clientId ${SIMULATOR_CREDENTIALS.zenrise.clientId}, secretId ${SIMULATOR_CREDENTIALS.zenrise.secretId}`,
    `Admin: ${simulator.url}/__admin/journal | /__admin/stats | POST /__admin/advance?ms=N | POST /__admin/mutate`,
    `Stop with Ctrl-C.`,
  );
  out(`${lines.join('\n')}\n`);

  await new Promise<void>((resolve) => {
    const stop = () => {
      release();
      io.signal?.removeEventListener('abort', stop);
      resolve();
    };
    const release = holdSignals(stop);
    if (io.signal?.aborted) stop();
    else io.signal?.addEventListener('abort', stop, { once: true });
  });
  await simulator.close();
  out('Simulator stopped.\n');
  return 0;
}

function toOptions(args: SimulatorArgs, err: (text: string) => void): SimulatorOptions {
  const options: SimulatorOptions = {
    port: args.port ?? 4010,
    host: args.host ?? '127.0.0.1',
    // Requests are logged at debug level only; faults, webhook failures and errors go to stderr.
    logger: (line) => {
      if ((line as { level?: string }).level !== 'debug') err(`${JSON.stringify(line)}\n`);
    },
  };
  if (!Number.isInteger(options.port) || (options.port as number) < 0 || (options.port as number) > 65535) {
    throw new RunError('USAGE', `--port must be an integer between 0 and 65535, got ${args.port}`);
  }
  if (args.seed !== undefined) options.seed = args.seed;
  if (args.faults !== undefined) options.faults = args.faults;
  if (args.journal !== undefined) options.journalPath = args.journal;
  if (args.settleMs !== undefined) options.settleMs = args.settleMs;
  if (args.rate !== undefined) options.rate = args.rate;
  if (args.webhookUrl !== undefined) options.webhookUrl = args.webhookUrl;
  if (args.balance !== undefined) {
    const parsed = decimalToMinor(String(args.balance), 2);
    if (!('minor' in parsed)) {
      throw new RunError('USAGE', `--balance must be a positive amount with at most two decimals, e.g. 1000000.00; got "${args.balance}"`);
    }
    options.balanceMinor = parsed.minor;
  }
  return options;
}
