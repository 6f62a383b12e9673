import type { Currency } from '../domain/provider-id.ts';

/**
 * Reads a currency cell: the ISO 4217 code, any case (`mxn`, `ARS`), or a peso sign. A bare `$` is what Mexican and
 * Argentine exports both write for their own peso, so it means the currency of the row's provider's country
 * (`countryCurrency`); without a provider it names neither. `MX$` / `AR$` say which peso. Undefined otherwise.
 */
export function parseCurrency(raw: string, countryCurrency?: Currency): Currency | undefined {
  // The cell of nearly every row, as written: no case or spaces to fold.
  if (raw === 'MXN' || raw === 'ARS') return raw;
  const code = raw.trim().toUpperCase().replace(/\s+/g, '');
  if (code === 'MXN' || code === 'ARS') return code;
  if (code === 'MX$' || code === 'MEX$') return 'MXN';
  if (code === 'AR$' || code === 'ARG$') return 'ARS';
  if (code === '$') return countryCurrency;
  return undefined;
}
