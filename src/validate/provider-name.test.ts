import { describe, expect, it } from 'vitest';
import { parseProviderName } from './provider-name.ts';

describe('parseProviderName', () => {
  it.each([
    ['openpay', 'openpay'],
    ['OpenPay', 'openpay'],
    ['open pay', 'openpay'],
    ['Conekta', 'conekta'],
    ['digitalfemsa', 'digitalfemsa'],
    ['Digital FEMSA', 'digitalfemsa'],
    ['digital_femsa', 'digitalfemsa'],
    ['digital-femsa', 'digitalfemsa'],
    ['femsa', 'digitalfemsa'],
    [' ZENRISE ', 'zenrise'],
  ])('reads %j as %s', (raw, provider) => {
    expect(parseProviderName(raw)).toBe(provider);
  });

  it.each(['oxxo', 'stripe', 'toString', 'constructor', 'open'])('does not recognise %j', (raw) => {
    expect(parseProviderName(raw)).toBeUndefined();
  });
});
