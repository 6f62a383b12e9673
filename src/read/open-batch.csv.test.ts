import { describe, expect, it } from 'vitest';
import type { CanonicalField } from '../domain/payout-row.ts';
import { openBatch } from './open-batch.ts';
import { expectRunError, fixture, readAll, texts } from './test-support.ts';

const REQUIRED: CanonicalField[] = ['order_id', 'amount', 'account'];

describe('openBatch on CSV', () => {
  it('reads Excel\'s Windows-1252 CSV with ";" and accented names', async () => {
    const batch = await openBatch(fixture('latin1-semicolon.csv'), { requiredFields: REQUIRED });
    expect(batch).toMatchObject({ format: 'csv', encoding: 'windows-1252', delimiter: ';' });
    expect(batch.headers).toEqual(['Referencia', 'CLABE', 'Beneficiario', 'Monto', 'Moneda', 'Descripción', 'Teléfono']);
    expect(batch.columns).toMatchObject({ description: 'Descripción', phone: 'Teléfono', amount: 'Monto' });
    const rows = await readAll(batch);
    expect(rows.map((r) => r.row)).toEqual([2, 3, 4]);
    expect(texts(rows[0])).toEqual({
      order_id: 'OP-0001',
      account: '012180001183597198',
      name: 'José Peña Núñez',
      amount: '1.250,00',
      currency: 'MXN',
      description: 'Pago quincenal — 50 €',
      phone: '5512345678',
    });
    expect(texts(rows[1]).description).toBe('Comisión "octubre"');
    expect(texts(rows[2]).name).toBe('Ñandú Ibáñez Güemes');
    expect(rows[0]!.cells.name).toEqual({ type: 'text', text: 'José Peña Núñez' });
  });

  it('keeps embedded delimiters, doubled quotes and line breaks inside quoted cells, and numbers rows as a spreadsheet does', async () => {
    const batch = await openBatch(fixture('quoted-crlf.csv'), { requiredFields: REQUIRED });
    const rows = await readAll(batch);
    // The multi-line cell is one row; the blank line is skipped but still counted.
    expect(rows.map((r) => r.row)).toEqual([2, 3, 5]);
    expect(texts(rows[0]).name).toBe('Peña; José');
    expect(texts(rows[0]).description).toBe('Pago "urgente"');
    expect(texts(rows[1]).description).toBe('Línea uno\r\nLínea dos');
    expect(texts(rows[2])).toMatchObject({ order_id: 'A-3', description: 'simple' });
  });

  it('strips the UTF-8 BOM so the first header still matches', async () => {
    const batch = await openBatch(fixture('utf8-bom.csv'), { requiredFields: REQUIRED });
    expect(batch).toMatchObject({ encoding: 'utf-8-bom', delimiter: ',' });
    expect(batch.headers[0]).toBe('order_id');
    expect(batch.columns.order_id).toBe('order_id');
    const rows = await readAll(batch);
    expect(texts(rows[0])).toMatchObject({ order_id: 'B-1', name: 'José Peña Núñez', amount: '1,250.00' });
    // An empty cell is absent, as in a workbook.
    expect(rows[1]!.cells.email).toBeUndefined();
  });

  it("reads Excel's Unicode text (UTF-16LE, BOM, tabs) named .txt", async () => {
    const batch = await openBatch(fixture('excel-unicode-text.txt'), { requiredFields: REQUIRED });
    expect(batch).toMatchObject({ format: 'csv', encoding: 'utf-16le', delimiter: '\t', warnings: [] });
    expect(batch.headers).toEqual(['Orden', 'Cuenta', 'Titular', 'Importe', 'Moneda', 'Correo']);
    const rows = await readAll(batch);
    expect(texts(rows[0])).toEqual({ order_id: 'U-1', account: '012180001183597198', name: 'José Peña Núñez', amount: '1250.00', currency: 'MXN', email: 'jose@example.com' });
    expect(rows.map((r) => r.row)).toEqual([2, 3]);
  });

  it.each([
    ['utf16be.csv', 'utf-16be', ';'],
    ['utf16le-no-bom.csv', 'utf-16le', ','],
    ['cp850.csv', 'ibm850', ';'],
  ])('reads %s as %s', async (name, encoding, delimiter) => {
    const batch = await openBatch(fixture(name), { requiredFields: REQUIRED });
    expect(batch).toMatchObject({ encoding, delimiter });
    const rows = await readAll(batch);
    expect(texts(rows[0]).name).toBe('José Peña Núñez');
  });

  it('reads pipe-delimited files with Argentine headers', async () => {
    const batch = await openBatch(fixture('pipe.csv'), { requiredFields: REQUIRED });
    expect(batch.delimiter).toBe('|');
    expect(batch.columns).toEqual({ order_id: 'external_reference', account: 'cbu', name: 'titular', amount: 'importe', currency: 'moneda', description: 'motivo' });
    const rows = await readAll(batch);
    expect(texts(rows[1])).toMatchObject({ account: 'ruben.monitor.po', amount: '1.234,56' });
  });

  it('reads tab-delimited files with English aliases', async () => {
    const batch = await openBatch(fixture('tab.tsv'), { requiredFields: REQUIRED });
    expect(batch.delimiter).toBe('\t');
    expect(batch.columns).toMatchObject({ order_id: 'reference', account: 'account_number', name: 'account_holder_name', phone: 'phone' });
    expect(texts((await readAll(batch))[0])).toMatchObject({ name: 'Jon Doe', phone: '5555555555' });
  });

  it('matches Spanish headers whatever their accents and capitals', async () => {
    const batch = await openBatch(fixture('spanish-headers.csv'), { requiredFields: REQUIRED });
    expect(batch.columns).toEqual({
      order_id: 'Orden',
      account: 'Cuenta',
      name: 'Nombre',
      amount: 'Monto',
      currency: 'Moneda',
      phone: 'Teléfono',
      description: 'Descripción',
      email: 'Correo',
      provider: 'Proveedor',
    });
    expect(texts((await readAll(batch))[0])).toMatchObject({ phone: '+52 55 1234 5678', provider: 'openpay' });
  });

  it('uses --map for headers no alias knows', async () => {
    const batch = await openBatch(fixture('map-override.csv'), { requiredFields: REQUIRED, map: { order_id: 'Folio', amount: 'Monto Total' } });
    expect(batch.columns).toMatchObject({ order_id: 'Folio', amount: 'Monto Total', account: 'Cuenta destino', name: 'Nombre' });
    expect(texts((await readAll(batch))[0])).toMatchObject({ order_id: 'M-1', amount: '100.00', account: '012180001183597198' });
  });

  it('fails with COLUMNS_MISSING for the same file without --map', async () => {
    const error = await expectRunError(openBatch(fixture('map-override.csv'), { requiredFields: REQUIRED }), 'COLUMNS_MISSING');
    expect(error.message).toContain('Monto Total');
    expect(error.hint).toContain('--map');
  });

  it('finds the header below a title and a blank line, keeping row numbers', async () => {
    const batch = await openBatch(fixture('title-rows.csv'), { requiredFields: REQUIRED });
    expect(batch.headers).toEqual(['order_id', 'clabe', 'beneficiario', 'monto', 'moneda']);
    expect(batch.warnings).toHaveLength(1);
    const rows = await readAll(batch);
    expect(rows.map((r) => r.row)).toEqual([4]);
  });

  it("uses Excel's sep= line for the delimiter and does not count it as a row", async () => {
    const batch = await openBatch(fixture('sep-line.csv'), { requiredFields: REQUIRED });
    expect(batch.delimiter).toBe(';');
    expect(batch.headers).toEqual(['orden', 'cuenta', 'titular', 'monto']);
    const rows = await readAll(batch);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.row).toBe(2);
    expect(texts(rows[0]).amount).toBe('1.250,00');
  });

  it('splits rows on CRLF, LF and CR alike in one file', async () => {
    const rows = await readAll(await openBatch(fixture('mixed-line-endings.csv'), { requiredFields: REQUIRED }));
    expect(rows.map((r) => [r.row, texts(r).order_id, texts(r).amount])).toEqual([
      [2, 'L-1', '1.00'],
      [3, 'L-2', '2.00'],
      [4, 'L-3', '3.00'],
    ]);
  });

  it('reads CSV content named .xlsx by its content, with a warning', async () => {
    const batch = await openBatch(fixture('csv-named.xlsx'), { requiredFields: REQUIRED });
    expect(batch.format).toBe('csv');
    expect(batch.warnings).toHaveLength(1);
    expect(texts((await readAll(batch))[0]).name).toBe('José Peña Núñez');
  });

  it('has no warnings for a plain, well-named file', async () => {
    expect((await openBatch(fixture('pipe.csv'), { requiredFields: REQUIRED })).warnings).toEqual([]);
  });

  it('reads the rows once', async () => {
    const batch = await openBatch(fixture('pipe.csv'), { requiredFields: REQUIRED });
    await readAll(batch);
    expect(() => batch.rows()).toThrow();
  });
});
