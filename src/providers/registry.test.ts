import { describe, expect, it } from 'vitest';
import { CANONICAL_FIELDS } from '../domain/payout-row.ts';
import { PROVIDER_IDS } from '../domain/provider-id.ts';
import { getProvider, getProviderModule, providerModules } from './registry.ts';

describe('the provider registry', () => {
  it('has exactly one module per provider id, in PROVIDER_IDS order', () => {
    expect(providerModules().map((descriptor) => descriptor.id)).toEqual([...PROVIDER_IDS]);
  });

  it.each(PROVIDER_IDS)('%s: the module found by id is that provider, with its own adapter', (id) => {
    const descriptor = getProviderModule(id);
    expect(descriptor.id).toBe(id);
    expect(descriptor.adapter.id).toBe(id);
    expect(getProvider(id)).toBe(descriptor.adapter);
  });

  it.each(PROVIDER_IDS)('%s: a descriptor the generic code can use', (id) => {
    const descriptor = getProviderModule(id);
    expect(descriptor.currency).toBe(descriptor.country === 'MX' ? 'MXN' : 'ARS');
    expect(descriptor.timeZone).toBe(descriptor.country === 'MX' ? 'America/Mexico_City' : 'America/Argentina/Buenos_Aires');
    // A zone name ICU does not know throws RangeError (it may answer with an alias such as America/Buenos_Aires).
    expect(() => new Intl.DateTimeFormat('en', { timeZone: descriptor.timeZone })).not.toThrow();
    // Every file needs the row's key and amount; the account column exactly when the provider pays to an account.
    expect(descriptor.requiredColumns.slice(0, 2)).toEqual(['order_id', 'amount']);
    expect(descriptor.requiredColumns.includes('account')).toBe(descriptor.rules.account !== 'none');
    for (const column of descriptor.requiredColumns) expect(CANONICAL_FIELDS).toContain(column);
    expect(descriptor.credentials.variables.length).toBeGreaterThan(0);
    for (const variable of descriptor.credentials.variables) expect(variable.startsWith(`${id.toUpperCase()}_`)).toBe(true);
    expect(descriptor.baseUrls.simulatorPath.startsWith(`/${id}`)).toBe(true);
    expect(descriptor.baseUrls.sandbox).toMatch(/^https:\/\//);
    expect(descriptor.baseUrls.live).toMatch(/^https:\/\//);
    expect(Number.isSafeInteger(descriptor.defaultFees.fixedMinor)).toBe(true);
  });

  it.each(PROVIDER_IDS)('%s: reads every credential variable it declares, and only those', (id) => {
    const read: string[] = [];
    const credentials = getProviderModule(id).credentials.read((variable) => {
      read.push(variable);
      return 'x';
    });
    expect(read).toEqual(getProviderModule(id).credentials.variables);
    expect(Object.keys(credentials)).toEqual([id]);
  });

  it('no spelling names two providers', () => {
    const spellings = providerModules().flatMap((descriptor) => [descriptor.id, ...descriptor.spellings]);
    expect(new Set(spellings).size).toBe(spellings.length);
  });

  it('gives a recipient step to the two-step providers only', () => {
    expect(PROVIDER_IDS.filter((id) => getProvider(id).recipient !== undefined)).toEqual(['conekta', 'digitalfemsa', 'zenrise']);
  });

  it('refuses an unknown id', () => {
    expect(() => getProviderModule('paypal' as never)).toThrow(TypeError);
    expect(() => getProvider('paypal' as never)).toThrow(TypeError);
  });
});
