import { describe, expect, it } from 'vitest';
import { PROVIDER_IDS } from '../domain/provider-id.ts';
import { getProvider } from './registry.ts';

describe('getProvider', () => {
  it.each(PROVIDER_IDS)('%s', (id) => {
    expect(getProvider(id).id).toBe(id);
  });

  it('gives a recipient step to the two-step providers only', () => {
    expect(PROVIDER_IDS.filter((id) => getProvider(id).recipient !== undefined)).toEqual(['conekta', 'digitalfemsa', 'zenrise']);
  });

  it('refuses an unknown id', () => {
    expect(() => getProvider('paypal' as never)).toThrow(TypeError);
  });
});
