import './install-signal-exit.ts';
import { runCli } from './cli.ts';
import { EXIT, exitCodeOfError, isRunError } from './run-error.ts';

/**
 * The entry point and the one place that ends the process: a command returns its exit code; a RunError becomes
 * one clear line on stderr and its exit code; anything else is a bug, shown with its stack only under --debug.
 * With --json, stdout carries exactly one JSON object whatever happens: the command's summary, or
 * {"exit_code", "error": {"code", "message"}} when it failed (a summary printed before a late failure is dropped).
 */
const argv = process.argv.slice(2);
const debug = argv.includes('--debug');
const json = argv.some((a) => a === '--json' || a === '--json=true');

// Under --json, what the command prints is held until its outcome is known, so a failure never follows a summary.
const held: string[] = [];
const writeStdout = process.stdout.write.bind(process.stdout);
const flush = () => {
  if (held.length) writeStdout(held.splice(0).join(''));
};
if (json) {
  process.stdout.write = ((chunk: string | Uint8Array, encoding?: unknown, callback?: unknown) => {
    held.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
    return true;
  }) as typeof process.stdout.write;
  // yargs ends the process itself after --help: what it printed still goes out.
  process.once('exit', flush);
}

let code: number;
try {
  code = await runCli(argv);
  process.stdout.write = writeStdout;
  flush();
} catch (error) {
  process.stdout.write = writeStdout;
  held.length = 0;
  code = exitCodeOfError(error);
  if (isRunError(error)) {
    process.stderr.write(`payout-batch: ${error.message}${error.hint ? ` — ${error.hint}` : ''}\n`);
    if (debug && error.cause) process.stderr.write(`${String((error.cause as Error).stack ?? error.cause)}\n`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`payout-batch: unexpected error: ${message}${debug ? '' : ' (run again with --debug for details)'}\n`);
    if (debug && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    code = EXIT.FATAL;
  }
  if (json) {
    const described = isRunError(error)
      ? { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) }
      : { code: 'UNEXPECTED', message: error instanceof Error ? error.message : String(error) };
    process.stdout.write(`${JSON.stringify({ exit_code: code, error: described })}\n`);
  }
}
// Let stdout/stderr drain before leaving (a large --json summary may still be buffered on a pipe).
await new Promise<void>((resolve) => (process.stdout.writableNeedDrain ? process.stdout.once('drain', resolve) : resolve()));
process.exit(code);
