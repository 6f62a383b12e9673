import { describe, expect, it } from 'vitest';
import { formatSummaryJson, formatSummaryText } from './summary.ts';
import type { RunSummary } from './summary.ts';

const summary: RunSummary = {
  command: 'validate',
  file: 'payouts.csv',
  provider: 'openpay',
  outDir: 'output/validate-payouts',
  resultsCsv: 'output/validate-payouts/results.csv',
  resultsXlsx: 'output/validate-payouts/results.xlsx',
  counts: { invalid: 12, valid: 1000, conflict: 1 },
  totals: [
    { currency: 'MXN', status: 'valid', count: 1000, amountMinor: 123456789 },
    { currency: 'MXN', status: 'invalid', count: 12, amountMinor: 5 },
  ],
  warnings: ['sheet "Hoja2" ignored'],
  exitCode: 2,
  startedAt: '2025-03-04T05:06:07.000Z',
  finishedAt: '2025-03-04T05:06:09.000Z',
};

describe('formatSummaryText', () => {
  const text = formatSummaryText(summary);
  const lines = text.split('\n');

  it('counts rows per status in lifecycle order, right-aligned, with a total', async () => {
    const start = lines.indexOf(lines.find((l) => l.startsWith('status')) ?? '');
    expect(lines.slice(start, start + 5)).toEqual([
      'status    rows',
      'valid     1000',
      'invalid     12',
      'conflict     1',
      'total     1013',
    ]);
  });

  it('totals amounts per currency with thousands separators', async () => {
    expect(text).toContain('MXN 1,234,567.89');
    expect(lines).toContain('valid    1000  MXN 1,234,567.89');
    expect(lines).toContain('invalid    12          MXN 0.05');
  });

  it('says where the results went, the ledger when there is one, and the warnings', async () => {
    expect(text).toContain('results  output/validate-payouts/results.csv');
    expect(text).toContain('results  output/validate-payouts/results.xlsx');
    expect(text).not.toContain('ledger');
    expect(text).toContain('  - sheet "Hoja2" ignored');
    expect(formatSummaryText({ ...summary, ledgerPath: 'state/ledger.db', batchId: 'b-1' })).toContain(
      'ledger   state/ledger.db',
    );
    expect(text).toMatch(/exit 2/);
    expect(text.endsWith('\n')).toBe(true);
  });
});

describe('formatSummaryJson', () => {
  it('is one line of JSON with amounts as decimal strings and integer minor units', async () => {
    const json = formatSummaryJson({ ...summary, warnings: ['line one\nline two'] });
    expect(json).not.toContain('\n');
    const parsed = JSON.parse(json) as Record<string, unknown>;
    expect(parsed).toMatchObject({
      command: 'validate',
      file: 'payouts.csv',
      provider: 'openpay',
      out_dir: 'output/validate-payouts',
      results_csv: 'output/validate-payouts/results.csv',
      results_xlsx: 'output/validate-payouts/results.xlsx',
      counts: { valid: 1000, invalid: 12, conflict: 1 },
      totals: [
        { currency: 'MXN', status: 'valid', count: 1000, amount: '1234567.89', amount_minor: 123456789 },
        { currency: 'MXN', status: 'invalid', count: 12, amount: '0.05', amount_minor: 5 },
      ],
      warnings: ['line one\nline two'],
      exit_code: 2,
      started_at: '2025-03-04T05:06:07.000Z',
      finished_at: '2025-03-04T05:06:09.000Z',
    });
    expect(parsed).not.toHaveProperty('ledger_path');
  });
});
