import type { DispatchProgress } from '../../dispatch/dispatch-types.ts';

export interface ProgressReporter {
  update(progress: DispatchProgress): void;
  /** The run was interrupted: from now on the line shows the rows still in flight. */
  stopping(): void;
  /** The last line; an interrupted run never draws a full bar. */
  finish(progress: DispatchProgress, how?: { interrupted: boolean }): void;
}

/**
 * On a terminal: one redrawn line — bar, done/total, rate, ETA, failures. Without one (the nightly job): a JSON
 * progress record in the log at most once a second, so the log shows the run advancing without a line per row.
 */
export function createProgressReporter(options: {
  tty: boolean;
  stream?: NodeJS.WriteStream;
  log: (record: Record<string, unknown>) => void;
  now?: () => number;
}): ProgressReporter {
  const now = options.now ?? (() => performance.now());
  const stream = options.stream ?? process.stderr;
  const started = now();
  let last = -Infinity;
  let latest: DispatchProgress | undefined;
  let stopping = false;

  const figures = (p: DispatchProgress) => {
    const seconds = Math.max((now() - started) / 1000, 1e-3);
    const rate = p.done / seconds;
    const eta = rate > 0 ? (p.total - p.done) / rate : undefined;
    return { rate, eta };
  };

  const render = (p: DispatchProgress, interrupted = false) => {
    const width = 28;
    const problems = p.failed + p.unknown ? `  failed ${p.failed}  unknown ${p.unknown}` : '';
    if (stopping || interrupted) {
      // Rows released unsent count as done for the dispatcher, not for the bar: it shows what reached an outcome.
      const filled = Math.min(barCells(p.done - p.notSent, p.total, width), width - 1);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
      const state = interrupted ? `interrupted: ${p.notSent} not sent` : `stopping: ${p.inFlight} in flight`;
      return `\r${bar} ${p.done - p.notSent}/${p.total}  ${state}${problems}\x1b[K`;
    }
    const { rate, eta } = figures(p);
    const filled = barCells(p.done, p.total, width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const etaText = eta === undefined ? '--' : formatDuration(eta);
    return `\r${bar} ${p.done}/${p.total}  ${rate.toFixed(0)}/s  ETA ${etaText}${problems}\x1b[K`;
  };

  return {
    update(p) {
      latest = p;
      const t = now();
      if (options.tty) {
        if (t - last < 100 && p.done !== p.total) return;
        last = t;
        stream.write(render(p));
        return;
      }
      if (t - last < 1000) return;
      last = t;
      const { rate, eta } = figures(p);
      options.log({ event: 'progress', ...p, rate_per_s: Math.round(rate), eta_s: eta === undefined ? null : Math.round(eta) });
    },
    stopping() {
      stopping = true;
      if (options.tty && latest) {
        last = now();
        stream.write(render(latest));
      }
    },
    finish(p, how = { interrupted: false }) {
      if (options.tty) stream.write(`${render(p, how.interrupted)}\n`);
      else options.log({ event: 'progress', ...p, final: true, ...(how.interrupted ? { interrupted: true } : {}) });
    },
  };
}

function barCells(count: number, total: number, width: number): number {
  return total ? Math.round((Math.max(0, count) / total) * width) : width;
}

function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
