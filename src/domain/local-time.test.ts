import { describe, expect, it } from 'vitest';
import { zoneOf } from '../report/statement.ts';
import { checkTimeZone, formatLocal, localDay, offsetMs, startOfLocalDay, wallClockDate } from './local-time.ts';

describe('local time', () => {
  it('dates a Mexico City evening payout on its local day, not the UTC one', () => {
    const at = new Date('2026-12-01T03:30:00Z');
    expect(formatLocal(at, 'America/Mexico_City')).toBe('2026-11-30 21:30:00');
    expect(localDay(at, 'America/Mexico_City')).toBe('2026-11-30');
    expect(formatLocal(at, 'America/Argentina/Buenos_Aires')).toBe('2026-12-01 00:30:00');
    expect(offsetMs(at, 'America/Mexico_City')).toBe(-6 * 3_600_000);
  });

  it('starts a local day at local midnight, summer time included', () => {
    expect(startOfLocalDay(2026, 11, 30, 'America/Mexico_City').toISOString()).toBe('2026-11-30T06:00:00.000Z');
    expect(startOfLocalDay(2026, 12, 1, 'America/Argentina/Buenos_Aires').toISOString()).toBe('2026-12-01T03:00:00.000Z');
    // Mexico City still kept summer time in 2021 (UTC−5 from 4 April to 31 October).
    expect(startOfLocalDay(2021, 7, 1, 'America/Mexico_City').toISOString()).toBe('2021-07-01T05:00:00.000Z');
    expect(startOfLocalDay(2026, 1, 1, 'UTC').toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('gives spreadsheet cells the wall clock as their UTC fields', () => {
    expect(wallClockDate(new Date('2026-12-01T03:30:15Z'), 'America/Mexico_City').toISOString()).toBe('2026-11-30T21:30:15.000Z');
  });

  it('knows zones by their IANA names and each provider by its country', () => {
    expect(checkTimeZone('America/Mexico_City')).toBe('America/Mexico_City');
    expect(checkTimeZone(' UTC ')).toBe('UTC');
    expect(checkTimeZone('america/mexico_city')).toBe('America/Mexico_City');
    expect(checkTimeZone('America/Argentina/Buenos_Aires')).toBe('America/Argentina/Buenos_Aires');
    expect(checkTimeZone('Mexico/Ciudad')).toBeUndefined();
    expect(checkTimeZone('')).toBeUndefined();
    expect(zoneOf('zenrise')).toBe('America/Argentina/Buenos_Aires');
    expect(zoneOf('digitalfemsa')).toBe('America/Mexico_City');
    expect(zoneOf('zenrise', 'UTC')).toBe('UTC');
  });

  it('keeps the offset exact around a summer-time change, second by second, however often it is asked', () => {
    // Mexico City left summer time at 2021-10-31 02:00 local (07:00 UTC): UTC−5 until then, UTC−6 after.
    const change = Date.parse('2021-10-31T07:00:00Z');
    for (let pass = 0; pass < 2; pass++) {
      for (let s = -900; s <= 900; s += 1) {
        const at = new Date(change + s * 1000);
        expect(offsetMs(at, 'America/Mexico_City'), at.toISOString()).toBe(s < 0 ? -5 * 3_600_000 : -6 * 3_600_000);
      }
    }
    expect(formatLocal(new Date(change - 1000), 'America/Mexico_City')).toBe('2021-10-31 01:59:59');
    expect(formatLocal(new Date(change), 'America/Mexico_City')).toBe('2021-10-31 01:00:00');
    expect(formatLocal(new Date('2026-12-01T03:30:15.999Z'), 'America/Mexico_City')).toBe('2026-11-30 21:30:15');
  });
});
