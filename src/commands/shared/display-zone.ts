import { DEFAULT_TIME_ZONE, formatLocal, startOfLocalDay } from '../../domain/local-time.ts';
import type { ProviderId } from '../../domain/provider-id.ts';
import { parseTimeZone } from '../../report/parse-report-options.ts';
import { RunError } from '../../run-error.ts';

/**
 * The zone every command shows its dates in (validate, run, sync, batches, status, report): `--tz`, else the config's
 * "timeZone", else the providers' country (America/Mexico_City for Openpay, Conekta and Digital FEMSA;
 * America/Argentina/Buenos_Aires for Zenrise). Stored times stay UTC; only what is shown or typed is local.
 */

/** The --tz option, the same on every command that shows dates. */
export const TZ_OPTION = {
  type: 'string',
  describe: 'Time zone of every date shown (and of day arguments), e.g. UTC (default: config "timeZone", else the provider\'s country: America/Mexico_City, or America/Argentina/Buenos_Aires for zenrise)',
} as const;

/** --tz as typed: an IANA zone Intl knows (USAGE otherwise), or undefined when not given. */
export function parseTzOption(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const parsed = parseTimeZone(String(value));
  if ('issue' in parsed) throw new RunError('USAGE', parsed.message);
  return parsed.value;
}

/** The zone asked for (--tz, then the config's), or undefined when neither names one: each provider keeps its own. */
export function askedZone(tz: string | undefined, configZone: string | undefined): string | undefined {
  return tz ?? configZone;
}

/**
 * The one zone a command's dates are shown in: the zone asked for, else the zone the providers share; providers of
 * two countries (or none), Mexico City's, where three of the four are. Async: the provider modules (each names its
 * zone) load only when a command needs them, never for `--help` (cli.ts imports this module for TZ_OPTION).
 */
export async function displayZone(tz: string | undefined, configZone: string | undefined, providers: readonly ProviderId[]): Promise<string> {
  const asked = askedZone(tz, configZone);
  if (asked !== undefined) return asked;
  const { zoneOf } = await import('../../report/statement.ts');
  const zones = new Set(providers.map((p) => zoneOf(p)));
  return zones.size === 1 ? [...zones][0]! : DEFAULT_TIME_ZONE;
}

/** "2026-12-04 12:11:28 America/Mexico_City": a date as shown, with its zone named. */
export function showTime(at: Date, zone: string): string {
  return `${formatLocal(at, zone)} ${zone}`;
}

/** A YYYY-MM-DD day typed by the user: the instant it starts in `zone`; undefined when `text` is not a day. */
export function startOfTypedDay(text: string, zone: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return undefined;
  return startOfLocalDay(Number(match[1]), Number(match[2]), Number(match[3]), zone);
}
