/**
 * How long the tool keeps watching: the return window of `sync` (paid rows asked about again, since SPEI returns
 * arrive days after payment) and the grace period of `run` after the first SIGINT / SIGTERM (requests in flight
 * finish and are recorded with their real outcome). A flag overrides the config key, the key the default.
 */

/** Days after becoming paid that a row is asked about again by sync (config "returnWindowDays", --return-window-days). */
export const DEFAULT_RETURN_WINDOW_DAYS = 30;
/** Seconds a request in flight gets to finish after the first signal (config "graceSeconds", --grace-seconds). */
export const DEFAULT_GRACE_SECONDS = 15;

/**
 * Upper bounds: ten years of paid rows re-read on every sync, or a run that ignores Ctrl-C for more than an hour, is
 * a mistake (or a hostile config), never a setting; beyond them dates and timers stop being meaningful (1e400 in JSON
 * reads as Infinity).
 */
export const RETURN_WINDOW_DAYS_MAX = 3650;
export const GRACE_SECONDS_MAX = 3600;

export type WatchPeriod = 'returnWindowDays' | 'graceSeconds';

const MAX: Record<WatchPeriod, number> = { returnWindowDays: RETURN_WINDOW_DAYS_MAX, graceSeconds: GRACE_SECONDS_MAX };
const UNIT: Record<WatchPeriod, string> = { returnWindowDays: 'days', graceSeconds: 'seconds' };

/** The value when it is a number from 0 to the period's maximum (0 turns the watch off), else undefined. */
export function checkWatchPeriod(period: WatchPeriod, value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= MAX[period] ? value : undefined;
}

/** What a value must be, for the one-line error: `a number of days from 0 (off) to 3650`. */
export function describeWatchPeriod(period: WatchPeriod): string {
  return `a number of ${UNIT[period]} from 0${period === 'returnWindowDays' ? ' (off)' : ''} to ${MAX[period]}`;
}
