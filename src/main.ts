import { runCli } from './cli.ts';
import { EXIT, isRunError } from './run-error.ts';

/**
 * The entry point and the one place that ends the process: a command returns its exit code; a RunError becomes
 * one clear line on stderr and its exit code; anything else is a bug, shown with its stack only under --debug.
 */
const argv = process.argv.slice(2);
const debug = argv.includes('--debug');

let code: number;
try {
  code = await runCli(argv);
} catch (error) {
  if (isRunError(error)) {
    process.stderr.write(`payout-batch: ${error.message}${error.hint ? ` — ${error.hint}` : ''}\n`);
    if (debug && error.cause) process.stderr.write(`${String((error.cause as Error).stack ?? error.cause)}\n`);
    code = error.exitCode;
  } else {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`payout-batch: unexpected error: ${message}${debug ? '' : ' (run again with --debug for details)'}\n`);
    if (debug && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    code = EXIT.FATAL;
  }
}
// Let stdout/stderr drain before leaving (a large --json summary may still be buffered on a pipe).
await new Promise<void>((resolve) => (process.stdout.writableNeedDrain ? process.stdout.once('drain', resolve) : resolve()));
process.exit(code);
