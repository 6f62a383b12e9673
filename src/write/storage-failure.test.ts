import { describe, expect, it } from 'vitest';
import { storageFailureOf } from './storage-failure.ts';

const coded = (code: string, cause?: unknown) => Object.assign(new Error(code), { code }, cause === undefined ? {} : { cause });

describe('storageFailureOf', () => {
  it.each([
    ['ENOSPC', 'disk full'],
    ['EDQUOT', 'disk full'],
    ['SQLITE_FULL', 'disk full'],
    ['53100', 'disk full'],
    ['EIO', 'I/O error'],
    ['SQLITE_IOERR_WRITE', 'I/O error'],
    ['EROFS', 'read-only file system'],
    ['LEDGER_TRANSACTION_ENDED', 'ledger transaction ended by the database'],
    ['25P03', 'ledger transaction ended by the database'],
    ['LEDGER_UNAVAILABLE', 'ledger database unreachable'],
    ['08006', 'ledger database unreachable'],
    ['57P01', 'ledger database unreachable'],
    ['57014', 'ledger database timed out'],
  ])('%s is a storage failure: %s', (code, reason) => {
    expect(storageFailureOf(coded(code))).toEqual({ code, reason });
  });

  it('finds it among the causes', () => {
    expect(storageFailureOf(new Error('wrapped', { cause: coded('SQLITE_FULL') }))).toEqual({ code: 'SQLITE_FULL', reason: 'disk full' });
  });

  // A socket's own code is not the ledger's: a provider's connection reset must not read as a ledger failure.
  it.each([['SQLITE_CONSTRAINT_UNIQUE'], ['ENOENT'], ['BATCH_LOCKED'], ['SQLITE_BUSY'], ['ECONNRESET'], ['ECONNREFUSED'], ['ETIMEDOUT']])('%s is not', (code) => {
    expect(storageFailureOf(coded(code))).toBeUndefined();
  });

  it('nor is a plain error, a string or nothing', () => {
    expect(storageFailureOf(new Error('disk full'))).toBeUndefined();
    expect(storageFailureOf('ENOSPC')).toBeUndefined();
    expect(storageFailureOf(undefined)).toBeUndefined();
  });
});
