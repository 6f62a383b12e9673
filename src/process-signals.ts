/**
 * SIGINT / SIGTERM for the whole process, from its first moment to its last: bin/payout-batch.js installs the one
 * listener before it loads anything (it speaks the protocol below, so the two stay one mechanism), and a signal
 * goes to every owner that holds signals (a run's dispatch, sync, a server) or, when none does — start-up,
 * reading, planning, a prompt, writing — ends the process at once: one line on stderr and exit 130.
 * Nothing is paid outside an owner's hold, so stopping there leaves nothing half done that the ledger does not hold.
 * Kept free of imports: bin loads it (through the shared state) before the rest of the program.
 */
export type SignalOwner = (signal: NodeJS.Signals) => void;

interface SignalState {
  /** True once the permanent listener (bin's, or installSignalExit's) is there. */
  installed: boolean;
  owners: SignalOwner[];
}

/** Shared with bin/payout-batch.js, which creates it first. */
const STATE = Symbol.for('payout-batch.signals');
export const EXIT_INTERRUPTED = 130;
export const HANDLED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

function state(): SignalState {
  const global = globalThis as { [STATE]?: SignalState };
  return (global[STATE] ??= { installed: false, owners: [] });
}

/** The one line a signal outside any hold prints, and the exit. */
export function exitOnSignal(signal: NodeJS.Signals): never {
  process.stderr.write(`payout-batch: stopped by ${signal} (exit ${EXIT_INTERRUPTED})\n`);
  // --json promises one JSON object on stdout whatever happens.
  if (process.argv.some((a) => a === '--json' || a === '--json=true')) {
    process.stdout.write(`${JSON.stringify({ exit_code: EXIT_INTERRUPTED, error: { code: 'INTERRUPTED', message: `stopped by ${signal}` } })}\n`);
  }
  process.exit(EXIT_INTERRUPTED);
}

/** Gives `signal` to every owner holding signals (oldest first), or ends the process when none does. */
export function dispatchSignal(signal: NodeJS.Signals): void {
  const owners = state().owners.slice();
  if (owners.length === 0) exitOnSignal(signal);
  for (const owner of owners) owner(signal);
}

/** The permanent listener, for an entry that did not come through bin/payout-batch.js (which installs its own). */
export function installSignalExit(): void {
  const s = state();
  if (s.installed) return;
  s.installed = true;
  for (const signal of HANDLED_SIGNALS) process.on(signal, dispatchSignal);
}

/**
 * Signals go to `owner` until the returned release is called. In a process without the permanent listener (a test
 * calling a command in-process) the listener is added for the time of the hold only.
 */
export function holdSignals(owner: SignalOwner): () => void {
  const s = state();
  const temporary = !s.installed && s.owners.length === 0;
  if (temporary) for (const signal of HANDLED_SIGNALS) process.on(signal, dispatchSignal);
  s.owners.push(owner);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const i = s.owners.lastIndexOf(owner);
    if (i >= 0) s.owners.splice(i, 1);
    if (!s.installed && s.owners.length === 0) for (const signal of HANDLED_SIGNALS) process.off(signal, dispatchSignal);
  };
}
