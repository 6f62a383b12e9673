import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { pino } from 'pino';
import { DIR_MODE, openLogFile } from '../write/output-file.ts';
import type { DestinationStream, Level, Logger } from 'pino';
import { REDACT_PATHS, censor } from './redact.ts';

export { maskEmail } from './mask-email.ts';

export interface LoggerOptions {
  level?: Level | 'silent';
  /**
   * Per-run log file (JSON lines); its folder is created (0700). The file is always a new one (0600), created at a
   * temporary name and renamed into place: an existing file or symlink at the name is replaced, never written through.
   */
  file?: string;
  /** JSON to stderr; default true. The nightly job has no terminal, so there is no pretty mode. */
  stderr?: boolean;
  /** Fields on every line, e.g. { command: 'run', batchId }. */
  base?: Record<string, unknown>;
}

type SonicBoom = ReturnType<typeof pino.destination>;

/** The destinations behind each logger, for closeLogger to flush. */
const destinations = new WeakMap<Logger, SonicBoom[]>();
/** The first write error of each file destination that failed. */
const failures = new WeakMap<SonicBoom, unknown>();

/** The error that stopped one of the logger's files taking lines (disk full …), if one did. */
export function logFileFailure(logger: Logger): unknown {
  for (const stream of destinations.get(logger) ?? []) if (failures.has(stream)) return failures.get(stream);
  return undefined;
}

/**
 * A JSON logger to stderr and/or a file, with secrets removed and account numbers masked before a line is
 * written. Destinations are asynchronous (sync: false) so logging never waits on the disk; call closeLogger
 * before exiting or the last lines may be lost.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const streams: SonicBoom[] = [];
  if (options.stderr ?? true) streams.push(pino.destination({ dest: 2, sync: false }));
  if (options.file !== undefined) {
    mkdirSync(dirname(options.file), { recursive: true, mode: DIR_MODE });
    const file = pino.destination({ fd: openLogFile(options.file), sync: false });
    // A log file that stops taking lines (disk full) must not end the command: without a listener the stream's
    // 'error' is thrown as an uncaught exception, mid-payment. The failure is kept for the command to report.
    file.on('error', (error: unknown) => {
      if (!failures.has(file)) failures.set(file, error);
    });
    streams.push(file);
  }

  const level = options.level ?? 'info';
  const logger = pino(
    {
      level,
      enabled: streams.length > 0,
      base: { pid: process.pid, ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor },
    },
    destinationOf(streams, level),
  );
  destinations.set(logger, streams);
  return logger;
}

function destinationOf(streams: SonicBoom[], level: Level | 'silent'): DestinationStream {
  if (streams.length === 1 && streams[0]) return streams[0];
  // multistream filters by its own level too: without it, debug lines would stop at its default (info).
  const streamLevel = level === 'silent' ? 'fatal' : level;
  return pino.multistream(streams.map((stream) => ({ stream, level: streamLevel })));
}

/** Writes out whatever is buffered and closes the log file; stderr stays open for the caller. */
export async function closeLogger(logger: Logger): Promise<void> {
  const streams = destinations.get(logger) ?? [];
  destinations.delete(logger);
  await Promise.all(streams.map(closeStream));
}

async function closeStream(stream: SonicBoom): Promise<void> {
  // A file that failed takes no more lines: what is still buffered cannot be written, and waiting for it never ends.
  if (failures.has(stream)) {
    stream.destroy();
    return;
  }
  // end() flushes the buffer, waiting for the file to open if it has not yet; fds 1 and 2 are flushed, not closed.
  const closed = new Promise<void>((resolve, reject) => {
    stream.once('close', () => resolve());
    stream.once('error', reject);
  });
  stream.end();
  await closed;
}
