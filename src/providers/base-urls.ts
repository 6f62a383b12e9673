import type { ProviderId } from '../domain/provider-id.ts';
import { getProviderModule } from './registry.ts';

export type ProviderTarget = 'simulator' | 'sandbox' | 'live';

/** The base URL adapters append their paths to. `simulatorUrl` (the simulator's root) is required for 'simulator'. */
export function providerBaseUrl(id: ProviderId, target: ProviderTarget, simulatorUrl?: string): string {
  const urls = getProviderModule(id).baseUrls;
  if (target === 'simulator') {
    if (!simulatorUrl) throw new TypeError(`providerBaseUrl(${id}, 'simulator') needs the simulator's URL`);
    return `${simulatorUrl.replace(/\/+$/, '')}${urls.simulatorPath}`;
  }
  return urls[target];
}

export type BaseUrlProblem = 'NOT_A_URL' | 'NOT_HTTPS' | 'HAS_USERINFO';

/**
 * Whether a sandbox/live base URL may carry the provider's keys: https, or http to a loopback host only (a local
 * proxy or test double; the keys never leave the machine). A URL with user:password in it is refused too, so a
 * secret is never part of what is shown. `host` is the only part of the URL that is safe to print.
 */
export function checkRealBaseUrl(url: string): { ok: true; host: string } | { ok: false; problem: BaseUrlProblem; host?: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, problem: 'NOT_A_URL' };
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return { ok: false, problem: 'NOT_A_URL' };
  const host = parsed.host;
  if (parsed.username || parsed.password) return { ok: false, problem: 'HAS_USERINFO', host };
  if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) return { ok: false, problem: 'NOT_HTTPS', host };
  return { ok: true, host };
}

/** localhost, 127.0.0.0/8 and ::1, as WHATWG URL writes a hostname (IPv4 normalised to dotted quads, IPv6 in brackets). */
export function isLoopbackHost(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name === '[::1]' || name === '::1') return true;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(name);
  return Boolean(m && m.slice(1).every((o) => Number(o) <= 255) && m[1] === '127');
}

/** scheme://host[:port] of a base URL, for the plan, the prompt and the log (no path, no user info). */
export function baseUrlOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(not a URL)';
  }
}
