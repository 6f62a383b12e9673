import { describe, expect, it } from 'vitest';
import { defaultProviderConfig } from '../../src/config/default-config.ts';
import { normalizeConfig } from '../../src/config/load-config.ts';
import { getProviderModule } from '../../src/providers/registry.ts';

// The default fee schedule was handed out by reference, and a config file's fees were written into it: every config
// loaded afterwards in the same process (and every plan) started from the previous file's fees.
describe("a config file's fees stay that config's", () => {
  it('leaves the defaults and the next config untouched', () => {
    const errors: string[] = [];
    const first = normalizeConfig({ providers: { openpay: { fees: { fixed: '1.00', iva: '8' } } } }, 'simulator', 'first.json', errors, []);
    expect(errors).toEqual([]);
    expect(first.providers.openpay.fees).toEqual({ fixedMinor: 100, percentBps: 0, ivaBps: 800 });

    const second = normalizeConfig({}, 'simulator', 'second.json', [], []);
    expect(second.providers.openpay.fees).toEqual({ fixedMinor: 800, percentBps: 0, ivaBps: 1600 });
    expect(defaultProviderConfig('openpay', 'live').fees).toEqual({ fixedMinor: 800, percentBps: 0, ivaBps: 1600 });
    expect(getProviderModule('openpay').defaultFees).toEqual({ fixedMinor: 800, percentBps: 0, ivaBps: 1600 });
  });
});
