import { describe, expect, it } from 'vitest';
import { fieldForHeader, matchColumns, namedFields, normalizeHeader } from './match-columns.ts';
import { expectRunError } from './test-support.ts';

describe('normalizeHeader', () => {
  it('ignores case, accents, spaces, underscores and hyphens', () => {
    expect(normalizeHeader('Teléfono')).toBe('telefono');
    expect(normalizeHeader(' Account_Holder-Name ')).toBe('accountholdername');
    expect(normalizeHeader('E-mail')).toBe(normalizeHeader('email'));
    expect(normalizeHeader('\uFEFFORDEN')).toBe('orden');
  });
});

describe('fieldForHeader', () => {
  it.each([
    ['order_id', 'order_id'], ['OrderId', 'order_id'], ['externalReference', 'order_id'], ['external_reference', 'order_id'],
    ['Referencia', 'order_id'], ['Orden', 'order_id'], ['ID orden', 'order_id'],
    ['Monto', 'amount'], ['IMPORTE', 'amount'], ['amount', 'amount'],
    ['Beneficiario', 'name'], ['titular', 'name'], ['Account Holder Name', 'name'], ['Nombre', 'name'],
    ['CLABE', 'account'], ['cbu', 'account'], ['CVU', 'account'], ['Alias', 'account'], ['Número de cuenta', 'account'],
    ['Moneda', 'currency'], ['Correo', 'email'], ['E-Mail', 'email'],
    ['Teléfono', 'phone'], ['telefono', 'phone'], ['Celular', 'phone'],
    ['Descripción', 'description'], ['Concepto', 'description'], ['Motivo', 'description'], ['reason', 'description'],
    ['Proveedor', 'provider'],
  ])('%s → %s', (header, field) => {
    expect(fieldForHeader(header)).toBe(field);
  });

  it.each([
    ['Folio', 'order_id'], ['No. Folio', 'order_id'], ['Nro. Orden', 'order_id'], ['N° de orden', 'order_id'], ['Nº de Orden', 'order_id'],
    ['NRO DE ORDEN', 'order_id'], ['Número de orden', 'order_id'],
    ['Razón Social', 'name'], ['RAZON SOCIAL', 'name'], ['Nombre o Razón Social', 'name'], ['Beneficiario/Titular', 'name'],
    ['Titular de la cuenta', 'name'], ['Apellido y Nombre', 'name'],
    ['Alias CBU', 'account'], ['CBU/CVU', 'account'], ['CBU o CVU', 'account'], ['CVU / CBU', 'account'], ['Alias/CBU/CVU', 'account'],
    ['Cuenta CLABE', 'account'], ['CLABE destino', 'account'],
    ['Importe neto', 'amount'], ['Monto a pagar', 'amount'],
  ])('MX/AR export header %s → %s (issue 13)', (header, field) => {
    expect(fieldForHeader(header)).toBe(field);
  });

  it('leaves unknown headers unmatched', () => {
    expect(fieldForHeader('Monto Total')).toBeUndefined();
    expect(fieldForHeader('Importe bruto')).toBeUndefined();
    expect(fieldForHeader('Fecha de pago')).toBeUndefined();
    expect(fieldForHeader('Fecha')).toBeUndefined();
  });
});

describe('matchColumns', () => {
  it('maps every recognised header to its field and position', () => {
    const match = matchColumns(['Referencia', 'CLABE', 'Beneficiario', 'Monto', 'Fecha'], {}, ['order_id', 'amount', 'account']);
    expect(match.columns).toEqual({ order_id: 'Referencia', account: 'CLABE', name: 'Beneficiario', amount: 'Monto' });
    expect(match.indexes).toEqual({ order_id: 0, account: 1, name: 2, amount: 3 });
    expect(match.warnings).toEqual([]);
  });

  it('lets --map name a column no alias catches, by its text in the file or loosely', () => {
    const match = matchColumns(['Folio', 'Cuenta', 'Monto Total'], { order_id: 'Folio', amount: 'monto total' }, ['order_id', 'amount', 'account']);
    expect(match.indexes).toEqual({ order_id: 0, account: 1, amount: 2 });
    expect(match.columns.amount).toBe('Monto Total');
  });

  it('gives --map precedence over aliases, and takes the mapped column away from alias matching', () => {
    const match = matchColumns(['Referencia', 'Cuenta', 'Monto', 'Folio'], { order_id: 'Folio', account: 'Referencia' }, ['order_id']);
    expect(match.indexes.order_id).toBe(3);
    expect(match.indexes.account).toBe(0);
    expect(match.indexes.amount).toBe(2);
    expect(Object.values(match.indexes)).not.toContain(1);
  });

  it('prefers the header spelled as the field when two columns match it, and says so', () => {
    const match = matchColumns(['Monto', 'amount', 'Importe'], {}, ['amount']);
    expect(match.indexes.amount).toBe(1);
    expect(match.warnings).toHaveLength(1);
  });

  it('takes the leftmost of two alias matches, and says so', () => {
    const match = matchColumns(['Cuenta', 'CLABE'], {}, ['account']);
    expect(match.indexes.account).toBe(0);
    expect(match.warnings).toHaveLength(1);
  });

  it('fails with COLUMNS_MISSING naming the missing fields and the headers found', async () => {
    const error = await expectRunError(
      (async () => matchColumns(['Fecha', 'Concepto', 'Cargo'], {}, ['order_id', 'amount', 'account']))(),
      'COLUMNS_MISSING',
    );
    for (const part of ['order_id', 'amount', 'account', 'Fecha', 'Cargo']) expect(error.message).toContain(part);
    expect(error.hint).toContain('--map');
  });

  it('fails with COLUMNS_MISSING when --map names a header the file lacks', async () => {
    await expectRunError((async () => matchColumns(['orden', 'monto'], { account: 'CLABE destino' }, []))(), 'COLUMNS_MISSING');
  });

  it('does not require optional fields', () => {
    expect(() => matchColumns(['order_id', 'amount'], {}, ['order_id'])).not.toThrow();
  });
});

describe('namedFields', () => {
  it('counts the fields a row names, through aliases and --map', () => {
    expect([...namedFields(['Dispersión de pagos — octubre', '', ''], {})]).toEqual([]);
    expect(namedFields(['orden', 'monto', 'x'], {}).size).toBe(2);
    expect([...namedFields(['Folio', 'Fecha'], { order_id: 'Folio' })]).toEqual(['order_id']);
  });
});
