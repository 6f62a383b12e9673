import { formatMinor } from '../../domain/money.ts';

/**
 * A JSON number (or numeric string) kept as the text the client sent. Amounts and account numbers must not pass
 * through a float: JSON.parse would turn 10.10000000000000001 into 10.1 and an 18-digit account number into a
 * rounded one. Echoing the value back (metadata) writes it as it came.
 */
export class NumberText {
  constructor(
    readonly raw: string,
    /** true when the client sent a JSON string ("100.00"), false for a JSON number literal. */
    readonly quoted: boolean,
  ) {}

  toJSON(): string | number {
    return this.quoted ? this.raw : Number(this.raw);
  }
}

/** The keys whose values are kept as NumberText: amounts and account numbers, wherever they appear. */
const EXACT_KEYS = new Set(['amount', 'account_number', 'clabe']);
const NUMBER_LITERAL = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * JSON.parse that keeps the source text of numbers under EXACT_KEYS. Number literals outside strings are first
 * turned into marked strings, then the reviver restores them: as NumberText under an exact key, as a plain number
 * elsewhere. Throws SyntaxError on invalid JSON, like JSON.parse.
 */
export function parseJsonExact(text: string): unknown {
  const parts: string[] = [];
  let last = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) i += 2;
        else if (d === 34) {
          i++;
          break;
        } else i++;
      }
    } else if (c === 45 /* - */ || (c >= 48 && c <= 57)) {
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        // digits . e E + -
        if ((d >= 48 && d <= 57) || d === 46 || d === 101 || d === 69 || d === 43 || d === 45) j++;
        else break;
      }
      parts.push(text.slice(last, i), '"\\u0000', text.slice(i, j), '"');
      last = i = j;
    } else i++;
  }
  if (parts.length === 0) return JSON.parse(text, revive);
  parts.push(text.slice(last));
  return JSON.parse(parts.join(''), revive);
}

function revive(this: unknown, key: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (value.charCodeAt(0) === 0 && value.length > 1) {
    const raw = value.slice(1);
    if (!NUMBER_LITERAL.test(raw)) throw new SyntaxError(`Invalid number ${JSON.stringify(raw)} in JSON`);
    return EXACT_KEYS.has(key) ? new NumberText(raw, false) : Number(raw);
  }
  if (key === 'amount') return new NumberText(value, true);
  return value;
}

const DECIMAL_MARK = '\u0000dec:';
const DECIMAL_MARK_ESCAPED = '"\\u0000dec:';
const DECIMAL_OUT = /"\\u0000dec:(-?\d+\.\d{2})"/g;

/**
 * An amount written as a decimal literal with two decimals ("amount":100.00), as Openpay's examples show it.
 * JSON.stringify cannot write 100.00, so toJsonText swaps the marked string for the literal.
 */
export class DecimalAmount {
  constructor(readonly minor: number) {}

  toJSON(): string {
    return DECIMAL_MARK + formatMinor(this.minor);
  }
}

/** JSON.stringify, with DecimalAmount values written as exact two-decimal literals. */
export function toJsonText(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return 'null';
  return text.includes(DECIMAL_MARK_ESCAPED) ? text.replace(DECIMAL_OUT, '$1') : text;
}
