/**
 * Dates as the operators read them: in the provider's country (each provider module's `timeZone`; see zoneOf in
 * report/statement.ts). Times are stored and compared in UTC; only what is
 * shown or typed (statement dates, `report --from/--to` days) is local. Intl carries the zone rules (Mexico has had
 * no summer time since 2022, Argentina none since 2009, but a zone database knows history better than a constant).
 */

/** When no provider names the zone (a report over several providers, no --tz): 3 of the 4 providers are Mexican. */
export const DEFAULT_TIME_ZONE = 'America/Mexico_City';

/**
 * The zone's IANA name, or undefined when Intl does not know it ("UTC" and "Etc/GMT+6" are zones too). Spelled as
 * typed, in Intl's letter case: ICU resolves some names to older aliases (America/Argentina/Buenos_Aires →
 * America/Buenos_Aires), which would read as a different zone in a header.
 */
export function checkTimeZone(name: string): string | undefined {
  const trimmed = name.trim();
  if (trimmed === '') return undefined;
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: trimmed }).resolvedOptions().timeZone;
    return resolved.toLowerCase() === trimmed.toLowerCase() ? resolved : trimmed;
  } catch {
    return undefined;
  }
}

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    // h23: 'en-US' with hour12 false still writes midnight as 24 in some engines.
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(zone, f);
  }
  return f;
}

/** The wall clock in `zone` at instant `at` (seconds; milliseconds are dropped). */
export function wallClock(at: Date, zone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(at)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! };
}

/** How far `zone` is ahead of UTC at `at`, in ms (Mexico City: −6 h). */
export function offsetMs(at: Date, zone: string): number {
  // A statement of a million lines asks for the offset a million times, nearly always within the same few hours:
  // Intl's formatToParts costs microseconds a call. The offset is kept per quarter hour of UTC when it is the same
  // at both ends of it (a zone's rules change it at most once in a quarter hour, so equal ends mean no change
  // between); a quarter hour holding a change is worked out for every instant.
  const ms = at.getTime();
  const slot = Math.floor(ms / SLOT_MS);
  let byZone = offsetCache.get(zone);
  if (!byZone) offsetCache.set(zone, (byZone = new Map()));
  const cached = byZone.get(slot);
  if (cached !== undefined && !Number.isNaN(cached)) return cached;
  const here = exactOffsetMs(ms, zone);
  if (cached !== undefined || Number.isNaN(ms)) return here;
  if (byZone.size >= OFFSET_CACHE_MAX) byZone.clear();
  byZone.set(slot, exactOffsetMs(slot * SLOT_MS, zone) === here && exactOffsetMs((slot + 1) * SLOT_MS - 1000, zone) === here ? here : Number.NaN);
  return here;
}

const SLOT_MS = 15 * 60_000;
const OFFSET_CACHE_MAX = 10_000;
/** zone → quarter hour of UTC → its offset, or NaN for a quarter hour holding a change. */
const offsetCache = new Map<string, Map<number, number>>();

function exactOffsetMs(ms: number, zone: string): number {
  const w = wallClock(new Date(ms), zone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/**
 * A Date whose UTC fields are the wall clock in `zone`: what a spreadsheet date cell (which has no zone) must hold
 * to show the local time. Never compare or store it: it is not the instant.
 */
export function wallClockDate(at: Date, zone: string): Date {
  return new Date(at.getTime() + offsetMs(at, zone));
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** "2026-11-30 21:30:00", the wall clock in `zone`; the zone is named by the column or line that holds it. */
export function formatLocal(at: Date, zone: string): string {
  const w = Number.isNaN(at.getTime()) ? wallClock(at, zone) : utcFields(new Date(Math.floor(at.getTime() / 1000) * 1000 + offsetMs(at, zone)));
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
}

function utcFields(d: Date): WallClock {
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds() };
}

/** "2026-11-30": the local day of `at`. */
export function localDay(at: Date, zone: string): string {
  return formatLocal(at, zone).slice(0, 10);
}

/**
 * The instant a local day starts in `zone` (00:00 there). The offset is looked up at the guess and once more at the
 * result, which settles a day whose offset differs from the previous day's.
 */
export function startOfLocalDay(year: number, month: number, day: number, zone: string): Date {
  const midnightUtc = Date.UTC(year, month - 1, day);
  let t = midnightUtc - offsetMs(new Date(midnightUtc), zone);
  t = midnightUtc - offsetMs(new Date(t), zone);
  return new Date(t);
}
