import { describe, expect, it } from 'vitest';
import { createInterruptSignals } from './interrupt-signals.ts';

/** A timer the test fires by hand: no wall clock. */
function manualTimer() {
  const timers: Array<{ ms: number; fire: () => void; cancelled: boolean }> = [];
  const setTimer = (callback: () => void, ms: number) => {
    const timer = { ms, fire: callback, cancelled: false };
    timers.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  };
  return { timers, setTimer };
}

describe('createInterruptSignals', () => {
  it('the first interrupt stops taking and starts the grace period; the requests in flight are not cut yet', () => {
    const clock = manualTimer();
    const s = createInterruptSignals({ graceMs: 15_000, setTimer: clock.setTimer });
    expect([s.stopTaking.aborted, s.cutInFlight.aborted]).toEqual([false, false]);
    expect(s.interrupt()).toBe('stopping');
    expect([s.stopTaking.aborted, s.cutInFlight.aborted]).toEqual([true, false]);
    expect(clock.timers.map((t) => t.ms)).toEqual([15_000]);
  });

  it('the end of the grace period cuts the requests in flight', () => {
    const clock = manualTimer();
    const s = createInterruptSignals({ graceMs: 15_000, setTimer: clock.setTimer });
    s.interrupt();
    clock.timers[0]!.fire();
    expect(s.cutInFlight.aborted).toBe(true);
    expect(s.interrupt()).toBe('ignored');
  });

  it('a second interrupt cuts at once and cancels the grace timer', () => {
    const clock = manualTimer();
    const s = createInterruptSignals({ graceMs: 15_000, setTimer: clock.setTimer });
    s.interrupt();
    expect(s.interrupt()).toBe('cut');
    expect(s.cutInFlight.aborted).toBe(true);
    expect(clock.timers[0]!.cancelled).toBe(true);
  });

  it('no grace period: both stop at once, no timer', () => {
    const clock = manualTimer();
    const s = createInterruptSignals({ graceMs: 0, setTimer: clock.setTimer });
    expect(s.interrupt()).toBe('stopping');
    expect([s.stopTaking.aborted, s.cutInFlight.aborted]).toEqual([true, true]);
    expect(clock.timers).toHaveLength(0);
  });

  it('dispose cancels a running grace timer (the command ended first)', () => {
    const clock = manualTimer();
    const s = createInterruptSignals({ graceMs: 1000, setTimer: clock.setTimer });
    s.interrupt();
    s.dispose();
    expect(clock.timers[0]!.cancelled).toBe(true);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('refuses a grace of %s', (graceMs) => {
    expect(() => createInterruptSignals({ graceMs })).toThrow(RangeError);
  });
});
