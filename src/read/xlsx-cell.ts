import type { CellValue } from 'exceljs';
import type { RawCell } from '../domain/payout-row.ts';

/**
 * A date as ISO 8601. exceljs turns a date serial into a UTC instant; a whole day is shown as the day alone,
 * the way it looks in the sheet.
 */
function dateText(date: Date): string {
  if (Number.isNaN(date.getTime())) return '';
  const iso = date.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
}

/** What a formula's cached result looks like as text (exceljs leaves it undefined when the file has none). */
function resultText(result: unknown): string {
  if (result === undefined || result === null) return '';
  if (typeof result === 'number') return Number.isNaN(result) ? '' : String(result);
  if (result instanceof Date) return dateText(result);
  if (typeof result === 'object' && 'error' in result) return String((result as { error: unknown }).error);
  return String(result);
}

function richText(runs: ReadonlyArray<{ text?: string }>): string {
  let text = '';
  for (const run of runs) text += run.text ?? '';
  return text;
}

/**
 * One exceljs cell value as a RawCell, keeping what kind of value Excel stored: a number in an account column
 * has already lost digits, a date in an amount column is a mistake, and only the validator can say so.
 * Undefined for an empty cell.
 */
export function rawCellOf(value: CellValue): RawCell | undefined {
  if (value === null || value === undefined) return undefined;
  switch (typeof value) {
    case 'string':
      return { type: 'text', text: value };
    case 'number':
      return { type: 'number', number: value, text: String(value) };
    case 'boolean':
      return { type: 'boolean', text: value ? 'TRUE' : 'FALSE' };
    default:
      break;
  }
  if (value instanceof Date) return { type: 'date', text: dateText(value) };
  if ('formula' in value || 'sharedFormula' in value) {
    const formula = 'formula' in value ? value.formula : value.sharedFormula;
    return { type: 'formula', formula: formula ?? '', text: resultText(value.result) };
  }
  if ('richText' in value) return { type: 'text', text: richText(value.richText) };
  if ('error' in value) return { type: 'text', text: String(value.error) };
  if ('hyperlink' in value) {
    const text: unknown = value.text;
    if (typeof text === 'string') return { type: 'text', text };
    if (text && typeof text === 'object' && 'richText' in text) return { type: 'text', text: richText((text as { richText: Array<{ text?: string }> }).richText) };
    return { type: 'text', text: value.hyperlink };
  }
  return undefined;
}

/** The text a cell shows, for headers and blank-row checks. */
export function textOf(value: CellValue): string {
  return rawCellOf(value)?.text ?? '';
}
