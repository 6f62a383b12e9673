import { describe, expect, it } from 'vitest';
import type { RowStatus } from '../domain/row-status.ts';
import type { ProviderId } from '../domain/provider-id.ts';
import { lookupWouldResend } from './lookup-resends.ts';

describe('lookupWouldResend', () => {
  it.each<[ProviderId, RowStatus, string | undefined, boolean]>([
    ['openpay', 'unknown', undefined, true],
    ['openpay', 'sending', undefined, true],
    ['zenrise', 'unknown', undefined, true],
    ['openpay', 'unknown', 'tr_1', false],
    ['openpay', 'pending', undefined, false],
    ['conekta', 'unknown', undefined, false],
    ['digitalfemsa', 'sending', undefined, false],
  ])('%s %s (payout id %s) → %s', (provider, status, providerPayoutId, resends) => {
    expect(lookupWouldResend({ provider, status, ...(providerPayoutId ? { providerPayoutId } : {}) })).toBe(resends);
  });
});
