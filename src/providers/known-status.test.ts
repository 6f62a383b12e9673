import { describe, expect, it } from 'vitest';
import type { ProviderId } from '../domain/provider-id.ts';
import { isKnownProviderStatus } from './known-status.ts';
import { mapConektaStatus } from './conekta/map-conekta-response.ts';
import { mapFemsaStatus } from './digitalfemsa/map-digitalfemsa-response.ts';
import { mapOpenpayStatus } from './openpay/map-openpay-response.ts';
import { mapZenriseStatus } from './zenrise/map-zenrise-response.ts';

describe('isKnownProviderStatus', () => {
  it.each<[ProviderId, string | undefined, boolean]>([
    ['openpay', 'in_progress', true],
    ['openpay', 'COMPLETED', true],
    ['openpay', 'on_hold', false],
    ['conekta', 'in_transit', true],
    ['conekta', 'reversed', false],
    ['digitalfemsa', 'expired', true],
    ['digitalfemsa', 'processing', false],
    ['zenrise', 'InProgress', true],
    ['zenrise', 'Rejected', false],
    ['openpay', undefined, true],
  ])('%s %s → %s', (provider, word, known) => {
    expect(isKnownProviderStatus(provider, word)).toBe(known);
  });

  it('an unknown word is exactly what the mappers read as pending by default', () => {
    // Each mapper keeps an unknown word not final; the flag is what tells a person about it.
    expect(mapOpenpayStatus('on_hold')).toBe('pending');
    expect(mapConektaStatus('reversed')).toBe('pending');
    expect(mapFemsaStatus('processing')).toEqual({ state: 'pending' });
    expect(mapZenriseStatus('Rejected')).toBe('pending');
  });
});
