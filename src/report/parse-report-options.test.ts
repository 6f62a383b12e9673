import { describe, expect, it } from 'vitest';
import { parseOpeningBalance, parseOpeningBalances, parseReportScope, parseTimeZone } from './parse-report-options.ts';

const issue = (r: { issue?: string } | { value: unknown }) => ('issue' in r ? r.issue : undefined);

describe('parseReportScope', () => {
  it('takes exactly one of --batch, --all, --from/--to', () => {
    expect(parseReportScope({ batch: ' abc ' })).toEqual({ value: { batchId: 'abc' } });
    expect(parseReportScope({ all: true })).toEqual({ value: { all: true } });
    expect(issue(parseReportScope({}))).toBe('SCOPE_MISSING');
    expect(issue(parseReportScope({ batch: 'a', all: true }))).toBe('SCOPE_AMBIGUOUS');
    expect(issue(parseReportScope({ all: true, from: '2026-03-01', to: '2026-03-02' }))).toBe('SCOPE_AMBIGUOUS');
    expect(issue(parseReportScope({ from: '2026-03-01' }))).toBe('RANGE_INCOMPLETE');
  });

  it('reads days as whole UTC days, both ends included', () => {
    expect(parseReportScope({ from: '2026-03-01', to: '2026-03-31' })).toEqual({
      value: { from: new Date('2026-03-01T00:00:00.000Z'), to: new Date('2026-04-01T00:00:00.000Z'), days: { from: '2026-03-01', to: '2026-03-31', zone: 'UTC' } },
    });
    expect(parseReportScope({ from: '2026-03-05', to: '2026-03-05' })).toMatchObject({
      value: { from: new Date('2026-03-05T00:00:00.000Z'), to: new Date('2026-03-06T00:00:00.000Z') },
    });
  });

  it('reads days in the given zone: a Mexico City month starts and ends at Mexico City midnight', () => {
    expect(parseReportScope({ from: '2026-11-01', to: '2026-11-30' }, 'America/Mexico_City')).toEqual({
      value: { from: new Date('2026-11-01T06:00:00.000Z'), to: new Date('2026-12-01T06:00:00.000Z'), days: { from: '2026-11-01', to: '2026-11-30', zone: 'America/Mexico_City' } },
    });
    const evening = new Date('2026-12-01T03:30:00.000Z'); // 2026-11-30 21:30 in Mexico City
    const nov = parseReportScope({ from: '2026-11-01', to: '2026-11-30' }, 'America/Mexico_City');
    const dec = parseReportScope({ from: '2026-12-01', to: '2026-12-31' }, 'America/Mexico_City');
    if (!('value' in nov) || !('value' in dec) || !('from' in nov.value) || !('from' in dec.value)) throw new Error('not a range');
    expect(evening >= nov.value.from && evening < nov.value.to).toBe(true);
    expect(evening >= dec.value.from && evening < dec.value.to).toBe(false);
    expect(parseReportScope({ from: '2026-12-31', to: '2026-12-31' }, 'America/Argentina/Buenos_Aires')).toMatchObject({
      value: { from: new Date('2026-12-31T03:00:00.000Z'), to: new Date('2027-01-01T03:00:00.000Z') },
    });
  });

  it('takes ISO instants with a zone as given, and refuses the rest', () => {
    expect(parseReportScope({ from: '2026-03-01T06:00:00-06:00', to: '2026-03-02T06:00:00Z' })).toEqual({
      value: { from: new Date('2026-03-01T12:00:00.000Z'), to: new Date('2026-03-02T06:00:00.000Z') },
    });
    for (const bad of ['2026-02-30', '01/03/2026', '2026-03-01T10:00:00', 'yesterday']) {
      expect(issue(parseReportScope({ from: bad, to: '2026-12-31' })), bad).toBe('DATE_FORMAT');
    }
    expect(issue(parseReportScope({ from: '2026-03-02', to: '2026-03-01' }))).toBe('RANGE_INVALID');
  });
});

describe('parseOpeningBalance', () => {
  it.each([
    ['250000.00', 25_000_000],
    ['250,000.5', 25_000_050],
    ['0', 0],
    ['-0.00', 0],
    ['-1,234.56', -123_456],
    ['9999999999999.99', 999_999_999_999_999],
  ])('%s → %d', (text, minor) => {
    expect(parseOpeningBalance(text)).toEqual({ value: minor });
  });

  it.each(['1.234,56', '12.345', '1e6', '$100', '10.001', '1,23.00', '', '99999999999999.99'])('refuses %j', (text) => {
    expect(issue(parseOpeningBalance(text))).toBe('AMOUNT_FORMAT');
  });
});

describe('parseTimeZone', () => {
  it('takes IANA names and refuses the rest', () => {
    expect(parseTimeZone('America/Argentina/Buenos_Aires')).toEqual({ value: 'America/Argentina/Buenos_Aires' });
    expect(issue(parseTimeZone('CDMX'))).toBe('TIME_ZONE');
  });
});

describe('parseOpeningBalances', () => {
  it('takes one bare amount, or one amount per provider', () => {
    expect(parseOpeningBalances(['1000.00'])).toEqual({ value: { single: 100_000, byProvider: new Map() } });
    expect(parseOpeningBalances(['zenrise=2,500.50', 'DigitalFemsa=0'])).toEqual({
      value: { byProvider: new Map([['zenrise', 250_050], ['digitalfemsa', 0]]) },
    });
  });

  it('refuses an unknown provider, a provider twice, two bare amounts, a mix, and a bad amount', () => {
    expect(issue(parseOpeningBalances(['femsa=1']))).toBe('PROVIDER_UNKNOWN');
    expect(issue(parseOpeningBalances(['openpay=1', 'openpay=2']))).toBe('OPENING_BALANCE_REPEATED');
    expect(issue(parseOpeningBalances(['1', '2']))).toBe('OPENING_BALANCE_REPEATED');
    expect(issue(parseOpeningBalances(['1', 'openpay=2']))).toBe('OPENING_BALANCE_REPEATED');
    expect(issue(parseOpeningBalances(['openpay=1.234,00']))).toBe('AMOUNT_FORMAT');
  });
});
