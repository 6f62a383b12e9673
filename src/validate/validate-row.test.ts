import { describe, expect, it } from 'vitest';
import type { CanonicalField, CheckedRow, RawCell, RawRow } from '../domain/payout-row.ts';
import { validateRow, type ValidateContext } from './validate-row.ts';

const COLUMNS: ValidateContext['columns'] = {
  order_id: 'Referencia',
  amount: 'Monto',
  currency: 'Moneda',
  account: 'Cuenta',
  name: 'Titular',
  email: 'Correo',
  description: 'Concepto',
  provider: 'Proveedor',
};

function context(defaultProvider: ValidateContext['defaultProvider'], target: ValidateContext['target'] = 'live'): ValidateContext {
  return { defaultProvider, target, columns: COLUMNS };
}

function raw(cells: Partial<Record<CanonicalField, string | RawCell>>, row = 7): RawRow {
  const out: RawRow['cells'] = {};
  for (const [field, value] of Object.entries(cells) as [CanonicalField, string | RawCell][]) {
    out[field] = typeof value === 'string' ? { type: 'text', text: value } : value;
  }
  return { row, cells: out };
}

const codes = (checked: CheckedRow): string[] => checked.issues.map((issue) => issue.code);

const OPENPAY_ROW = {
  order_id: 'ORD-1',
  amount: '1,234.56',
  account: '646180109400135624',
  name: 'Juan Pérez',
  description: 'Pago semanal',
};
const CONEKTA_ROW = { order_id: 'C-1', amount: '500.00', account: '012298026516924616', name: 'Jon Doe' };
const FEMSA_ROW = { order_id: 'F-1', amount: '300', name: 'Cliente', email: 'Cliente@Example.com', description: 'Retiro' };
const ZENRISE_ROW = { order_id: 'Z-1', amount: '1.234,56', account: '2850590940090418135201' };

describe('validateRow: a valid row', () => {
  it('returns the canonical payout and the trimmed, masked input', () => {
    const checked = validateRow(
      raw({
        order_id: '  ORD-1 ',
        amount: ' $1,234.56 ',
        currency: ' mxn ',
        account: ' 646 180 109400135624 ',
        name: ' Juan Pérez ',
        email: ' Juan@Example.com ',
        phone: ' 5512345678 ',
        description: ' Pago semanal ',
      }),
      context('openpay'),
    );
    expect(checked).toEqual({
      row: 7,
      status: 'valid',
      provider: 'openpay',
      issues: [],
      payout: {
        row: 7,
        provider: 'openpay',
        orderId: 'ORD-1',
        amountMinor: 123456,
        currency: 'MXN',
        account: { kind: 'clabe', number: '646180109400135624', bankCode: '646', bankName: 'Sistema de Transferencias y Pagos STP, SOFOM E.N.R.' },
        name: 'Juan Pérez',
        email: 'Juan@Example.com',
        phone: '5512345678',
        description: 'Pago semanal',
      },
      input: {
        provider: 'openpay',
        orderId: 'ORD-1',
        amount: '$1,234.56',
        currency: 'mxn',
        account: '646***********5624',
        name: 'Juan Pérez',
      },
    });
  });

  it('takes the currency from the provider when the column is empty', () => {
    expect(validateRow(raw(OPENPAY_ROW), context('openpay')).payout?.currency).toBe('MXN');
    expect(validateRow(raw(ZENRISE_ROW), context('zenrise')).payout?.currency).toBe('ARS');
  });
});

describe('validateRow: all problems of a row together', () => {
  it('reports every error, in column order, with row, field, column and severity', () => {
    const checked = validateRow(
      raw({ order_id: '', amount: '12.345', currency: 'USD', account: '646180109400135625', description: 'x'.repeat(251) }, 12),
      context('openpay'),
    );
    expect(checked.status).toBe('invalid');
    expect(checked.payout).toBeUndefined();
    expect(checked.issues.map(({ code, severity, row, field, column }) => ({ code, severity, row, field, column }))).toEqual([
      { code: 'ORDER_ID_MISSING', severity: 'error', row: 12, field: 'order_id', column: 'Referencia' },
      { code: 'AMOUNT_DECIMALS', severity: 'error', row: 12, field: 'amount', column: 'Monto' },
      { code: 'CURRENCY_UNSUPPORTED', severity: 'error', row: 12, field: 'currency', column: 'Moneda' },
      { code: 'CLABE_CHECKSUM', severity: 'error', row: 12, field: 'account', column: 'Cuenta' },
      { code: 'NAME_MISSING', severity: 'error', row: 12, field: 'name', column: 'Titular' },
      { code: 'DESCRIPTION_TOO_LONG', severity: 'error', row: 12, field: 'description', column: 'Concepto' },
    ]);
    for (const issue of checked.issues) expect(issue.message.length).toBeGreaterThan(0);
  });

  it('leaves column out when the field has no header', () => {
    const checked = validateRow(raw({ amount: '10' }), { ...context('zenrise'), columns: {} });
    expect(checked.issues.map((issue) => [issue.code, 'column' in issue])).toEqual([
      ['ORDER_ID_MISSING', false],
      ['ACCOUNT_MISSING', false],
    ]);
  });

  it('never puts a full account number in a message or in input', () => {
    const cases: [Partial<Record<CanonicalField, string | RawCell>>, ValidateContext][] = [
      [{ ...OPENPAY_ROW, account: '646180109400135625' }, context('openpay')],
      [{ ...OPENPAY_ROW, account: '2850590940090418135201' }, context('openpay')],
      [{ ...OPENPAY_ROW, account: '123456789012345673' }, context('openpay')],
      [{ ...OPENPAY_ROW, account: '64618010940013562X' }, context('openpay')],
      [{ ...OPENPAY_ROW, account: { type: 'number', text: '646180109400136000', number: 646180109400136000 } }, context('openpay')],
      [{ ...ZENRISE_ROW, account: '2850590940090418135202' }, context('zenrise')],
      [{ ...ZENRISE_ROW, account: '646180109400135624' }, context('zenrise')],
      [{ ...ZENRISE_ROW, account: '0990100808100040477100' }, context('zenrise', 'sandbox')],
      [{ ...ZENRISE_ROW, account: '0990100808100040477100' }, context('zenrise', 'live')],
    ];
    for (const [cells, ctx] of cases) {
      const checked = validateRow(raw(cells), ctx);
      const cell = cells.account!;
      const digits = (typeof cell === 'string' ? cell : cell.text).replace(/\D/g, '');
      expect(checked.issues.length, digits).toBeGreaterThan(0);
      const shown = [...checked.issues.map((issue) => issue.message), checked.input.account ?? ''];
      for (const text of shown) expect(text.replace(/\D/g, ''), text).not.toContain(digits.slice(3, -4));
    }
  });
});

describe('validateRow: Openpay', () => {
  it('needs a CLABE: a CBU is CLABE_LENGTH, an alias CLABE_NOT_DIGITS', () => {
    expect(codes(validateRow(raw({ ...OPENPAY_ROW, account: '2850590940090418135201' }), context('openpay')))).toEqual(['CLABE_LENGTH']);
    expect(codes(validateRow(raw({ ...OPENPAY_ROW, account: 'pepe.pepe.po' }), context('openpay')))).toEqual(['CLABE_NOT_DIGITS']);
    expect(codes(validateRow(raw({ ...OPENPAY_ROW, account: '' }), context('openpay')))).toEqual(['ACCOUNT_MISSING']);
  });

  it('limits order_id to 100, the holder name to 80 and the description to 250 characters', () => {
    const at = (cells: Partial<Record<CanonicalField, string>>) => codes(validateRow(raw({ ...OPENPAY_ROW, ...cells }), context('openpay')));
    expect(at({ order_id: 'x'.repeat(100), name: 'ñ'.repeat(80), description: 'é'.repeat(250) })).toEqual([]);
    expect(at({ order_id: 'x'.repeat(101), name: 'ñ'.repeat(81), description: 'é'.repeat(251) })).toEqual([
      'ORDER_ID_TOO_LONG',
      'NAME_TOO_LONG',
      'DESCRIPTION_TOO_LONG',
    ]);
    expect(at({ name: '   ' })).toEqual(['NAME_MISSING']);
  });

  it('pays in MXN only; an ARS row is read in the MXN style all the same', () => {
    const checked = validateRow(raw({ ...OPENPAY_ROW, currency: 'ARS', amount: '1,234.56' }), context('openpay'));
    expect(codes(checked)).toEqual(['CURRENCY_UNSUPPORTED']);
  });

  it('warns about an unknown bank and leaves the row valid', () => {
    const checked = validateRow(raw({ ...OPENPAY_ROW, account: '123456789012345673' }), context('openpay'));
    expect(checked.status).toBe('valid');
    expect(checked.issues.map(({ code, severity, field }) => ({ code, severity, field }))).toEqual([
      { code: 'BANK_UNKNOWN', severity: 'warning', field: 'account' },
    ]);
    expect(checked.payout?.account).toEqual({ kind: 'clabe', number: '123456789012345673', bankCode: '123' });
  });

  it('does not check an email it does not send', () => {
    expect(validateRow(raw({ ...OPENPAY_ROW, email: 'not an email' }), context('openpay')).status).toBe('valid');
  });
});

describe('validateRow: Conekta', () => {
  it('accepts the doc CLABE that passes and rejects the one that does not', () => {
    // conekta-dispersion.txt: 123456789012345673 passes (bank 123 unknown); 123456789012345678 fails.
    expect(codes(validateRow(raw({ ...CONEKTA_ROW, account: '123456789012345673' }), context('conekta')))).toEqual(['BANK_UNKNOWN']);
    expect(codes(validateRow(raw({ ...CONEKTA_ROW, account: '123456789012345678' }), context('conekta')))).toEqual(['CLABE_CHECKSUM']);
  });

  it('needs the holder name, under 250 characters', () => {
    expect(codes(validateRow(raw({ ...CONEKTA_ROW, name: 'n'.repeat(249) }), context('conekta')))).toEqual([]);
    expect(codes(validateRow(raw({ ...CONEKTA_ROW, name: 'n'.repeat(250) }), context('conekta')))).toEqual(['NAME_TOO_LONG']);
    expect(codes(validateRow(raw({ ...CONEKTA_ROW, name: '' }), context('conekta')))).toEqual(['NAME_MISSING']);
  });

  it('checks the payee email only when one is given', () => {
    expect(codes(validateRow(raw({ ...CONEKTA_ROW, email: 'jon@' }), context('conekta')))).toEqual(['EMAIL_INVALID']);
    expect(codes(validateRow(raw({ ...CONEKTA_ROW, email: 'jon@doe.mx' }), context('conekta')))).toEqual([]);
  });
});

describe('validateRow: Digital FEMSA cash-out', () => {
  it('needs no account, and keeps the email as given (trimmed)', () => {
    const checked = validateRow(raw(FEMSA_ROW), context('digitalfemsa'));
    expect(checked.status).toBe('valid');
    expect(checked.payout).toMatchObject({ amountMinor: 30000, account: { kind: 'cash_out', email: 'Cliente@Example.com' }, email: 'Cliente@Example.com', description: 'Retiro' });
  });

  it('pays whole pesos only', () => {
    expect(codes(validateRow(raw({ ...FEMSA_ROW, amount: '300.50' }), context('digitalfemsa')))).toEqual(['AMOUNT_NOT_WHOLE_PESOS']);
    expect(codes(validateRow(raw({ ...FEMSA_ROW, amount: '300.00' }), context('digitalfemsa')))).toEqual([]);
  });

  it('needs a name and a valid email, and a reason of at most 40 characters', () => {
    expect(codes(validateRow(raw({ ...FEMSA_ROW, name: '', email: '', description: 'r'.repeat(41) }), context('digitalfemsa')))).toEqual([
      'NAME_MISSING',
      'EMAIL_MISSING',
      'REASON_TOO_LONG',
    ]);
    expect(codes(validateRow(raw({ ...FEMSA_ROW, email: 'cliente@example', description: 'r'.repeat(40) }), context('digitalfemsa')))).toEqual([
      'EMAIL_INVALID',
    ]);
  });
});

describe('validateRow: Zenrise', () => {
  it('takes a CBU, a CVU or an alias, with ARS amounts', () => {
    expect(validateRow(raw(ZENRISE_ROW), context('zenrise')).payout).toMatchObject({
      amountMinor: 123456,
      currency: 'ARS',
      account: { kind: 'cbu', number: '2850590940090418135201' },
    });
    expect(validateRow(raw({ ...ZENRISE_ROW, account: '0000003100928374650114' }), context('zenrise')).payout?.account).toEqual({
      kind: 'cvu',
      number: '0000003100928374650114',
    });
    const alias = validateRow(raw({ ...ZENRISE_ROW, account: 'pepe.pepe.po' }), context('zenrise'));
    expect(alias.payout?.account).toEqual({ kind: 'alias', alias: 'pepe.pepe.po' });
    expect(alias.input.account).toBe('pepe.pepe.po');
  });

  it('shows a mistyped alias as typed in its ALIAS_FORMAT message, and keeps a CBU masked (issue 13)', () => {
    const typo = validateRow(raw({ ...ZENRISE_ROW, account: 'casa perro.sol' }), context('zenrise'));
    expect(codes(typo)).toEqual(['ALIAS_FORMAT']);
    expect(typo.issues[0]!.message).toContain('"casa perro.sol" has a space');
    expect(typo.input.account).toBe('casa perro.sol');
    const cbu = validateRow(raw({ ...ZENRISE_ROW, account: '01700992220000006781O2' }), context('zenrise'));
    expect(cbu.issues.map((i) => i.message).join(' ')).not.toContain('01700992220000006781O2');
  });

  it('reports a CLABE as CBU_LENGTH and a bad alias as ALIAS_FORMAT', () => {
    expect(codes(validateRow(raw({ ...ZENRISE_ROW, account: '646180109400135624' }), context('zenrise')))).toEqual(['CBU_LENGTH']);
    expect(codes(validateRow(raw({ ...ZENRISE_ROW, account: 'pepe' }), context('zenrise')))).toEqual(['ALIAS_FORMAT']);
  });

  it('refuses the ambiguous 1.500 and an MXN-style amount', () => {
    expect(codes(validateRow(raw({ ...ZENRISE_ROW, amount: '1.500' }), context('zenrise')))).toEqual(['AMOUNT_FORMAT']);
    expect(codes(validateRow(raw({ ...ZENRISE_ROW, amount: '1,234.56' }), context('zenrise')))).toEqual(['AMOUNT_FORMAT']);
  });

  it('limits the externalReference (order_id) to 100 characters', () => {
    expect(codes(validateRow(raw({ ...ZENRISE_ROW, order_id: 'z'.repeat(101) }), context('zenrise')))).toEqual(['ORDER_ID_TOO_LONG']);
  });

  it.each([
    ['simulator', 'valid', ['TEST_ACCOUNT']],
    ['sandbox', 'valid', ['TEST_ACCOUNT']],
    ['live', 'invalid', ['CBU_CHECKSUM']],
  ] as const)('on %s, a DEV test account is %s', (target, status, expected) => {
    for (const account of ['0990100808100040477100', '0000222000000000000000', '0980610330061000073700']) {
      const checked = validateRow(raw({ ...ZENRISE_ROW, account }), context('zenrise', target));
      expect(checked.status, account).toBe(status);
      expect(codes(checked), account).toEqual(expected);
    }
  });
});

describe('validateRow: provider and currency columns', () => {
  it('routes a row by its provider cell, in any common spelling', () => {
    const checked = validateRow(raw({ ...FEMSA_ROW, provider: ' Digital FEMSA ' }), context('openpay'));
    expect(checked.status).toBe('valid');
    expect(checked.payout?.provider).toBe('digitalfemsa');
    expect(checked.input.provider).toBe('Digital FEMSA');
  });

  it('reports an unknown provider with what it can still check', () => {
    const checked = validateRow(raw({ order_id: '', amount: 'abc', account: 'whatever', provider: 'oxxo' }), context('openpay'));
    expect(checked.status).toBe('invalid');
    expect(codes(checked)).toEqual(['ORDER_ID_MISSING', 'AMOUNT_FORMAT', 'PROVIDER_UNKNOWN']);
    expect(checked.input.provider).toBe('oxxo');
    expect(checked.input.account).toBe('wha*ever');
  });

  it('accepts the currency in any case and refuses one it cannot name', () => {
    expect(validateRow(raw({ ...ZENRISE_ROW, currency: 'ars' }), context('zenrise')).status).toBe('valid');
    expect(codes(validateRow(raw({ ...ZENRISE_ROW, currency: 'USD' }), context('zenrise')))).toEqual(['CURRENCY_UNSUPPORTED']);
    expect(codes(validateRow(raw({ ...ZENRISE_ROW, currency: 'MXN' }), context('zenrise')))).toEqual(['CURRENCY_UNSUPPORTED']);
  });

  it('reads "$" as the peso of the provider\'s country (issue 13)', () => {
    const zenrise = validateRow(raw({ ...ZENRISE_ROW, currency: '$' }), context('zenrise'));
    expect(zenrise.status).toBe('valid');
    expect(zenrise.payout?.currency).toBe('ARS');
    const openpay = validateRow(raw({ ...OPENPAY_ROW, currency: '$' }), context('openpay'));
    expect(openpay.payout?.currency).toBe('MXN');
    expect(codes(validateRow(raw({ ...ZENRISE_ROW, currency: 'MX$' }), context('zenrise')))).toEqual(['CURRENCY_UNSUPPORTED']);
  });
});

describe('validateRow: XLSX cells', () => {
  it('refuses a numeric account cell, telling the user to format the column as Text', () => {
    const account: RawCell = { type: 'number', text: '6.46180109400136E+17', number: 646180109400136000 };
    const checked = validateRow(raw({ ...OPENPAY_ROW, account }), context('openpay'));
    expect(codes(checked)).toEqual(['ACCOUNT_PRECISION_LOST']);
    expect(checked.input.account).not.toContain('646180109400136');
  });

  it('refuses an order_id Excel stored as a long number, and keeps a short one', () => {
    const long: RawCell = { type: 'number', text: '1.23457E+15', number: 1234570000000000 };
    expect(codes(validateRow(raw({ ...OPENPAY_ROW, order_id: long }), context('openpay')))).toEqual(['ORDER_ID_PRECISION_LOST']);
    const short: RawCell = { type: 'number', text: '12345', number: 12345 };
    expect(validateRow(raw({ ...OPENPAY_ROW, order_id: short }), context('openpay')).payout?.orderId).toBe('12345');
  });

  it('refuses an account typed in exponent form', () => {
    expect(codes(validateRow(raw({ ...OPENPAY_ROW, account: '6.46E+17' }), context('openpay')))).toEqual(['ACCOUNT_PRECISION_LOST']);
  });

  it('reads a numeric amount cell with float noise, and refuses a third decimal and a date', () => {
    const amount = (cell: RawCell) => validateRow(raw({ ...OPENPAY_ROW, amount: cell }), context('openpay'));
    expect(amount({ type: 'number', text: '0.3', number: 0.1 + 0.2 }).payout?.amountMinor).toBe(30);
    expect(codes(amount({ type: 'number', text: '10.005', number: 10.005 }))).toEqual(['AMOUNT_DECIMALS']);
    expect(codes(amount({ type: 'date', text: '2025-01-05' }))).toEqual(['AMOUNT_IS_DATE']);
    expect(amount({ type: 'formula', text: '1,500.00', formula: 'B2*2' }).payout?.amountMinor).toBe(150000);
  });
});

describe('validateRow: control characters in free text', () => {
  it('removes them from the name and the description, with a warning per field, and keeps the row valid', () => {
    const checked = validateRow(raw({ ...FEMSA_ROW, name: '\u001b]0;pwned\u0007Cliente\u001b[31m Uno\u0007', description: 'Retiro\u009b2J semanal\u0000' }), context('digitalfemsa'));
    expect(checked.status).toBe('valid');
    expect(checked.issues.map((i) => [i.code, i.severity, i.field])).toEqual([
      ['CONTROL_CHARACTERS_REMOVED', 'warning', 'name'],
      ['CONTROL_CHARACTERS_REMOVED', 'warning', 'description'],
    ]);
    expect(checked.payout?.name).toBe('Cliente Uno');
    expect(checked.payout?.description).toBe('Retiro semanal');
    expect(checked.input.name).toBe('Cliente Uno');
  });

  it('counts the name without them against the provider limit', () => {
    const checked = validateRow(raw({ ...OPENPAY_ROW, name: `${'a'.repeat(80)}\u0007\u0007` }), context('openpay'));
    expect(codes(checked)).toEqual(['CONTROL_CHARACTERS_REMOVED']);
    expect(checked.status).toBe('valid');
  });
});
