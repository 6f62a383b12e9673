import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_FILE, loadConfig, normalizeConfig, userConfigFile } from './load-config.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A current folder, a home and an XDG dir, each empty until a test writes a config into it. */
function place() {
  const root = mkdtempSync(join(tmpdir(), 'payout-config-'));
  dirs.push(root);
  const cwd = join(root, 'work');
  const home = join(root, 'home');
  mkdirSync(cwd);
  mkdirSync(home);
  const write = (path: string, ledger: string) => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, JSON.stringify({ ledger }));
    return path;
  };
  return { root, cwd, home, write };
}

describe('loadConfig: where the file is read from', () => {
  it.each(['sandbox', 'live'] as const)('%s never reads the current folder, and warns that it did not', (target) => {
    const { cwd, home, write } = place();
    const local = write(join(cwd, DEFAULT_CONFIG_FILE), 'from-cwd.sqlite');
    const result = loadConfig({ target, cwd, home, env: {} });
    expect(result.errors).toEqual([]);
    expect(result.config.source).toBe('defaults');
    expect(result.config.ledgerPath).toBeUndefined();
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toContain(local);
  });

  it.each(['sandbox', 'live'] as const)('%s reads the user config dir, not the current folder', (target) => {
    const { cwd, home, write } = place();
    write(join(cwd, DEFAULT_CONFIG_FILE), 'from-cwd.sqlite');
    const user = write(join(home, '.config', 'payout-batch', 'config.json'), 'from-home.sqlite');
    const result = loadConfig({ target, cwd, home, env: {} });
    expect(result.config).toMatchObject({ source: user, ledgerPath: 'from-home.sqlite' });
    expect(result.warnings).toHaveLength(1);
  });

  it('simulator reads the current folder before the user config dir, with no warning', () => {
    const { cwd, home, write } = place();
    const local = write(join(cwd, DEFAULT_CONFIG_FILE), 'from-cwd.sqlite');
    write(join(home, '.config', 'payout-batch', 'config.json'), 'from-home.sqlite');
    const result = loadConfig({ target: 'simulator', cwd, home, env: {} });
    expect(result.config).toMatchObject({ source: local, ledgerPath: 'from-cwd.sqlite' });
    expect(result.warnings).toEqual([]);
  });

  it('simulator falls back to the user config dir', () => {
    const { cwd, home, write } = place();
    const user = write(join(home, '.config', 'payout-batch', 'config.json'), 'from-home.sqlite');
    expect(loadConfig({ target: 'simulator', cwd, home, env: {} }).config.source).toBe(user);
  });

  it.each(['simulator', 'sandbox', 'live'] as const)('%s: --config, then PAYOUT_BATCH_CONFIG, come first (relative to cwd)', (target) => {
    const { root, cwd, home, write } = place();
    write(join(cwd, DEFAULT_CONFIG_FILE), 'from-cwd.sqlite');
    write(join(home, '.config', 'payout-batch', 'config.json'), 'from-home.sqlite');
    const flag = write(join(cwd, 'flag.json'), 'from-flag.sqlite');
    const fromEnv = write(join(root, 'env.json'), 'from-env.sqlite');
    expect(loadConfig({ target, cwd, home, env: { PAYOUT_BATCH_CONFIG: fromEnv }, path: 'flag.json' }).config).toMatchObject({ source: flag, ledgerPath: 'from-flag.sqlite' });
    expect(loadConfig({ target, cwd, home, env: { PAYOUT_BATCH_CONFIG: fromEnv } }).config).toMatchObject({ source: fromEnv, ledgerPath: 'from-env.sqlite' });
  });

  it('a current-folder file named explicitly is read for live, without the warning', () => {
    const { cwd, home, write } = place();
    const local = write(join(cwd, DEFAULT_CONFIG_FILE), 'from-cwd.sqlite');
    const result = loadConfig({ target: 'live', cwd, home, env: {}, path: DEFAULT_CONFIG_FILE });
    expect(result.config.source).toBe(local);
    expect(result.warnings).toEqual([]);
  });

  it('XDG_CONFIG_HOME (absolute) replaces ~/.config; a relative one is ignored', () => {
    const { root, cwd, home, write } = place();
    const xdg = write(join(root, 'xdg', 'payout-batch', 'config.json'), 'from-xdg.sqlite');
    write(join(home, '.config', 'payout-batch', 'config.json'), 'from-home.sqlite');
    expect(loadConfig({ target: 'live', cwd, home, env: { XDG_CONFIG_HOME: join(root, 'xdg') } }).config.source).toBe(xdg);
    expect(userConfigFile({ XDG_CONFIG_HOME: 'xdg' }, '/h')).toBe(join('/h', '.config', 'payout-batch', 'config.json'));
  });

  it('a named file that does not exist is an error, not a fallback', () => {
    const { cwd, home, write } = place();
    write(join(home, '.config', 'payout-batch', 'config.json'), 'from-home.sqlite');
    const result = loadConfig({ target: 'live', cwd, home, env: {}, path: 'missing.json' });
    expect(result.errors).toHaveLength(1);
    expect(result.config.ledgerPath).toBeUndefined();
  });
});

describe('normalizeConfig: base URLs', () => {
  const baseUrl = (provider: string, t: string, url: string) => {
    const errors: string[] = [];
    const config = normalizeConfig({ providers: { [provider]: { baseUrl: { [t]: url } } } }, 'live', 'c.json', errors, []);
    return { errors, config };
  };

  it.each([
    ['https://proxy.example.com/openpay/', 'https://proxy.example.com/openpay'],
    ['http://127.0.0.1:4010/openpay', 'http://127.0.0.1:4010/openpay'],
    ['http://localhost:8080', 'http://localhost:8080'],
    ['http://[::1]:8080/x', 'http://[::1]:8080/x'],
  ])('accepts %s', (url, kept) => {
    const { errors, config } = baseUrl('openpay', 'live', url);
    expect(errors).toEqual([]);
    expect(config.providers.openpay.baseUrl.live).toBe(kept);
  });

  it.each([
    ['zenrise', 'live', 'http://proxy.example.com/v1', 'proxy.example.com'],
    ['conekta', 'sandbox', 'http://10.1.2.3:8080', '10.1.2.3:8080'],
  ])('refuses %s %s over http to %s, naming the provider and the host', (provider, t, url, host) => {
    const { errors, config } = baseUrl(provider, t, url);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`providers.${provider}`);
    expect(errors[0]).toContain(host);
    expect(config.providers[provider as 'zenrise'].baseUrl).toEqual({});
  });

  it('refuses a URL with a password and never repeats the secret', () => {
    const { errors } = baseUrl('openpay', 'live', 'https://u:sk_live_SECRET@api.openpay.mx');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('api.openpay.mx');
    expect(errors[0]).not.toContain('sk_live_SECRET');
  });

  it('reads "timeZone" as an IANA zone, and refuses one Intl does not know', () => {
    const errors: string[] = [];
    expect(normalizeConfig({ timeZone: 'America/Argentina/Buenos_Aires' }, 'simulator', 'c.json', errors, []).timeZone).toBe('America/Argentina/Buenos_Aires');
    expect(errors).toEqual([]);
    const bad: string[] = [];
    expect(normalizeConfig({ timeZone: 'CDMX' }, 'simulator', 'c.json', bad, []).timeZone).toBeUndefined();
    expect(bad.join(' ')).toContain('"timeZone"');
  });

  it('reads "limits": known names with positive whole numbers; anything else is an error naming the key', () => {
    const errors: string[] = [];
    const config = normalizeConfig({ limits: { maxRows: 50, maxSharedStrings: 10 } }, 'simulator', 'c.json', errors, []);
    expect(errors).toEqual([]);
    expect(config.limits).toEqual({ maxRows: 50, maxSharedStrings: 10 });
    const bad: string[] = [];
    const kept = normalizeConfig({ limits: { maxRows: 0, maxCells: 3, maxColumns: 1.5 } }, 'simulator', 'c.json', bad, []);
    expect(bad).toHaveLength(3);
    expect(bad.join(' ')).toContain('limits.maxRows');
    expect(bad.join(' ')).toContain('"maxCells"');
    expect(kept.limits).toEqual({});
    const notObject: string[] = [];
    normalizeConfig({ limits: [1] }, 'simulator', 'c.json', notObject, []);
    expect(notObject).toEqual(['c.json: "limits" must be an object']);
  });
});

describe('"ledger" in the config', () => {
  it('takes a file path or a postgres:// URL, and refuses any other URL scheme as an error, not a path', () => {
    const check = (ledger: string) => {
      const errors: string[] = [];
      const config = normalizeConfig({ ledger }, 'simulator', 'c.json', errors, []);
      return { ledgerPath: config.ledgerPath, errors };
    };
    expect(check('postgresql://pay@db/ledger')).toEqual({ ledgerPath: 'postgresql://pay@db/ledger', errors: [] });
    expect(check('data/ledger.sqlite')).toEqual({ ledgerPath: 'data/ledger.sqlite', errors: [] });
    const refused = check('mysql://pay:secret@db/ledger');
    expect(refused.ledgerPath).toBeUndefined();
    expect(refused.errors).toHaveLength(1);
    expect(refused.errors[0]).not.toContain('secret');
  });
});

describe('"returnWindowDays" and "graceSeconds"', () => {
  it('keeps values from 0 to the maximum, absent when not given', () => {
    const errors: string[] = [];
    expect(normalizeConfig({ returnWindowDays: 0, graceSeconds: 0 }, 'simulator', 'c.json', errors, [])).toMatchObject({ returnWindowDays: 0, graceSeconds: 0 });
    expect(normalizeConfig({ returnWindowDays: 3650, graceSeconds: 2.5 }, 'simulator', 'c.json', errors, [])).toMatchObject({ returnWindowDays: 3650, graceSeconds: 2.5 });
    const none = normalizeConfig({}, 'simulator', 'c.json', errors, []);
    expect(none.returnWindowDays).toBeUndefined();
    expect(none.graceSeconds).toBeUndefined();
    expect(errors).toEqual([]);
  });

  it.each([-1, 3651, Number.POSITIVE_INFINITY, Number.NaN, '30', null, true, {}, [30]])('refuses %j in one line naming the key, and keeps the default', (value) => {
    for (const key of ['returnWindowDays', 'graceSeconds'] as const) {
      if (key === 'graceSeconds' && value === 3651) continue;
      const errors: string[] = [];
      const config = normalizeConfig({ [key]: value }, 'simulator', 'c.json', errors, []);
      expect(config[key]).toBeUndefined();
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain(`"${key}"`);
      expect(errors[0]).not.toContain('\n');
    }
  });

  it('refuses a grace period beyond an hour, and a long hostile string is cut short', () => {
    const errors: string[] = [];
    normalizeConfig({ graceSeconds: 3601, returnWindowDays: 'x'.repeat(10_000) }, 'simulator', 'c.json', errors, []);
    expect(errors).toHaveLength(2);
    for (const error of errors) expect(error.length).toBeLessThan(200);
  });
});
