import { describe, expect, it } from 'vitest';
import type { DispatchProgress } from '../../dispatch/dispatch-types.ts';
import { createProgressReporter } from './progress.ts';

function tty() {
  const lines: string[] = [];
  let t = 0;
  const reporter = createProgressReporter({
    tty: true,
    stream: { write: (text: string) => lines.push(text) } as unknown as NodeJS.WriteStream,
    log: () => undefined,
    now: () => (t += 1000),
  });
  return { reporter, lines };
}

const FULL = '█'.repeat(28);
const at = (over: Partial<DispatchProgress>): DispatchProgress => ({ total: 100, done: 0, paidOrPending: 0, failed: 0, unknown: 0, notSent: 0, inFlight: 0, ...over });

describe('progress on a terminal', () => {
  it('a finished run draws a full bar', () => {
    const { reporter, lines } = tty();
    reporter.finish(at({ done: 100, paidOrPending: 100 }));
    expect(lines.at(-1)).toContain(FULL);
  });

  it('after the first signal the line shows the rows still in flight', () => {
    const { reporter, lines } = tty();
    reporter.update(at({ done: 40, paidOrPending: 40, inFlight: 8 }));
    reporter.stopping();
    expect(lines.at(-1)).toContain('stopping: 8 in flight');
  });

  it('an interrupted run never draws a full bar, even when every row was handled', () => {
    const { reporter, lines } = tty();
    reporter.stopping();
    reporter.finish(at({ done: 100, paidOrPending: 48, notSent: 52 }), { interrupted: true });
    expect(lines.at(-1)).not.toContain(FULL);
    expect(lines.at(-1)).toContain(' 48/100 ');
    reporter.finish(at({ done: 100, paidOrPending: 100 }), { interrupted: true });
    expect(lines.at(-1)).not.toContain(FULL);
  });
});
