/**
 * Two stages of stopping a command, so that a request that has left is answered instead of cut:
 *  - `stopTaking` aborts on the first interrupt: no new row is started and no new attempt is made;
 *  - `cutInFlight` aborts when the grace period after it ends, or on a second interrupt: the requests still open
 *    are cut (their rows stay `unknown`, settled by the next run's lookup).
 * With a grace of 0 both abort together.
 */
export interface InterruptSignals {
  readonly stopTaking: AbortSignal;
  readonly cutInFlight: AbortSignal;
  /** The first call aborts `stopTaking` and starts the grace period; a later call aborts `cutInFlight` at once. */
  interrupt(): 'stopping' | 'cut' | 'ignored';
  /** Cancels a grace timer still running (the command ended first). */
  dispose(): void;
}

export interface InterruptSignalsOptions {
  /** Milliseconds the requests in flight have after the first interrupt; 0 cuts them at once. */
  graceMs: number;
  setTimer?: (callback: () => void, ms: number) => { cancel(): void };
}

export function createInterruptSignals(options: InterruptSignalsOptions): InterruptSignals {
  if (!(options.graceMs >= 0) || !Number.isFinite(options.graceMs)) throw new RangeError(`graceMs must be a finite number ≥ 0, got ${options.graceMs}`);
  const setTimer = options.setTimer ?? defaultTimer;
  const stop = new AbortController();
  const cut = new AbortController();
  let timer: { cancel(): void } | undefined;

  return {
    stopTaking: stop.signal,
    cutInFlight: cut.signal,
    interrupt() {
      if (cut.signal.aborted) return 'ignored';
      if (stop.signal.aborted) {
        timer?.cancel();
        cut.abort();
        return 'cut';
      }
      stop.abort();
      if (options.graceMs === 0) cut.abort();
      else timer = setTimer(() => cut.abort(), options.graceMs);
      return 'stopping';
    },
    dispose() {
      timer?.cancel();
      timer = undefined;
    },
  };
}

function defaultTimer(callback: () => void, ms: number): { cancel(): void } {
  const handle = setTimeout(callback, ms);
  // The grace period must not keep a process alive whose work is done.
  handle.unref();
  return { cancel: () => clearTimeout(handle) };
}
