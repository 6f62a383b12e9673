import { CANONICAL_FIELDS, type CanonicalField } from '../domain/payout-row.ts';
import { RunError } from '../run-error.ts';

/**
 * Header text reduced to what people mean by it: "Teléfono", "TELEFONO" and "tele_fono" are the same column;
 * "E-mail", "e mail" and "email" too. Accents go (NFD + drop combining marks), case goes, and everything that is
 * not a letter or digit goes (spaces, underscores, hyphens, dots, "#", a stray BOM).
 */
export function normalizeHeader(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/**
 * What payout files from Mexican and Argentine back offices call each field, in English and Spanish. Written as
 * people write them; compared after normalizeHeader. An alias belongs to one field only.
 */
const ALIASES: Record<CanonicalField, readonly string[]> = {
  order_id: [
    'order_id', 'orderid', 'external_reference', 'externalReference', 'reference', 'referencia', 'orden',
    'id_orden', 'referencia externa', 'numero de orden', 'id externo',
    // ERP and bank exports: "Folio" (MX), "Nro. Orden" / "N° de orden" (AR); ° and º drop out when normalized.
    'folio', 'no. folio', 'numero de folio', 'nro. orden', 'nro. de orden', 'n° de orden', 'n° orden', 'nº de orden',
    'no. de orden', 'no. orden', 'num. orden', 'orden de pago', 'nro. orden de pago',
  ],
  amount: ['amount', 'monto', 'importe', 'importe neto', 'monto neto', 'importe a pagar', 'monto a pagar', 'importe a transferir', 'monto a transferir'],
  currency: ['currency', 'moneda', 'divisa'],
  account: [
    'account', 'clabe', 'cbu', 'cvu', 'alias', 'account_number', 'cuenta', 'destination', 'clabe interbancaria',
    'numero de cuenta', 'nro de cuenta', 'nro cuenta', 'cbu/cvu', 'cbu/cvu/alias', 'cuenta destino',
    'destination account',
    // AR: the alias CBU and the CBU/CVU in any order and spelling; MX: "Cuenta CLABE".
    'alias cbu', 'alias cvu', 'alias cbu/cvu', 'cbu/alias', 'cvu/cbu', 'cbu o cvu', 'cbu o alias', 'cbu/cvu o alias',
    'alias/cbu/cvu', 'cbu destino', 'cvu destino', 'cuenta clabe', 'clabe destino', 'clabe del beneficiario',
    'cuenta del beneficiario',
  ],
  name: [
    'name', 'beneficiary', 'holder_name', 'account_holder_name', 'beneficiario', 'titular', 'nombre',
    'beneficiary name', 'account holder', 'nombre beneficiario', 'nombre del beneficiario', 'nombre del titular',
    'nombre titular', 'nombre completo',
    // The legal name of a company payee, and the ways exports spell the holder.
    'razon social', 'razón social', 'nombre o razon social', 'nombre o razón social', 'nombre/razon social',
    'razon social/nombre', 'beneficiario/titular', 'titular/beneficiario', 'titular de la cuenta', 'titular cuenta',
    'nombre del titular de la cuenta', 'beneficiario nombre', 'nombre y apellido', 'apellido y nombre',
    'nombre del proveedor',
  ],
  email: ['email', 'correo', 'e-mail', 'correo electrónico', 'mail'],
  phone: ['phone', 'telefono', 'teléfono', 'celular', 'phone number', 'movil', 'mobile', 'tel'],
  description: ['description', 'reason', 'concepto', 'descripcion', 'descripción', 'motivo', 'detalle'],
  provider: ['provider', 'proveedor'],
};

/** normalized alias → field */
const FIELD_BY_ALIAS: ReadonlyMap<string, CanonicalField> = (() => {
  const byAlias = new Map<string, CanonicalField>();
  for (const field of CANONICAL_FIELDS) {
    for (const alias of ALIASES[field]) {
      const key = normalizeHeader(alias);
      const owner = byAlias.get(key);
      if (owner !== undefined && owner !== field) throw new Error(`alias "${alias}" given to both ${owner} and ${field}`);
      byAlias.set(key, field);
    }
  }
  return byAlias;
})();

/** The field a header names through the built-in aliases, if any. */
export function fieldForHeader(header: string): CanonicalField | undefined {
  return FIELD_BY_ALIAS.get(normalizeHeader(header));
}

export type ColumnMap = Partial<Record<CanonicalField, string>>;

export interface ColumnMatch {
  /** field → header text as found in the file */
  columns: ColumnMap;
  /** field → 0-based column position */
  indexes: Partial<Record<CanonicalField, number>>;
  warnings: string[];
}

/** Position of the header a --map entry names: the exact text first, then the same text normalized. */
function findMappedHeader(headers: readonly string[], wanted: string): number[] {
  const exact: number[] = [];
  const loose: number[] = [];
  const wantedTrimmed = wanted.trim();
  const wantedNormalized = normalizeHeader(wanted);
  headers.forEach((header, index) => {
    if (header.trim() === wantedTrimmed) exact.push(index);
    else if (wantedNormalized !== '' && normalizeHeader(header) === wantedNormalized) loose.push(index);
  });
  return exact.length > 0 ? exact : loose;
}

function listHeaders(headers: readonly string[]): string {
  const named = headers.filter((h) => h.trim() !== '');
  return named.length === 0 ? '(none)' : named.map((h) => JSON.stringify(h)).join(', ');
}

/**
 * Decides which column holds each field: --map entries first, then the aliases over the remaining columns.
 * Throws COLUMNS_MISSING when a required field has no column or a --map entry names a column the file lacks.
 */
export function matchColumns(headers: readonly string[], map: ColumnMap, requiredFields: readonly CanonicalField[]): ColumnMatch {
  const columns: ColumnMap = {};
  const indexes: Partial<Record<CanonicalField, number>> = {};
  const warnings: string[] = [];
  const claimed = new Set<number>();
  const unmatchedMap: string[] = [];

  for (const field of CANONICAL_FIELDS) {
    const wanted = map[field];
    if (wanted === undefined) continue;
    const found = findMappedHeader(headers, wanted);
    const index = found[0];
    if (index === undefined) {
      unmatchedMap.push(`${field}=${JSON.stringify(wanted)}`);
      continue;
    }
    if (found.length > 1) warnings.push(`--map ${field}: ${found.length} columns are called ${JSON.stringify(wanted)}; using the first`);
    indexes[field] = index;
    columns[field] = headers[index] ?? wanted;
    claimed.add(index);
  }
  if (unmatchedMap.length > 0) {
    throw new RunError('COLUMNS_MISSING', `--map names a column the file does not have: ${unmatchedMap.join(', ')}; columns found: ${listHeaders(headers)}`, {
      hint: 'write the header exactly as it appears in the file, e.g. --map amount="Monto Total"',
    });
  }

  const candidates = new Map<CanonicalField, number[]>();
  headers.forEach((header, index) => {
    if (claimed.has(index)) return;
    const field = fieldForHeader(header);
    if (field === undefined || indexes[field] !== undefined) return;
    const list = candidates.get(field);
    if (list) list.push(index);
    else candidates.set(field, [index]);
  });
  for (const [field, found] of candidates) {
    // Two columns that both look like the field: the one spelled as the field itself wins, else the leftmost.
    const canonical = normalizeHeader(field);
    const index = found.find((i) => normalizeHeader(headers[i] ?? '') === canonical) ?? found[0]!;
    if (found.length > 1) {
      const others = found.filter((i) => i !== index).map((i) => JSON.stringify(headers[i]));
      warnings.push(
        `columns ${JSON.stringify(headers[index])} and ${others.join(', ')} all look like ${field}; using ${JSON.stringify(headers[index])} (choose another with --map ${field}=<header>)`,
      );
    }
    indexes[field] = index;
    columns[field] = headers[index]!;
  }

  const missing = requiredFields.filter((field) => indexes[field] === undefined);
  if (missing.length > 0) {
    throw new RunError('COLUMNS_MISSING', `no column for ${missing.join(', ')}; columns found: ${listHeaders(headers)}`, {
      hint: `rename the header or name it with --map, e.g. --map ${missing[0]}="<header as in the file>"`,
    });
  }
  return { columns, indexes, warnings };
}

/** The fields a row's cells would name, through --map or the aliases: tells a header row from a title above it. */
export function namedFields(cells: readonly string[], map: ColumnMap): Set<CanonicalField> {
  const named = new Set<CanonicalField>();
  const mapped = new Map<string, CanonicalField>();
  for (const field of CANONICAL_FIELDS) {
    const header = map[field];
    if (header !== undefined) mapped.set(normalizeHeader(header), field);
  }
  for (const cell of cells) {
    const key = normalizeHeader(cell);
    if (key === '') continue;
    const field = mapped.get(key) ?? FIELD_BY_ALIAS.get(key);
    if (field !== undefined) named.add(field);
  }
  return named;
}
