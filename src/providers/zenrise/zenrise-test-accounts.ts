/**
 * The CBU/CVU numbers Zenrise lists as DEV test data (zenrise-payouts.txt, "Datos de prueba entorno DEV"), with the
 * answer the DEV environment gives for each. None of them passes the BCRA check digits, so validation accepts exactly
 * these numbers, and only outside live, where they would be rejected as CBU_CHECKSUM.
 */
export type ZenriseTestOutcome = 'success' | 'usd_account' | 'nonexistent' | 'inactive';

export const ZENRISE_TEST_ACCOUNTS: ReadonlyMap<string, ZenriseTestOutcome> = new Map<string, ZenriseTestOutcome>([
  // "Respuesta exitosa"
  ['0990100808100040477100', 'success'],
  ['0880610330061000073700', 'success'],
  ['0000128000000000000000', 'success'],
  ['0000200000000000000010', 'success'],
  // "Cuenta en USD"
  ['0980610330061000073700', 'usd_account'],
  // "Cuenta Inexistente" → "The CBU/CVU is not correct"
  ['0000222000000000000000', 'nonexistent'],
  // "Cuenta Inactiva" → "The CBU/CVU is not active"
  ['0000999000000000000010', 'inactive'],
  ['0109100808100040477100', 'inactive'],
]);

/**
 * The aliases of the same list. They already have the shape of an alias, so validation needs no exception for
 * them; they are here so that the simulator answers from the same data. The doc lists langosta.gato.po under both
 * "Cuenta Inexistente" and "Cuenta Inactiva"; the first listing is taken.
 */
export const ZENRISE_TEST_ALIASES: ReadonlyMap<string, ZenriseTestOutcome> = new Map<string, ZenriseTestOutcome>([
  ['ruben.monitor.po', 'success'],
  ['pepe.pepe.po', 'success'],
  ['termo.conejo.st', 'success'],
  ['silla.puerta.pt', 'success'],
  ['silla.factura.pm', 'usd_account'],
  ['langosta.gato.po', 'nonexistent'],
]);

/** True for exactly the listed DEV CBU/CVU numbers (22 digits, no separators). */
export function isZenriseTestAccount(number: string): boolean {
  return ZENRISE_TEST_ACCOUNTS.has(number);
}
