import { describe, expect, it } from 'vitest';
import { RunError } from '../run-error.ts';
import { DEFAULT_READ_LIMITS, LIMIT_FLAGS, LIMIT_NAMES, ReadLimitError, resolveReadLimits } from './read-limits.ts';

describe('read limits', () => {
  it('has a default and a flag for every limit; the cell limit is Excel\'s own', () => {
    for (const name of LIMIT_NAMES) {
      expect(DEFAULT_READ_LIMITS[name]).toBeGreaterThan(0);
      expect(LIMIT_FLAGS[name]).toMatch(/^--max-[a-z-]+$/);
    }
    expect(DEFAULT_READ_LIMITS.maxCellChars).toBe(32_767);
    expect(DEFAULT_READ_LIMITS.maxColumns).toBe(16_384);
  });

  it('layers defaults, the config, then the flags; absent values leave the layer below', () => {
    const limits = resolveReadLimits({ maxRows: 10, maxColumns: 5 }, { maxRows: 20, maxCellChars: undefined, unrelated: 'x' });
    expect(limits).toEqual({ ...DEFAULT_READ_LIMITS, maxRows: 20, maxColumns: 5 });
  });

  it('refuses a value that is not a positive whole number as a usage error naming the flag', () => {
    for (const value of [0, -1, 1.5, Number.NaN, '10']) {
      let caught: unknown;
      try {
        resolveReadLimits({ maxSharedStrings: value });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(RunError);
      expect((caught as RunError).code).toBe('USAGE');
      expect((caught as RunError).message).toContain('--max-shared-strings');
    }
  });

  it('a refusal is one FILE_LIMIT line naming the value, the limit and its flag, with the numbers as data', () => {
    const error = new ReadLimitError('sheet1 has 120000000 shared strings', { limit: 'maxSharedStrings', max: 1_000_000, found: 120_000_000 });
    expect(error.code).toBe('FILE_LIMIT');
    expect(error.exitCode).toBe(1);
    expect(error.message).toBe('refused: sheet1 has 120000000 shared strings; limit 1000000 (--max-shared-strings)');
    expect(error.details).toEqual({ limit: 'maxSharedStrings', max: 1_000_000, found: 120_000_000 });
    expect(error.hint).toContain('limits.maxSharedStrings');
  });
});
