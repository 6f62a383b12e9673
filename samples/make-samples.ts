/**
 * Writes the sample payout files in samples/: one CSV and one XLSX per provider, each a realistic operations file
 * with a few deliberately bad rows (bad check digit, missing name, bad amount, a repeated order id …).
 * Run: node --import tsx samples/make-samples.ts
 */
import ExcelJS from 'exceljs';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** CLABE check digit: weights 3,7,1 over the first 17 digits, each product mod 10, check = (10 − sum mod 10) mod 10. */
function clabe(first17: string): string {
  const w = [3, 7, 1];
  const sum = [...first17].reduce((s, d, i) => s + ((Number(d) * w[i % 3]!) % 10), 0);
  return first17 + String((10 - (sum % 10)) % 10);
}
/** CBU: block 1 bank+branch weights 7,1,3,9,7,1,3; block 2 account weights 3,9,7,1,3,9,7,1,3,9,7,1,3. */
function cbu(bankBranch7: string, account13: string): string {
  const check = (digits: string, w: number[]) => String((10 - (([...digits].reduce((s, d, i) => s + Number(d) * w[i]!, 0)) % 10)) % 10);
  return bankBranch7 + check(bankBranch7, [7, 1, 3, 9, 7, 1, 3]) + account13 + check(account13, [3, 9, 7, 1, 3, 9, 7, 1, 3, 9, 7, 1, 3]);
}
const broken = (digits: string) => digits.slice(0, -1) + String((Number(digits.at(-1)) + 1) % 10);

type Table = { headers: string[]; rows: string[][] };

const openpay: Table = {
  headers: ['order_id', 'clabe', 'beneficiario', 'monto', 'moneda', 'concepto', 'email'],
  rows: [
    ['OP-2026-0001', clabe('01218000118359719'), 'José Peña Núñez', '1,250.00', 'MXN', 'Pago quincenal', 'jose.pena@example.com'],
    ['OP-2026-0002', clabe('00218000123456789'), 'María Fernanda López', '$ 3,400.50', 'MXN', 'Comisiones octubre', 'mf.lopez@example.com'],
    ['OP-2026-0003', clabe('64618010940013562'), 'Distribuidora del Bajío SA de CV', '18,999.99', 'MXN', 'Factura A-1182', ''],
    ['OP-2026-0004', clabe('07218000987654321'), 'Ana Sofía Ramírez', '500', 'MXN', 'Reembolso gastos', ''],
    ['OP-2026-0005', broken(clabe('01418000555555555')), 'Luis Hernández', '750.00', 'MXN', 'Pago proveedor', ''],
    ['OP-2026-0006', clabe('01218000118359720'), '', '99.90', 'MXN', 'Bono', ''],
    ['OP-2026-0007', clabe('03018000222222222'), 'Carlos Ortega', '1.500,00', 'MXN', 'Viáticos', ''],
    ['OP-2026-0002', clabe('00218000123456789'), 'María Fernanda López', '3400.50', 'MXN', 'Comisiones octubre', 'mf.lopez@example.com'],
    ['OP-2026-0008', clabe('12718000333333333'), 'Guadalupe Torres', '2,000.00', 'USD', 'Pago', ''],
    ['OP-2026-0009', clabe('13718000444444444'), 'Roberto Sánchez', '0', 'MXN', 'Ajuste', ''],
  ],
};

const conekta: Table = {
  headers: ['reference', 'account_number', 'account_holder_name', 'amount', 'currency', 'email', 'phone'],
  rows: [
    ['CK-1001', clabe('01218000118359719'), 'Jon Doe Account', '500.00', 'MXN', 'jon.doe@example.com', '5555555555'],
    ['CK-1002', clabe('07218000987654321'), 'Fernanda Ruiz', '1,234.56', 'MXN', 'f.ruiz@example.com', ''],
    ['CK-1003', clabe('01218000118359719'), 'Jon Doe Account', '250.00', 'MXN', 'jon.doe@example.com', '5555555555'],
    ['CK-1004', clabe('01418000555555555'), 'Proveedora Norte', '10,000.00', 'MXN', '', ''],
    ['CK-1005', '123456789012345678', 'Cuenta de ejemplo', '100.00', 'MXN', '', ''],
    ['CK-1006', '6461801094001356', 'Pedro Gómez', '80.00', 'MXN', '', ''],
    ['CK-1007', clabe('00218000123456789'), 'Elena Castro', '12.345', 'MXN', '', ''],
    ['CK-1004', clabe('01418000555555555'), 'Proveedora Norte', '9,000.00', 'MXN', '', ''],
  ],
};

const digitalfemsa: Table = {
  headers: ['order_id', 'nombre', 'email', 'telefono', 'monto', 'motivo'],
  rows: [
    ['DF-0001', 'Cliente cashout', 'cliente1@example.com', '525566778899', '300.00', 'Retiro de saldo'],
    ['DF-0002', 'Rosa Martínez', 'rosa.martinez@example.com', '5544332211', '1,500', 'Premio sorteo'],
    ['DF-0003', 'Jorge Díaz', 'jorge.diaz@example.com', '', '250.50', 'Retiro'],
    ['DF-0004', 'Lucía Morales', 'lucia.morales-at-example.com', '', '200', 'Retiro'],
    ['DF-0005', '', 'sin.nombre@example.com', '', '100', 'Retiro'],
    ['DF-0006', 'Miguel Ángel Reyes', 'miguel.reyes@example.com', '', '400', 'Referencia de retiro en efectivo para el cliente'],
    ['DF-0007', 'Patricia Vega', 'patricia.vega@example.com', '', '1000', 'Reembolso'],
  ],
};

const zenrise: Table = {
  headers: ['externalReference', 'cbu', 'titular', 'importe', 'moneda', 'descripcion'],
  rows: [
    ['ZR-000001', cbu('0170099', '2200000067812'), 'Juan Pérez', '15.000,00', 'ARS', 'Pago proveedor'],
    ['ZR-000002', cbu('0070999', '0300000012345'), 'Lucía Fernández', '2500,50', 'ARS', 'Honorarios'],
    ['ZR-000003', 'ruben.monitor.po', 'Rubén Monitor', '1.234,56', 'ARS', 'Reintegro'],
    ['ZR-000004', cbu('0000003', '1000000000001'), 'Billetera Virtual', '999,99', 'ARS', 'CVU de prueba'],
    ['ZR-000005', broken(cbu('0140999', '0122000056789')), 'Martín García', '3.000,00', 'ARS', 'Pago'],
    ['ZR-000006', 'ab', 'Alias corto', '100,00', 'ARS', 'Pago'],
    ['ZR-000007', cbu('0110599', '5200000098765'), 'Sofía Romero', '12,345', 'ARS', 'Monto ambiguo'],
    ['ZR-000008', cbu('0720001', '8800000011111'), 'Diego Álvarez', '500,00', 'USD', 'Moneda'],
  ],
};

const quote = (cell: string, delimiter: string) => (/["\r\n]/.test(cell) || cell.includes(delimiter) ? `"${cell.replace(/"/g, '""')}"` : cell);
function csv(table: Table, delimiter: string): string {
  return [table.headers, ...table.rows].map((r) => r.map((c) => quote(c, delimiter)).join(delimiter)).join('\r\n') + '\r\n';
}

async function xlsx(table: Table, path: string, sheetName: string) {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet(sheetName);
  sheet.addRow(table.headers).font = { bold: true };
  for (const row of table.rows) sheet.addRow(row);
  sheet.columns.forEach((c) => (c.width = 24));
  await workbook.xlsx.writeFile(path);
}

const files: Array<[string, Table, string]> = [
  ['openpay-payouts', openpay, ','],
  ['conekta-payouts', conekta, ','],
  ['digitalfemsa-payouts', digitalfemsa, ','],
  // Argentine files are usually semicolon-separated (decimal comma).
  ['zenrise-payouts', zenrise, ';'],
];
for (const [name, table, delimiter] of files) {
  writeFileSync(join(here, `${name}.csv`), csv(table, delimiter));
  await xlsx(table, join(here, `${name}.xlsx`), 'Pagos');
}
console.log('samples written');
