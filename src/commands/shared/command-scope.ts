import { setMaxListeners } from 'node:events';
import { resolve } from 'node:path';
import type { AppConfig, Target } from '../../config/config-types.ts';
import { loadConfig } from '../../config/load-config.ts';
import type { ProviderId } from '../../domain/provider-id.ts';
import { fileChange, fileIdentity } from '../../ledger/ledger-file-identity.ts';
import { isLedgerError } from '../../ledger/ledger-error.ts';
import { maskSecret, parseLedgerLocation, type LedgerLocation } from '../../ledger/ledger-location.ts';
import { defaultLedgerPath } from '../../ledger/ledger-path.ts';
import type { LedgerStore } from '../../ledger/ledger-store.ts';
import { openLedger } from '../../ledger/open-ledger.ts';
import { closeLogger, createLogger, type LoggerOptions } from '../../log/logger.ts';
import { closeHttpAgent } from '../../providers/http-client.ts';
import { EXIT, exitCodeOfError, isRunError, RunError } from '../../run-error.ts';
import { holdSignals as holdProcessSignals } from '../../process-signals.ts';
import { createInterruptSignals } from './interrupt-signals.ts';
import { connectTarget, type ProviderTarget } from './provider-sessions.ts';

type Logger = ReturnType<typeof createLogger>;

/**
 * What every command that touches the ledger or the providers shares: the config (a bad one is CONFIG_INVALID), the
 * ledger (one that cannot be opened is LEDGER_ERROR), the provider target, a logger, SIGINT/SIGTERM as one abort
 * signal, and one cleanup that runs whatever happened, newest resource first.
 */
export interface CommandScope {
  readonly startedAt: Date;
  readonly config: AppConfig;
  readonly configWarnings: readonly string[];
  /** Aborted on the first SIGINT / SIGTERM (or the caller's signal): no new work is taken, no new attempt made. */
  readonly signal: AbortSignal;
  /**
   * Aborted when the grace period after the first signal ends, or on a second signal: requests still in flight are
   * cut. With no grace period it aborts with `signal`.
   */
  readonly cutSignal: AbortSignal;
  /** True once a signal arrived. */
  interrupted(): boolean;
  /** Called once, on the first signal (for the log and the terminal). */
  onInterrupt(handler: (signal: NodeJS.Signals | 'abort') => void): void;
  /** Called once, when the requests in flight are cut (grace period over or a second signal). */
  onCut(handler: (why: 'grace_elapsed' | 'second_signal') => void): void;
  /**
   * With `signals: 'when-held'`: from now to the end of the command a SIGINT / SIGTERM stops it gracefully (the
   * handlers above, requests in flight get the grace period) instead of ending the process at once.
   */
  holdSignals(): void;
  /**
   * Opens the ledger at --ledger, the config's path, $PAYOUT_BATCH_LEDGER or the target's default, checked (a damaged
   * file is LEDGER_ERROR); closed by the cleanup. A missing file: see LedgerOptions.
   */
  openLedger(options?: LedgerOptions): Promise<OpenedLedger>;
  /** Connects to the simulator or the real endpoints; closed by the cleanup. */
  connectTarget(options: { target: Target; simulatorUrl?: string; providers: readonly ProviderId[] }): Promise<ProviderTarget>;
  /**
   * A logger flushed and closed by the cleanup. When the command fails, its last line is
   * {event: 'error', code, message, exit_code}, so the log of a run-level failure says how it ended.
   */
  createLogger(options: LoggerOptions): Logger;
  /** Runs at cleanup, before everything acquired earlier. */
  defer(cleanup: () => unknown): void;
}

export interface LedgerOptions {
  /** --ledger. */
  path?: string | undefined;
  /**
   * Opening a missing file would create an empty ledger that reports nothing, which reads as "nothing happened":
   * commands that only read or follow a ledger require it to exist.
   */
  mustExist?: { hint: string };
  /**
   * --new-ledger: start a ledger where none is, on sandbox or live. Without it they refuse a missing file (a mistyped
   * path would otherwise find no earlier run and pay the batch again); the simulator creates one and says so.
   */
  newLedger?: boolean | undefined;
  /** --dry-run: never create the file; a missing ledger is read as an empty one, in memory. */
  readOnly?: boolean;
}

export interface OpenedLedger {
  ledger: LedgerStore;
  /** What messages show: the file path, or the URL with its password masked. */
  ledgerPath: string;
  /**
   * Where another connection opens the same ledger (the upload page's review store): the file path, or the URL with
   * its password. Never for messages or logs.
   */
  location: string;
  /** The ledger is a PostgreSQL database (no file beside which to keep data). */
  kind: 'sqlite' | 'postgres';
  /** True when there was no file and an empty in-memory ledger stands in for it (readOnly only). */
  missing: boolean;
  /** Whether the path still names the file opened: 'deleted' / 'replaced' once it does not (never for `missing`). */
  fileChange(): 'deleted' | 'replaced' | undefined;
}

export interface CommandScopeOptions {
  /** --config. */
  config?: string | undefined;
  /** Shapes the config's provider defaults. */
  target: Target;
  /** Also ends the command's work when aborted (tests, an embedding server). */
  signal?: AbortSignal | undefined;
  /**
   * SIGINT / SIGTERM: true (default) — they stop the command gracefully from its start; 'when-held' — only once the
   * command calls holdSignals() (before that, as outside any command, they end the process at once with exit 130:
   * nothing is in flight yet); false — not listened to.
   */
  signals?: boolean | 'when-held';
  /**
   * Milliseconds requests in flight may take to finish after the first signal (default 0: cut at once); a function
   * reads it from the config (its "graceSeconds") once loaded.
   */
  graceMs?: number | ((config: AppConfig) => number);
}

/**
 * Where the ledger is: --ledger, the config's "ledger", $PAYOUT_BATCH_LEDGER or the target's default file. A URL
 * scheme other than postgres:// / postgresql:// is refused in one line (a usage error when it came from --ledger),
 * never taken as a file path.
 */
function resolveLedgerLocation(options: LedgerOptions, target: Target, configPath: string | undefined): LedgerLocation {
  const raw = options.path ?? configPath ?? defaultLedgerPath(target);
  try {
    const location = parseLedgerLocation(raw);
    return location.kind === 'sqlite' ? { kind: 'sqlite', path: resolve(location.path) } : location;
  } catch (error) {
    if (!isLedgerError(error)) throw error;
    const fromFlag = options.path !== undefined;
    throw new RunError(fromFlag ? 'USAGE' : 'LEDGER_ERROR', error.message, {
      hint: fromFlag ? 'pass --ledger a file path or postgres://user@host:port/database' : 'check the config\'s "ledger" and PAYOUT_BATCH_LEDGER',
      cause: error,
    });
  }
}

/** The ledger, opened by the policy of LedgerOptions; failures are RunErrors. */
async function openCommandLedger(options: LedgerOptions, target: Target, configPath: string | undefined): Promise<OpenedLedger> {
  const location = resolveLedgerLocation(options, target, configPath);
  // What messages and logs show: the file path, or the URL with its password masked.
  const ledgerPath = location.kind === 'sqlite' ? location.path : location.display;
  const storeLocation = location.kind === 'sqlite' ? location.path : location.url;
  const open = async (at: string, create: boolean): Promise<LedgerStore | undefined> => {
    try {
      return await openLedger(at, { create });
    } catch (error) {
      if (isLedgerError(error) && error.code === 'LEDGER_MISSING') return undefined;
      if (isLedgerError(error) && error.code === 'LEDGER_CORRUPT') {
        throw new RunError('LEDGER_ERROR', `${error.message}: it must be restored from a backup, and is never recreated`, {
          hint: `keep the damaged file; restore the last backup made with: sqlite3 ${ledgerPath} ".backup COPY"`,
          cause: error,
        });
      }
      const message = location.kind === 'postgres' ? maskSecret((error as Error).message, location.password) : (error as Error).message;
      throw new RunError('LEDGER_ERROR', `cannot open the ledger at ${ledgerPath}: ${message}`, { cause: error });
    }
  };
  const found = async (ledger: LedgerStore): Promise<OpenedLedger> => {
    // A database has no file whose identity could change under the run: nothing to watch.
    if (location.kind === 'postgres') return { ledger, ledgerPath, location: storeLocation, kind: 'postgres', missing: false, fileChange: () => undefined };
    let identity;
    try {
      identity = fileIdentity(ledgerPath);
    } catch (error) {
      // Gone between the open and this stat: nothing was written yet.
      await ledger.close();
      throw new RunError('LEDGER_ERROR', `the ledger at ${ledgerPath} disappeared as it was opened: ${(error as Error).message}`, { cause: error });
    }
    return { ledger, ledgerPath, location: storeLocation, kind: 'sqlite', missing: false, fileChange: () => fileChange(ledgerPath, identity) };
  };

  const existing = await open(storeLocation, false);
  if (existing) return await found(existing);
  if (options.mustExist) throw new RunError('LEDGER_ERROR', `no ledger at ${ledgerPath}`, { hint: options.mustExist.hint });
  if (options.readOnly) {
    const empty = (await open(':memory:', true))!;
    return { ledger: empty, ledgerPath, location: ':memory:', kind: 'sqlite', missing: true, fileChange: () => undefined };
  }
  if (target !== 'simulator' && !options.newLedger) {
    throw new RunError('LEDGER_MISSING', `no ledger at ${ledgerPath}: a ${target} run needs the ledger of the earlier runs, or it may pay a batch again`, {
      hint: 'check --ledger, the config\'s "ledger" and PAYOUT_BATCH_LEDGER; pass --new-ledger to start an empty ledger there',
    });
  }
  const created = (await open(storeLocation, true))!;
  process.stderr.write(`new ledger: ${ledgerPath}\n`);
  return await found(created);
}

export async function withCommandScope<T>(options: CommandScopeOptions, body: (scope: CommandScope) => Promise<T>): Promise<T> {
  const startedAt = new Date();
  const { config, errors, warnings } = loadConfig({ path: options.config, target: options.target });
  if (errors.length) throw new RunError('CONFIG_INVALID', errors.join('; '), { hint: 'fix the config file (see README, "Config file")' });

  const cleanups: Array<() => unknown> = [];
  const interruption = createInterruptSignals({
    graceMs: typeof options.graceMs === 'function' ? options.graceMs(config) : (options.graceMs ?? 0),
    setTimer: (callback, ms) => {
      const handle = setTimeout(() => {
        for (const handler of cutHandlers) handler('grace_elapsed');
        callback();
      }, ms);
      // The grace period must not keep a process alive whose work is done.
      handle.unref();
      return { cancel: () => clearTimeout(handle) };
    },
  });
  const stopTaking = interruption.stopTaking;
  // Every request waiting for a rate-limit slot or a retry listens for the abort: thousands at once is expected.
  setMaxListeners(0, stopTaking);
  setMaxListeners(0, interruption.cutInFlight);
  const interruptHandlers: Array<(signal: NodeJS.Signals | 'abort') => void> = [];
  const cutHandlers: Array<(why: 'grace_elapsed' | 'second_signal') => void> = [];
  const loggers: Logger[] = [];
  let signalled: NodeJS.Signals | undefined;
  const interrupt = (signal: NodeJS.Signals | 'abort') => {
    if (signal !== 'abort') signalled ??= signal;
    if (interruption.cutInFlight.aborted) return;
    if (!stopTaking.aborted) for (const handler of interruptHandlers) handler(signal);
    else for (const handler of cutHandlers) handler('second_signal');
    interruption.interrupt();
  };
  const onParentAbort = () => interrupt('abort');
  if (options.signal?.aborted) onParentAbort();
  options.signal?.addEventListener('abort', onParentAbort, { once: true });
  let releaseSignals: (() => void) | undefined;
  const listenToSignals = () => {
    releaseSignals ??= holdProcessSignals(interrupt);
  };
  if (options.signals === undefined || options.signals === true) listenToSignals();

  const scope: CommandScope = {
    startedAt,
    config,
    configWarnings: warnings,
    signal: stopTaking,
    cutSignal: interruption.cutInFlight,
    interrupted: () => stopTaking.aborted,
    onInterrupt: (handler) => void interruptHandlers.push(handler),
    onCut: (handler) => void cutHandlers.push(handler),
    holdSignals: () => {
      if (options.signals !== false) listenToSignals();
    },
    async openLedger(ledgerOptions = {}) {
      const opened = await openCommandLedger(ledgerOptions, options.target, config.ledgerPath);
      cleanups.push(() => opened.ledger.close());
      return opened;
    },
    async connectTarget(targetOptions) {
      const target = await connectTarget(targetOptions);
      cleanups.push(() => target.close());
      return target;
    },
    createLogger(loggerOptions) {
      const logger = createLogger(loggerOptions);
      loggers.push(logger);
      return logger;
    },
    defer: (cleanup) => void cleanups.push(cleanup),
  };

  let outcome: { ok: true; value: T } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, value: await body(scope) };
  } catch (error) {
    outcome = { ok: false, error };
  }
  interruption.dispose();
  // Released after the cleanups below: a signal while they run is a second one (it cuts), never an abrupt exit.
  options.signal?.removeEventListener('abort', onParentAbort);
  let firstError: unknown;
  const closeAll = async (from: Array<() => unknown>) => {
    for (const cleanup of from.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        firstError ??= error;
      }
    }
  };
  await closeAll(cleanups);
  await closeHttpAgent().catch((error: unknown) => (firstError ??= error));
  // The loggers close last, so that a failure of the body or of a cleanup (the ledger's close) is their final line.
  const failure = outcome.ok ? firstError : outcome.error;
  if (failure !== undefined) {
    const record = {
      event: 'error',
      code: isRunError(failure) ? failure.code : 'UNEXPECTED',
      message: failure instanceof Error ? failure.message : String(failure),
      exit_code: exitCodeOfError(failure),
    };
    for (const logger of loggers) logger.error(record);
  }
  await closeAll(loggers.map((logger) => () => closeLogger(logger)));
  releaseSignals?.();
  // A command stopped by a signal ends with 130 even when what was cut short failed on its way out.
  if (!outcome.ok && signalled !== undefined && !(isRunError(outcome.error) && outcome.error.exitCode === EXIT.INTERRUPTED)) {
    throw new RunError('INTERRUPTED', `stopped by ${signalled}: ${outcome.error instanceof Error ? outcome.error.message : String(outcome.error)}`, {
      exitCode: EXIT.INTERRUPTED,
      cause: outcome.error,
    });
  }
  // A cleanup that fails after the body failed must not hide the body's error; after success, it is the error.
  if (!outcome.ok) throw outcome.error;
  if (firstError !== undefined) throw firstError;
  return outcome.value;
}
