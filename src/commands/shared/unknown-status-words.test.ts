import { expect, it } from 'vitest';
import { decideExitCode } from './exit-code.ts';
import { UnknownStatusWords } from './unknown-status-words.ts';

it('flags rows whose provider status word no doc names, one warning per provider and word, and they make exit 3', () => {
  const words = new UnknownStatusWords();
  words.note({ provider: 'openpay', providerStatus: 'in_progress' });
  words.note({ provider: 'openpay', providerStatus: 'on_hold' });
  words.note({ provider: 'openpay', providerStatus: 'on_hold' });
  words.note({ provider: 'zenrise', providerStatus: 'Rejected' });
  words.note({ provider: 'conekta' });
  expect(words.rows).toBe(3);
  expect(words.warnings()).toHaveLength(2);
  expect(words.warnings()[0]).toContain('"on_hold"');
  expect(decideExitCode({ counts: { pending: 4 }, unknownProviderStatuses: words.rows })).toBe(3);

  const clean = new UnknownStatusWords();
  clean.note({ provider: 'digitalfemsa', providerStatus: 'pending' });
  expect(clean.rows).toBe(0);
  expect(decideExitCode({ counts: { pending: 1 }, unknownProviderStatuses: clean.rows })).toBe(0);
});
