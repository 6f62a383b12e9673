import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { checkTimeZone } from '../domain/local-time.ts';
import { PROVIDER_IDS, type ProviderId } from '../domain/provider-id.ts';
import { parseLedgerLocation } from '../ledger/ledger-location.ts';
import { checkRealBaseUrl } from '../providers/base-urls.ts';
import { parseApprovalConfig } from './approval-config.ts';
import type { AppConfig, ConfigResult, ProviderConfig, Target } from './config-types.ts';
import { defaultProviderConfig } from './default-config.ts';
import { isLimitValue, LIMIT_NAMES, type ReadLimit } from '../read/read-limits.ts';
import { checkWatchPeriod, describeWatchPeriod, type WatchPeriod } from './watch-periods.ts';

export const DEFAULT_CONFIG_FILE = 'payout-batch.config.json';

export interface ConfigLookup {
  /** --config. */
  path?: string | undefined;
  target: Target;
  /** PAYOUT_BATCH_CONFIG, XDG_CONFIG_HOME (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Where ./payout-batch.config.json and a relative --config are read from (default: process.cwd()). */
  cwd?: string;
  /** The user's home, for ~/.config (default: os.homedir()). */
  home?: string;
}

/**
 * Which file to read, in order: --config, $PAYOUT_BATCH_CONFIG, then (simulator only) ./payout-batch.config.json,
 * then the user's config dir ($XDG_CONFIG_HOME/payout-batch/config.json, else ~/.config/payout-batch/config.json).
 * A file in the current folder is never read for sandbox or live: whoever can write to the folder a run starts in
 * (a checked-out repository, a shared drive) could otherwise point the provider keys at a host of their choosing.
 * `ignored` is that file when it exists and was passed over.
 */
export function resolveConfigPath(options: ConfigLookup): { path?: string; ignored?: string } {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = nonBlank(options.path) ?? nonBlank(env.PAYOUT_BATCH_CONFIG);
  const local = join(cwd, DEFAULT_CONFIG_FILE);
  const localExists = existsSync(local);
  if (explicit !== undefined) return { path: resolve(cwd, explicit) };
  if (options.target === 'simulator' && localExists) return { path: local };
  const user = userConfigFile(env, options.home ?? homedir());
  const path = existsSync(user) ? user : undefined;
  return { ...(path ? { path } : {}), ...(localExists ? { ignored: local } : {}) };
}

/** $XDG_CONFIG_HOME/payout-batch/config.json (the XDG spec ignores a relative value), else ~/.config/…. */
export function userConfigFile(env: NodeJS.ProcessEnv, home: string): string {
  const xdg = nonBlank(env.XDG_CONFIG_HOME);
  return join(xdg && isAbsolute(xdg) ? xdg : join(home, '.config'), 'payout-batch', 'config.json');
}

/**
 * load → normalize → validate. Strict on config (unknown keys and bad values are errors, not guesses); the caller
 * decides what an error means (run refuses to start). Where the file is looked for: resolveConfigPath.
 */
export function loadConfig(options: ConfigLookup): ConfigResult {
  const { path, ignored } = resolveConfigPath(options);
  const errors: string[] = [];
  const warnings: string[] = [];
  if (ignored) warnings.push(`${ignored} was not read: a config in the current folder is used only with --target simulator; pass --config or set PAYOUT_BATCH_CONFIG to use it for ${options.target}`);
  let raw: unknown = {};
  if (path) {
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
      errors.push(`config ${path}: ${reason}`);
      raw = {};
    }
  }
  const config = normalizeConfig(raw, options.target, path ?? 'defaults', errors, warnings);
  return { config, warnings, errors };
}

const TOP_LEVEL_KEYS = ['ledger', 'operator', 'providers', 'approval', 'limits', 'timeZone', 'returnWindowDays', 'graceSeconds', '$schema'] as const;

/**
 * A config value as the error line shows it: JSON (control characters escaped, so the message stays one line), cut
 * short so a hostile value cannot flood it. 1e400 parses as Infinity, which JSON.stringify would show as null.
 */
function shownValue(value: unknown): string {
  const text = typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function nonBlank(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value : undefined;
}

export function normalizeConfig(raw: unknown, target: Target, source: string, errors: string[], warnings: string[]): AppConfig {
  const providers = {} as Record<ProviderId, ProviderConfig>;
  for (const id of PROVIDER_IDS) providers[id] = defaultProviderConfig(id, target);
  const config: AppConfig = { source, providers, limits: {} };
  if (!isObject(raw)) {
    errors.push(`${source}: the config must be a JSON object`);
    return config;
  }
  for (const key of Object.keys(raw)) {
    if (!(TOP_LEVEL_KEYS as readonly string[]).includes(key)) errors.push(`${source}: unknown key "${key}"`);
  }
  if (raw.ledger !== undefined) {
    if (typeof raw.ledger === 'string' && raw.ledger.trim()) {
      try {
        parseLedgerLocation(raw.ledger);
        config.ledgerPath = raw.ledger;
      } catch (error) {
        errors.push(`${source}: "ledger": ${(error as Error).message}`);
      }
    } else errors.push(`${source}: "ledger" must be a file path or a postgres:// URL`);
  }
  if (raw.timeZone !== undefined) {
    const zone = typeof raw.timeZone === 'string' ? checkTimeZone(raw.timeZone) : undefined;
    if (zone) config.timeZone = zone;
    else errors.push(`${source}: "timeZone" must be an IANA time zone such as America/Mexico_City`);
  }
  for (const period of ['returnWindowDays', 'graceSeconds'] as const satisfies readonly WatchPeriod[]) {
    if (raw[period] === undefined) continue;
    const value = checkWatchPeriod(period, raw[period]);
    if (value !== undefined) config[period] = value;
    else errors.push(`${source}: "${period}" must be ${describeWatchPeriod(period)}, got ${shownValue(raw[period])}`);
  }
  if (raw.operator !== undefined) {
    if (typeof raw.operator === 'string' && raw.operator.trim()) config.operator = raw.operator.trim();
    else errors.push(`${source}: "operator" must be a name`);
  }
  if (raw.approval !== undefined) config.approval = parseApprovalConfig(raw.approval, source, errors, parseDecimal);
  if (raw.limits !== undefined) {
    if (!isObject(raw.limits)) errors.push(`${source}: "limits" must be an object`);
    else {
      for (const [name, value] of Object.entries(raw.limits)) {
        if (!(LIMIT_NAMES as readonly string[]).includes(name)) errors.push(`${source}: limits: unknown key "${name}" (expected one of ${LIMIT_NAMES.join(', ')})`);
        else if (!isLimitValue(value)) errors.push(`${source}: limits.${name} must be a positive whole number`);
        else config.limits[name as ReadLimit] = value;
      }
    }
  }
  if (raw.providers !== undefined) {
    if (!isObject(raw.providers)) errors.push(`${source}: "providers" must be an object`);
    else {
      for (const [id, value] of Object.entries(raw.providers)) {
        if (!(PROVIDER_IDS as readonly string[]).includes(id)) {
          errors.push(`${source}: unknown provider "${id}" (expected one of ${PROVIDER_IDS.join(', ')})`);
          continue;
        }
        if (!isObject(value)) {
          errors.push(`${source}: providers.${id} must be an object`);
          continue;
        }
        mergeProvider(providers[id as ProviderId], value, `${source}: providers.${id}`, errors, warnings);
      }
    }
  }
  return config;
}

function mergeProvider(into: ProviderConfig, raw: Record<string, unknown>, where: string, errors: string[], _warnings: string[]) {
  for (const [key, value] of Object.entries(raw)) {
    switch (key) {
      case 'rate':
      case 'concurrency':
      case 'timeoutMs':
        if (typeof value === 'number' && Number.isFinite(value) && value > 0) into[key] = key === 'rate' ? value : Math.floor(value);
        else errors.push(`${where}.${key} must be a positive number`);
        break;
      case 'baseUrl':
        if (!isObject(value)) {
          errors.push(`${where}.baseUrl must be an object with "sandbox" and/or "live"`);
          break;
        }
        for (const [t, url] of Object.entries(value)) {
          const checked = (t === 'sandbox' || t === 'live') && typeof url === 'string' ? checkRealBaseUrl(url) : undefined;
          if (checked?.ok) into.baseUrl[t as 'sandbox' | 'live'] = (url as string).replace(/\/+$/, '');
          else if (checked?.problem === 'NOT_HTTPS') errors.push(`${where}.baseUrl.${t}: ${checked.host} must be reached over https (http only to localhost, 127.0.0.0/8 or ::1)`);
          else if (checked?.problem === 'HAS_USERINFO') errors.push(`${where}.baseUrl.${t}: the URL for ${checked.host} must not carry a user name or password`);
          else errors.push(`${where}.baseUrl.${t} must be an http(s) URL under "sandbox" or "live"`);
        }
        break;
      case 'fees':
        if (!isObject(value)) {
          errors.push(`${where}.fees must be an object`);
          break;
        }
        for (const [f, v] of Object.entries(value)) {
          if (f === 'fixed') {
            const minor = parseDecimal(v, 2);
            if (minor === undefined) errors.push(`${where}.fees.fixed must be a decimal string like "8.00"`);
            else into.fees.fixedMinor = minor;
          } else if (f === 'percent' || f === 'iva') {
            const bps = parseDecimal(v, 2);
            if (bps === undefined || bps > 10000) errors.push(`${where}.fees.${f} must be a percentage like "16" or "1.5"`);
            else if (f === 'percent') into.fees.percentBps = bps;
            else into.fees.ivaBps = bps;
          } else errors.push(`${where}.fees: unknown key "${f}" (expected fixed, percent, iva)`);
        }
        break;
      default:
        errors.push(`${where}: unknown key "${key}"`);
    }
  }
}

/** "8.00" → 800 (scale 2), exactly, from the digit string; numbers are accepted only when their text form is exact. */
export function parseDecimal(value: unknown, scale: number): number | undefined {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : undefined;
  if (text === undefined) return undefined;
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return undefined;
  const frac = m[2] ?? '';
  if (frac.length > scale) return undefined;
  const result = Number(m[1]) * 10 ** scale + Number(frac.padEnd(scale, '0') || '0');
  return Number.isSafeInteger(result) ? result : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
