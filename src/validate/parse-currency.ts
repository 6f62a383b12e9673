import type { Currency } from '../domain/provider-id.ts';

/**
 * Reads a currency cell: the ISO 4217 code, any case (`mxn`, `ARS`). A bare `$` is not accepted: both the Mexican
 * and the Argentine peso write it, so it names neither. Undefined for anything else.
 */
export function parseCurrency(raw: string): Currency | undefined {
  const code = raw.trim().toUpperCase();
  return code === 'MXN' || code === 'ARS' ? code : undefined;
}
