import { describe, expect, it } from 'vitest';
import { LedgerError } from './ledger-error.ts';
import { maskUrlPassword, parseLedgerLocation } from './ledger-location.ts';

describe('parseLedgerLocation', () => {
  it('takes a path as a SQLite file and a postgres:// or postgresql:// URL as PostgreSQL, masking the password', () => {
    expect(parseLedgerLocation('/data/ledger.sqlite')).toEqual({ kind: 'sqlite', path: '/data/ledger.sqlite' });
    expect(parseLedgerLocation('ledger.sqlite')).toEqual({ kind: 'sqlite', path: 'ledger.sqlite' });
    expect(parseLedgerLocation('./odd:name.sqlite')).toEqual({ kind: 'sqlite', path: './odd:name.sqlite' });
    expect(parseLedgerLocation('postgres://pay@db:5432/ledger')).toMatchObject({ kind: 'postgres', display: 'postgres://pay@db:5432/ledger', password: undefined });
    const secret = parseLedgerLocation('postgresql://pay:s3cr%40t@db.internal:5433/ledger?sslmode=require');
    expect(secret).toMatchObject({ kind: 'postgres', password: 's3cr@t', display: 'postgresql://pay:***@db.internal:5433/ledger?sslmode=require' });
    expect(maskUrlPassword('postgres://u@h/db?password=abc&x=1')).toBe('postgres://u@h/db?password=***&x=1');
  });

  it('refuses every other scheme, and a PostgreSQL URL without a database, never echoing a password', () => {
    for (const raw of ['mysql://u:pw@h/db', 'http://h/ledger', 'file:ledger.sqlite', 'sqlite://x', 'postgres://u:pw@h']) {
      let error: unknown;
      try {
        parseLedgerLocation(raw);
      } catch (e) {
        error = e;
      }
      expect(error, raw).toBeInstanceOf(LedgerError);
      expect((error as LedgerError).code).toBe('LEDGER_LOCATION_UNSUPPORTED');
      expect((error as Error).message).not.toContain(':pw@');
    }
  });
});
