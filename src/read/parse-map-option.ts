import { CANONICAL_FIELDS, type CanonicalField } from '../domain/payout-row.ts';
import { RunError } from '../run-error.ts';

function isCanonicalField(value: string): value is CanonicalField {
  return (CANONICAL_FIELDS as readonly string[]).includes(value);
}

/**
 * Turns repeated `--map field=Header` values into field → header text. The header is everything after the first
 * "=", so it may itself contain "=" or ","; only the surrounding blanks a shell leaves are dropped.
 */
export function parseMapOption(values: string[] | undefined): Partial<Record<CanonicalField, string>> {
  const map: Partial<Record<CanonicalField, string>> = {};
  const hint = `use --map field=Header, where field is one of ${CANONICAL_FIELDS.join(', ')}`;
  for (const value of values ?? []) {
    const eq = value.indexOf('=');
    if (eq < 0) throw new RunError('USAGE', `--map ${JSON.stringify(value)}: expected field=Header`, { hint });
    // "Order-ID" and "order_id" both name the field; headers keep their own spelling.
    const field = value.slice(0, eq).trim().toLowerCase().replace(/-/g, '_');
    const header = value.slice(eq + 1).trim();
    if (!isCanonicalField(field)) throw new RunError('USAGE', `--map ${JSON.stringify(value)}: unknown field ${JSON.stringify(field)}`, { hint });
    if (header === '') throw new RunError('USAGE', `--map ${JSON.stringify(value)}: the header after "=" is empty`, { hint });
    if (map[field] !== undefined && map[field] !== header) {
      throw new RunError('USAGE', `--map ${field} given twice (${JSON.stringify(map[field])} and ${JSON.stringify(header)})`, { hint });
    }
    map[field] = header;
  }
  return map;
}
