import { describe, expect, it } from 'vitest';
import type { CheckedRow, PayoutRow } from '../domain/payout-row.ts';
import type { RowIssue } from '../domain/row-issue.ts';
import { resultRowFromChecked } from './results-writer.ts';

const payout: PayoutRow = {
  row: 2,
  provider: 'openpay',
  orderId: 'ORD-1',
  amountMinor: 123456,
  currency: 'MXN',
  account: { kind: 'clabe', number: '012180001234567897', bankCode: '012' },
  name: 'José Peña',
};

const issue = (code: RowIssue['code'], severity: RowIssue['severity'], message: string): RowIssue => ({
  code,
  severity,
  row: 2,
  message,
});

describe('resultRowFromChecked', () => {
  it('takes a payable row from the payout: canonical amount, masked account', () => {
    const checked: CheckedRow = {
      row: 2,
      status: 'valid',
      payout,
      issues: [issue('BANK_UNKNOWN', 'warning', 'bank code 999 is not in the list')],
      input: { orderId: 'ORD-1', amount: '$1,234.56', account: '012***********7897' },
    };
    expect(resultRowFromChecked(checked)).toEqual({
      row: 2,
      order_id: 'ORD-1',
      provider: 'openpay',
      status: 'valid',
      error_code: '',
      error_message: '',
      warning: 'BANK_UNKNOWN',
      amount: '1234.56',
      currency: 'MXN',
      account: '012***********7897',
      name: 'José Peña',
      provider_id: '',
      provider_status: '',
      attempts: '',
      note: 'bank code 999 is not in the list',
      updated_at: '',
    });
  });

  it('shows what the file said for a row that did not parse, and every error', () => {
    const checked: CheckedRow = {
      row: 5,
      status: 'invalid',
      issues: [
        issue('CLABE_CHECKSUM', 'error', 'check digit does not match'),
        issue('TEST_ACCOUNT', 'warning', 'looks like a test account'),
        issue('AMOUNT_FORMAT', 'error', 'not an amount'),
      ],
      input: { provider: 'conekta', orderId: 'A-9', amount: '12,5', currency: 'MXN', account: '012***********7890', name: 'Ana' },
    };
    expect(resultRowFromChecked(checked)).toMatchObject({
      row: 5,
      order_id: 'A-9',
      provider: 'conekta',
      status: 'invalid',
      error_code: 'CLABE_CHECKSUM;AMOUNT_FORMAT',
      error_message: 'check digit does not match; not an amount',
      warning: 'TEST_ACCOUNT',
      amount: '12,5',
      currency: 'MXN',
      account: '012***********7890',
      name: 'Ana',
    });
  });

  it('fills empty strings where the file said nothing', () => {
    const row = resultRowFromChecked({ row: 3, status: 'invalid', issues: [], input: {} });
    expect([row.order_id, row.provider, row.amount, row.currency, row.account, row.name]).toEqual(['', '', '', '', '', '']);
  });

  it('masks a cash-out customer email, from the payout or from the input', () => {
    const femsa: PayoutRow = { ...payout, provider: 'digitalfemsa', account: { kind: 'cash_out', email: 'juan.perez@example.com' } };
    expect(resultRowFromChecked({ row: 2, status: 'valid', payout: femsa, issues: [], input: {} }).account).toBe('j***@example.com');
    expect(
      resultRowFromChecked({ row: 2, status: 'invalid', issues: [], input: { account: 'ana@example.mx' } }).account,
    ).toBe('a***@example.mx');
  });

  it('keeps a Zenrise alias, which is public by design', () => {
    const zenrise: PayoutRow = { ...payout, provider: 'zenrise', currency: 'ARS', account: { kind: 'alias', alias: 'casa.perro.sol' } };
    expect(resultRowFromChecked({ row: 2, status: 'valid', payout: zenrise, issues: [], input: {} }).account).toBe(
      'casa.perro.sol',
    );
  });
});
